// @ts-check
/**
 * serverless-offline has no S3 event source; this companion plugin adds one. While
 * `serverless offline start` runs, the functions' `s3:` events are served from the SQS queue that the
 * local bucket notifies (LocalStack S3 → SQS, set up by `make init`): see poller.js. Functions are invoked
 * through serverless-offline's own Lambda runner, so they run exactly as its HTTP and schedule handlers do.
 *
 * serverless.yml:
 *   plugins: [serverless-esbuild, "@vigil/offline-s3", serverless-offline]
 * (a local package: package.json depends on it as file:localstack/offline-s3)
 *   custom.offlineS3: { queue: vigil-raw-logs, endpoint: http://127.0.0.1:4566, region: us-east-1,
 *                       backoff: { initialMs: 1000, maxMs: 30000 }, waitTimeSeconds: 5 }
 */
import { SQSClient } from "@aws-sdk/client-sqs";
import { SqsS3Poller } from "./poller.js";
import { readS3Triggers } from "./triggers.js";

// serverless-offline's own defaults that its Lambda runner reads (src/config/defaultOptions.js).
const OFFLINE_DEFAULTS = {
  terminateIdleLambdaTime: 60,
  noTimeout: false,
  useInProcess: false,
  reloadHandler: false,
};

export default class OfflineS3 {
  /** @type {SqsS3Poller | undefined} */
  #poller;
  /** @type {{ cleanup: () => Promise<void> } | undefined} */
  #lambda;
  /** @type {SQSClient | undefined} */
  #sqs;

  /**
   * @param {any} serverless
   * @param {Record<string, unknown>} options
   * @param {{ log: any }} utils
   */
  constructor(serverless, options, { log }) {
    this.serverless = serverless;
    this.options = options;
    this.log = log;
    this.hooks = {
      "offline:start:init": () => this.start(),
      "offline:start:end": () => this.stop(),
    };
  }

  async start() {
    const service = this.serverless.service;
    const triggers = readS3Triggers({ functions: service.functions });
    if (triggers.length === 0) return;
    const config = service.custom?.offlineS3 ?? {};
    if (typeof config.queue !== "string" || config.queue === "") {
      throw new Error("custom.offlineS3.queue: the SQS queue the bucket notifies is not set");
    }

    const { default: Lambda } = await import("serverless-offline/lambda");
    const lambda = new Lambda(this.serverless, {
      ...OFFLINE_DEFAULTS,
      ...service.custom?.["serverless-offline"],
      ...this.options,
    });
    lambda.create(
      [...new Set(triggers.map((t) => t.functionKey))].map((functionKey) => ({
        functionKey,
        functionDefinition: service.getFunction(functionKey),
      })),
    );
    this.#lambda = lambda;
    this.#sqs = new SQSClient({
      region: String(config.region ?? service.provider?.region ?? "us-east-1"),
      ...(config.endpoint ? { endpoint: String(config.endpoint) } : {}),
    });
    this.#poller = new SqsS3Poller({
      sqs: this.#sqs,
      queue: config.queue,
      triggers,
      invoke: async (functionKey, event) => {
        const fn = lambda.get(functionKey);
        fn.setEvent(event);
        return fn.runHandler();
      },
      log: {
        info: (m) => this.log.notice(m),
        warning: (m) => this.log.warning(m),
        error: (m) => this.log.error(m),
      },
      backoff: { initialMs: 1000, maxMs: 30_000, ...config.backoff },
      waitTimeSeconds: config.waitTimeSeconds ?? 5,
    });
    await this.#poller.start();
  }

  async stop() {
    await this.#poller?.stop();
    this.#sqs?.destroy();
    await this.#lambda?.cleanup();
  }
}
