// @ts-check
/**
 * The S3 → Lambda trigger, emulated: S3 (LocalStack) sends its bucket notifications to an SQS queue; this
 * poller long-polls the queue and invokes, for every record, each function whose `s3:` event it fires,
 * with the Lambda S3 event (`{ Records: [record] }`, one record per invocation as S3 does). A message is
 * deleted only after every invocation it caused succeeded; otherwise it becomes visible again after an
 * exponential backoff and is retried, and after the queue's maxReceiveCount SQS moves it to the
 * dead-letter queue. S3's own `s3:TestEvent` (sent when a notification is configured) is dropped.
 */
import {
  ChangeMessageVisibilityCommand,
  DeleteMessageCommand,
  GetQueueUrlCommand,
  ReceiveMessageCommand,
} from "@aws-sdk/client-sqs";
import { firesTrigger } from "./triggers.js";

/**
 * @typedef {import("./triggers.js").S3Trigger} S3Trigger
 * @typedef {{ info: (m: string) => void, warning: (m: string) => void, error: (m: string) => void }} Log
 * @typedef {{ initialMs: number, maxMs: number }} Backoff
 */

const VISIBILITY_S = 60;

/** @param {number} ms @param {() => boolean} stopped */
async function sleep(ms, stopped) {
  const until = Date.now() + ms;
  while (Date.now() < until && !stopped()) {
    await new Promise((resolve) => setTimeout(resolve, Math.min(250, until - Date.now())));
  }
}

export class SqsS3Poller {
  #stopping = false;
  /** @type {AbortController | undefined} */
  #abort;
  /** @type {Promise<void> | undefined} */
  #loop;

  /**
   * @param {{ sqs: import("@aws-sdk/client-sqs").SQSClient, queue: string, triggers: S3Trigger[],
   *   invoke: (functionKey: string, event: object) => Promise<unknown>, log: Log, backoff?: Backoff,
   *   waitTimeSeconds?: number }} options
   */
  constructor({
    sqs,
    queue,
    triggers,
    invoke,
    log,
    backoff = { initialMs: 1000, maxMs: 30_000 },
    waitTimeSeconds = 5,
  }) {
    this.sqs = sqs;
    this.queue = queue;
    this.triggers = triggers;
    this.invoke = invoke;
    this.log = log;
    this.backoff = backoff;
    this.waitTimeSeconds = waitTimeSeconds;
  }

  /** Starts polling once the queue exists (`make init` creates it). */
  async start() {
    this.#loop = this.#run();
  }

  async #queueUrl() {
    for (let attempt = 1; !this.#stopping; attempt += 1) {
      try {
        const out = await this.sqs.send(new GetQueueUrlCommand({ QueueName: this.queue }));
        if (out.QueueUrl) return out.QueueUrl;
      } catch (error) {
        if (attempt === 1) {
          this.log.warning(
            `s3 trigger: SQS queue ${this.queue} not reachable (${error instanceof Error ? error.message : error}); ` +
              "run `make init` (it creates the queue and the bucket notification); retrying every 5 s",
          );
        }
      }
      await sleep(5_000, () => this.#stopping);
    }
    return undefined;
  }

  async #run() {
    const url = await this.#queueUrl();
    if (!url) return;
    for (const t of this.triggers) {
      this.log.info(
        `s3 trigger ${t.functionKey} ← s3://${t.bucket}/${t.prefix}*${t.suffix} ${t.event} via SQS ${this.queue}`,
      );
    }
    while (!this.#stopping) {
      this.#abort = new AbortController();
      let messages;
      try {
        const out = await this.sqs.send(
          new ReceiveMessageCommand({
            QueueUrl: url,
            MaxNumberOfMessages: 10,
            WaitTimeSeconds: this.waitTimeSeconds,
            VisibilityTimeout: VISIBILITY_S,
            MessageSystemAttributeNames: ["ApproximateReceiveCount"],
          }),
          { abortSignal: this.#abort.signal },
        );
        messages = out.Messages ?? [];
      } catch (error) {
        if (this.#stopping) return;
        this.log.warning(
          `s3 trigger: receiving from ${this.queue} failed (${error instanceof Error ? error.message : error}); again in 2 s`,
        );
        await sleep(2_000, () => this.#stopping);
        continue;
      }
      await Promise.all(messages.map((m) => this.#deliver(url, m)));
    }
  }

  /**
   * @param {string} url
   * @param {import("@aws-sdk/client-sqs").Message} message
   */
  async #deliver(url, message) {
    const receipt = message.ReceiptHandle ?? "";
    /** @type {{ Records?: Record<string, any>[], Event?: string }} */
    let body;
    try {
      body = JSON.parse(message.Body ?? "");
    } catch {
      this.log.warning(
        `s3 trigger: message ${message.MessageId} is not JSON; left for the dead-letter queue`,
      );
      return;
    }
    if (body.Event === "s3:TestEvent" || !Array.isArray(body.Records)) {
      await this.sqs.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: receipt }));
      return;
    }
    // Keep the message hidden while the functions run (a large object may take minutes).
    const heartbeat = setInterval(
      () => {
        this.sqs
          .send(
            new ChangeMessageVisibilityCommand({
              QueueUrl: url,
              ReceiptHandle: receipt,
              VisibilityTimeout: VISIBILITY_S,
            }),
          )
          .catch(() => {});
      },
      (VISIBILITY_S / 3) * 1000,
    );
    try {
      for (const record of body.Records) {
        for (const trigger of this.triggers.filter((t) => firesTrigger(t, record))) {
          await this.invoke(trigger.functionKey, { Records: [record] });
        }
      }
      clearInterval(heartbeat);
      await this.sqs.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: receipt }));
    } catch (error) {
      clearInterval(heartbeat);
      const attempt = Number(message.Attributes?.ApproximateReceiveCount ?? "1");
      const waitMs = Math.min(this.backoff.maxMs, this.backoff.initialMs * 2 ** (attempt - 1));
      this.log.warning(
        `s3 trigger: invocation for message ${message.MessageId} failed (attempt ${attempt}: ` +
          `${error instanceof Error ? error.message : error}); redelivered in ${waitMs} ms`,
      );
      await this.sqs
        .send(
          new ChangeMessageVisibilityCommand({
            QueueUrl: url,
            ReceiptHandle: receipt,
            VisibilityTimeout: Math.ceil(waitMs / 1000),
          }),
        )
        .catch(() => {});
    }
  }

  async stop() {
    this.#stopping = true;
    this.#abort?.abort();
    await this.#loop?.catch(() => {});
  }
}
