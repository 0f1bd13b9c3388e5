// @ts-check
/**
 * Builds the exact event AWS Lambda hands a Kafka-triggered function (self-managed Kafka or MSK):
 * records grouped under "topic-partition", key and value base64, headers as a list of one-key objects whose
 * values are arrays of *signed* bytes (Lambda serialises Java byte[]; "ë" arrives as [-61, -85]). A null
 * key or value is left out of the record, as Lambda does. Pure: no Kafka client, no I/O.
 */

/**
 * @typedef {Buffer | string | null | undefined} Bytes
 * @typedef {{ offset: string, timestamp: string, key?: Bytes, value?: Bytes,
 *   headers?: Record<string, Bytes | Bytes[]> }} KafkaMessage  the shape kafkajs delivers
 * @typedef {{ topic: string, partition: number, offset: number, timestamp: number, timestampType: string,
 *   key?: string, value?: string, headers: Record<string, number[]>[] }} LambdaKafkaRecord
 * @typedef {{ eventSource: "SelfManagedKafka", bootstrapServers: string,
 *   records: Record<string, LambdaKafkaRecord[]> }} SelfManagedKafkaEvent
 * @typedef {{ eventSource: "aws:kafka", eventSourceArn: string, bootstrapServers: string,
 *   records: Record<string, LambdaKafkaRecord[]> }} MskEvent
 */

/** @param {Bytes} bytes */
const toBuffer = (bytes) => (bytes == null ? undefined : Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes));

/**
 * Header values as Lambda sends them: Java's signed bytes.
 * @param {Buffer} buffer
 * @returns {number[]}
 */
export function signedBytes(buffer) {
  return Array.from(new Int8Array(buffer.buffer, buffer.byteOffset, buffer.length));
}

/**
 * kafkajs folds repeated header keys into an array; Lambda lists each occurrence as its own object.
 * @param {KafkaMessage["headers"]} headers
 * @returns {Record<string, number[]>[]}
 */
export function encodeHeaders(headers) {
  /** @type {Record<string, number[]>[]} */
  const out = [];
  for (const [name, raw] of Object.entries(headers ?? {})) {
    for (const value of Array.isArray(raw) ? raw : [raw]) {
      const buffer = toBuffer(value);
      out.push({ [name]: buffer ? signedBytes(buffer) : [] });
    }
  }
  return out;
}

/**
 * One Lambda record from one Kafka message.
 * @param {string} topic
 * @param {number} partition
 * @param {KafkaMessage} message
 * @returns {LambdaKafkaRecord}
 */
export function toLambdaRecord(topic, partition, message) {
  const key = toBuffer(message.key);
  const value = toBuffer(message.value);
  return {
    topic,
    partition,
    offset: Number(message.offset),
    timestamp: Number(message.timestamp),
    timestampType: "CREATE_TIME",
    ...(key ? { key: key.toString("base64") } : {}),
    ...(value ? { value: value.toString("base64") } : {}),
    headers: encodeHeaders(message.headers),
  };
}

/**
 * The whole event for a batch. Records keep the order given, which is each partition's offset order.
 * @param {{ bootstrapServers: string[], eventSourceArn?: string,
 *   batches: { topic: string, partition: number, messages: KafkaMessage[] }[] }} input
 * @returns {SelfManagedKafkaEvent | MskEvent}
 */
export function buildKafkaEvent({ bootstrapServers, eventSourceArn, batches }) {
  /** @type {Record<string, LambdaKafkaRecord[]>} */
  const records = {};
  for (const { topic, partition, messages } of batches) {
    const key = `${topic}-${partition}`;
    const list = records[key] ?? [];
    for (const message of messages) list.push(toLambdaRecord(topic, partition, message));
    records[key] = list;
  }
  const servers = bootstrapServers.join(",");
  return eventSourceArn
    ? { eventSource: "aws:kafka", eventSourceArn, bootstrapServers: servers, records }
    : { eventSource: "SelfManagedKafka", bootstrapServers: servers, records };
}

/**
 * Splits one partition's messages into consecutive batches of at most `batchSize` records and at most
 * `maxBytes` of payload (Lambda's 6 MB invocation limit), keeping offset order. A single record larger
 * than `maxBytes` still travels alone, so it can be dead-lettered rather than block the partition.
 * @template {KafkaMessage} M
 * @param {M[]} messages
 * @param {number} batchSize
 * @param {number} [maxBytes]
 * @returns {M[][]}
 */
export function splitBatch(messages, batchSize, maxBytes = 6 * 1024 * 1024) {
  /** @type {M[][]} */
  const batches = [];
  /** @type {M[]} */
  let current = [];
  let bytes = 0;
  for (const message of messages) {
    // base64 grows a payload by 4/3; the JSON envelope of a record is ~200 bytes.
    const size =
      Math.ceil((((toBuffer(message.value)?.length ?? 0) + (toBuffer(message.key)?.length ?? 0)) * 4) / 3) +
      200;
    if (current.length > 0 && (current.length >= batchSize || bytes + size > maxBytes)) {
      batches.push(current);
      current = [];
      bytes = 0;
    }
    current.push(message);
    bytes += size;
  }
  if (current.length > 0) batches.push(current);
  return batches;
}

/**
 * A Lambda Kafka event for `serverless invoke local -p`, from payloads as they would be produced: one
 * record per payload on one partition, offsets counting from `firstOffset`, keyed by `keyField` when given.
 * @param {{ topic: string, payloads: unknown[], partition?: number, firstOffset?: number, keyField?: string,
 *   timestamp?: number, bootstrapServers?: string[] }} input
 */
export function sampleEvent({
  topic,
  payloads,
  partition = 0,
  firstOffset = 0,
  keyField,
  timestamp = Date.UTC(2026, 0, 1),
  bootstrapServers = ["127.0.0.1:9092"],
}) {
  const messages = payloads.map((payload, i) => {
    const key =
      keyField && payload && typeof payload === "object"
        ? /** @type {Record<string, unknown>} */ (payload)[keyField]
        : undefined;
    return {
      offset: String(firstOffset + i),
      timestamp: String(timestamp + i),
      key: key === undefined ? null : String(key),
      value: typeof payload === "string" ? payload : JSON.stringify(payload),
      headers: { "content-type": "application/json" },
    };
  });
  return buildKafkaEvent({ bootstrapServers, batches: [{ topic, partition, messages }] });
}
