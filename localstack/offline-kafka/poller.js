// @ts-check
/**
 * One Kafka trigger's event source mapping, emulated: a consumer group that reads the topic, cuts batches
 * (≤ batchSize records, ≤ 6 MB), invokes the function with the Lambda Kafka event and commits the offsets
 * only after the function succeeded. A failed invocation is retried with exponential backoff, with the
 * same records and nothing committed; the partition waits meanwhile, so per-partition order holds.
 */
import { buildKafkaEvent, splitBatch } from "./event-builder.js";

/**
 * @typedef {import("./triggers.js").KafkaTrigger} KafkaTrigger
 * @typedef {{ info: (m: string) => void, warning: (m: string) => void, error: (m: string) => void }} Log
 * @typedef {{ initialMs: number, maxMs: number }} Backoff
 */

/** @param {number} ms @param {() => boolean} stopped */
async function sleep(ms, stopped) {
  const until = Date.now() + ms;
  while (Date.now() < until && !stopped()) {
    await new Promise((resolve) => setTimeout(resolve, Math.min(250, until - Date.now())));
  }
}

export class KafkaPoller {
  /** @type {import("kafkajs").Consumer | undefined} */
  #consumer;
  #stopping = false;

  /**
   * @param {{ kafka: import("kafkajs").Kafka, trigger: KafkaTrigger, invoke: (event: object) => Promise<unknown>,
   *   log: Log, backoff?: Backoff, concurrency?: number }} options
   */
  constructor({
    kafka,
    trigger,
    invoke,
    log,
    backoff = { initialMs: 1000, maxMs: 30_000 },
    concurrency = 10,
  }) {
    this.concurrency = concurrency;
    this.kafka = kafka;
    this.trigger = trigger;
    this.invoke = invoke;
    this.log = log;
    this.backoff = backoff;
  }

  get name() {
    return `${this.trigger.functionKey} ← ${this.trigger.topic}`;
  }

  async start() {
    const t = this.trigger;
    if (t.startingPosition === "AT_TIMESTAMP") await this.#seekNewGroupToTimestamp();
    const consumer = this.kafka.consumer({
      groupId: t.consumerGroupId,
      // A handler may run for minutes; the session must outlive a slow batch between heartbeats.
      sessionTimeout: 60_000,
      rebalanceTimeout: 60_000,
      heartbeatInterval: 3_000,
      // The batching window: the broker holds the fetch until enough data arrived or the window ended.
      maxWaitTimeInMs: Math.max(10, t.maximumBatchingWindowMs),
      minBytes: t.maximumBatchingWindowMs > 0 ? 1024 * 1024 : 1,
      maxBytesPerPartition: 6 * 1024 * 1024,
      maxBytes: 64 * 1024 * 1024,
      retry: { retries: Number.MAX_SAFE_INTEGER, initialRetryTime: 500, maxRetryTime: 10_000 },
    });
    this.#consumer = consumer;
    // kafkajs gives up for good on some errors (e.g. no group coordinator while a broker restarts);
    // Lambda's event source mapping never does, so neither does the emulation: start over.
    consumer.on(consumer.events.CRASH, ({ payload }) => {
      if (payload.restart || this.#stopping) return;
      this.log.warning(
        `kafka trigger ${this.name}: consumer stopped (${payload.error.message}); restarting in 5 s`,
      );
      setTimeout(() => void this.#restart(), 5_000);
    });
    await consumer.connect();
    await consumer.subscribe({ topic: t.topic, fromBeginning: t.startingPosition !== "LATEST" });
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      // Like Lambda's event source mapping, partitions are processed concurrently (each by its own
      // instance of the function) while each partition's batches stay strictly in order.
      partitionsConsumedConcurrently: this.concurrency,
      eachBatch: async ({ batch, heartbeat, resolveOffset, isRunning, isStale }) => {
        for (const messages of splitBatch(batch.messages, t.batchSize)) {
          if (!isRunning() || isStale() || this.#stopping) return;
          const event = buildKafkaEvent({
            bootstrapServers: t.bootstrapServers,
            ...(t.eventSourceArn !== undefined ? { eventSourceArn: t.eventSourceArn } : {}),
            batches: [{ topic: batch.topic, partition: batch.partition, messages }],
          });
          const delivered = await this.#invokeUntilSuccess(event, heartbeat, () => !isRunning() || isStale());
          // Stopped or rebalanced mid-retry: nothing is committed, the next owner gets the same records.
          if (!delivered) return;
          const last = messages[messages.length - 1];
          if (!last) continue;
          await consumer.commitOffsets([
            { topic: batch.topic, partition: batch.partition, offset: (BigInt(last.offset) + 1n).toString() },
          ]);
          // Moves the in-memory fetch position past the delivered records.
          resolveOffset(last.offset);
        }
      },
    });
    this.log.info(
      `kafka trigger ${this.name}: group ${t.consumerGroupId}, batchSize ${t.batchSize}, ` +
        `window ${t.maximumBatchingWindowMs} ms, from ${t.startingPosition}`,
    );
  }

  /**
   * @param {object} event
   * @param {() => Promise<void>} heartbeat
   * @param {() => boolean} lost
   * @returns {Promise<boolean>} true once the function succeeded; false when the poller stopped first
   */
  async #invokeUntilSuccess(event, heartbeat, lost) {
    const stopped = () => this.#stopping || lost();
    for (let attempt = 1; ; attempt += 1) {
      // Keep the group membership alive while the function runs.
      const beat = setInterval(() => heartbeat().catch(() => {}), 3_000);
      try {
        await this.invoke(event);
        return true;
      } catch (error) {
        const wait = Math.min(this.backoff.maxMs, this.backoff.initialMs * 2 ** (attempt - 1));
        this.log.warning(
          `kafka trigger ${this.name}: invocation ${attempt} failed (${error instanceof Error ? error.message : error}); ` +
            `retrying the same records in ${wait} ms, nothing committed`,
        );
        await sleep(wait, stopped);
        if (stopped()) return false;
      } finally {
        clearInterval(beat);
      }
    }
  }

  async #restart() {
    if (this.#stopping) return;
    await this.#consumer?.disconnect().catch(() => {});
    try {
      await this.start();
    } catch (error) {
      this.log.warning(
        `kafka trigger ${this.name}: restart failed (${error instanceof Error ? error.message : error}); again in 5 s`,
      );
      setTimeout(() => void this.#restart(), 5_000);
    }
  }

  /** Lambda applies AT_TIMESTAMP only to a mapping that has no committed position yet. */
  async #seekNewGroupToTimestamp() {
    const t = this.trigger;
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      const [committed] = await admin.fetchOffsets({ groupId: t.consumerGroupId, topics: [t.topic] });
      if (committed?.partitions.some((p) => p.offset !== "-1")) return;
      const offsets = await admin.fetchTopicOffsetsByTimestamp(t.topic, t.startingPositionTimestampMs);
      await admin.setOffsets({ groupId: t.consumerGroupId, topic: t.topic, partitions: offsets });
    } finally {
      await admin.disconnect();
    }
  }

  async stop() {
    this.#stopping = true;
    await this.#consumer?.disconnect();
  }
}
