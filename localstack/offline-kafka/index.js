// @ts-check
/**
 * serverless-offline has no Kafka event source; this companion plugin adds one. While
 * `serverless offline start` runs, every function's `kafka:` / `msk:` events get a consumer group
 * (see poller.js), and batches are invoked through serverless-offline's own Lambda runner, so the
 * handler runs exactly as serverless-offline runs HTTP and schedule handlers (same bundle, env, timeout).
 *
 * serverless.yml:
 *   plugins: [serverless-esbuild, "@vigil/offline-kafka", serverless-offline]
 * (a local package: package.json depends on it as file:localstack/offline-kafka)
 *   custom.offlineKafka: { brokers: "127.0.0.1:9092", backoff: { initialMs: 1000, maxMs: 30000 },
 *                          concurrency: 10 }   (partitions in flight at once, per trigger)
 * It is listed before serverless-offline so that on Ctrl-C its consumers leave their groups cleanly
 * before serverless-offline ends the process.
 */
import { Kafka, logLevel } from "kafkajs";
import { KafkaPoller } from "./poller.js";
import { readKafkaTriggers, selectTriggers } from "./triggers.js";

// serverless-offline's own defaults that its Lambda runner reads (src/config/defaultOptions.js).
const OFFLINE_DEFAULTS = {
  terminateIdleLambdaTime: 60,
  noTimeout: false,
  useInProcess: false,
  reloadHandler: false,
};

export default class OfflineKafka {
  /** @type {KafkaPoller[]} */
  #pollers = [];
  /** @type {{ cleanup: () => Promise<void> } | undefined} */
  #lambda;

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
    const config = service.custom?.offlineKafka ?? {};
    const defaultBrokers = String(config.brokers ?? "127.0.0.1:9092")
      .split(",")
      .map((b) => b.trim());
    const triggers = readKafkaTriggers(
      { service: service.service, functions: service.functions },
      { stage: this.serverless.getProvider("aws").getStage(), defaultBrokers },
    );
    const { enabled, disabled } = selectTriggers(triggers, config.functions);
    for (const { trigger: t, why } of disabled) {
      this.log.notice(`kafka trigger ${t.functionKey} ← ${t.topic}: disabled (${why})`);
    }
    if (enabled.length === 0) return;

    const { default: Lambda } = await import("serverless-offline/lambda");
    const offlineOptions = {
      ...OFFLINE_DEFAULTS,
      ...service.custom?.["serverless-offline"],
      ...this.options,
    };
    const lambda = new Lambda(this.serverless, offlineOptions);
    const keys = [...new Set(enabled.map((t) => t.functionKey))];
    lambda.create(
      keys.map((functionKey) => ({ functionKey, functionDefinition: service.getFunction(functionKey) })),
    );
    this.#lambda = lambda;

    const backoff = { initialMs: 1000, maxMs: 30_000, ...config.backoff };
    /** @type {import("./poller.js").Log} */
    const log = {
      info: (m) => this.log.notice(m),
      warning: (m) => this.log.warning(m),
      error: (m) => this.log.error(m),
    };
    for (const trigger of enabled) {
      const kafka = new Kafka({
        clientId: `offline-kafka-${trigger.functionKey}`,
        brokers: trigger.bootstrapServers,
        logLevel: logLevel.WARN,
        retry: { initialRetryTime: 500, retries: Number.MAX_SAFE_INTEGER, maxRetryTime: 10_000 },
      });
      const invoke = async (/** @type {object} */ event) => {
        const fn = lambda.get(trigger.functionKey);
        fn.setEvent(event);
        return fn.runHandler();
      };
      const poller = new KafkaPoller({
        kafka,
        trigger,
        invoke,
        log,
        backoff,
        concurrency: config.concurrency ?? 10,
      });
      this.#pollers.push(poller);
      // Not awaited: joining a group can wait out a previous run's members (up to the session timeout), and
      // the HTTP API must not wait for that. Each trigger logs its line once it consumes.
      poller.start().catch((/** @type {Error} */ error) => {
        this.log.error(`kafka trigger ${poller.name}: could not start (${error.message})`);
      });
    }
  }

  async stop() {
    await Promise.allSettled(this.#pollers.map((p) => p.stop()));
    this.#pollers = [];
    await this.#lambda?.cleanup();
  }
}
