// @ts-check
/**
 * Reads the `kafka:` and `msk:` events of serverless.yml into the settings of one consumer each, with
 * Lambda's defaults and limits (batchSize 100 ≤ 10000; maximumBatchingWindow 0.5 s ≤ 300 s;
 * startingPosition TRIM_HORIZON). Pure, so it is unit-tested without Kafka.
 */

/**
 * @typedef {{ functionKey: string, kind: "kafka" | "msk", topic: string, batchSize: number,
 *   maximumBatchingWindowMs: number, startingPosition: "LATEST" | "TRIM_HORIZON" | "AT_TIMESTAMP",
 *   startingPositionTimestampMs?: number, consumerGroupId: string, enabled: boolean,
 *   bootstrapServers: string[], eventSourceArn?: string }} KafkaTrigger
 */

const POSITIONS = ["LATEST", "TRIM_HORIZON", "AT_TIMESTAMP"];

class TriggerConfigError extends Error {
  /** @param {string} where @param {string} problem */
  constructor(where, problem) {
    super(`${where}: ${problem}`);
    this.name = "TriggerConfigError";
  }
}

/**
 * @param {string} where
 * @param {string} field
 * @param {unknown} value
 * @param {number} min
 * @param {number} max
 * @param {number} fallback
 */
function numberIn(where, field, value, min, max, fallback) {
  if (value === undefined || value === null) return fallback;
  if (typeof value !== "number" || !Number.isFinite(value) || value < min || value > max) {
    throw new TriggerConfigError(
      where,
      `${field} is ${JSON.stringify(value)}; expected a number from ${min} to ${max}`,
    );
  }
  return value;
}

/**
 * @param {{ service: string, functions: Record<string, { events?: Record<string, any>[] }> }} service
 * @param {{ stage: string, defaultBrokers: string[] }} context
 * @returns {KafkaTrigger[]}
 */
export function readKafkaTriggers(service, { stage, defaultBrokers }) {
  /** @type {KafkaTrigger[]} */
  const triggers = [];
  for (const [functionKey, definition] of Object.entries(service.functions ?? {})) {
    (definition.events ?? []).forEach((event, index) => {
      const kind = event.kafka ? "kafka" : event.msk ? "msk" : undefined;
      if (!kind) return;
      const spec = event[kind];
      const where = `functions.${functionKey}.events[${index}].${kind}`;
      if (typeof spec.topic !== "string" || spec.topic === "") {
        throw new TriggerConfigError(where, "topic is missing; expected the Kafka topic to consume");
      }
      const startingPosition = spec.startingPosition ?? "TRIM_HORIZON";
      if (!POSITIONS.includes(startingPosition)) {
        throw new TriggerConfigError(
          where,
          `startingPosition is "${startingPosition}"; expected one of ${POSITIONS.join(", ")}`,
        );
      }
      if (startingPosition === "AT_TIMESTAMP" && typeof spec.startingPositionTimestamp !== "number") {
        throw new TriggerConfigError(
          where,
          "startingPosition AT_TIMESTAMP needs startingPositionTimestamp (Unix seconds)",
        );
      }
      // MSK events name a cluster ARN, not brokers: locally they consume from the local brokers.
      const servers =
        kind === "kafka" && Array.isArray(spec.bootstrapServers) && spec.bootstrapServers.length > 0
          ? spec.bootstrapServers.map(String)
          : defaultBrokers;
      triggers.push({
        functionKey,
        kind,
        topic: spec.topic,
        batchSize: numberIn(where, "batchSize", spec.batchSize, 1, 10_000, 100),
        maximumBatchingWindowMs:
          numberIn(where, "maximumBatchingWindow", spec.maximumBatchingWindow, 0, 300, 0.5) * 1000,
        startingPosition,
        ...(startingPosition === "AT_TIMESTAMP"
          ? { startingPositionTimestampMs: spec.startingPositionTimestamp * 1000 }
          : {}),
        consumerGroupId: spec.consumerGroupId ?? `${service.service}-${stage}-${functionKey}-${spec.topic}`,
        enabled: spec.enabled !== false,
        bootstrapServers: servers,
        ...(kind === "msk" ? { eventSourceArn: String(spec.arn ?? "") } : {}),
      });
    });
  }
  return triggers;
}

/**
 * The triggers that run: those enabled, and of the functions `only` names (`custom.offlineKafka.functions`:
 * a list, or names separated by commas; empty for all), e.g. to measure one path alone.
 * @param {KafkaTrigger[]} triggers
 * @param {unknown} only
 * @returns {{ enabled: KafkaTrigger[], disabled: { trigger: KafkaTrigger, why: string }[] }}
 */
export function selectTriggers(triggers, only) {
  const names = (Array.isArray(only) ? only : String(only ?? "").split(","))
    .map((n) => String(n).trim())
    .filter((n) => n !== "");
  const known = new Set(triggers.map((t) => t.functionKey));
  const unknown = names.filter((n) => !known.has(n));
  if (unknown.length > 0) {
    throw new TriggerConfigError(
      "custom.offlineKafka.functions",
      `names ${unknown.join(", ")}, which has no kafka trigger; expected some of ${[...known].join(", ")}`,
    );
  }
  /** @type {{ enabled: KafkaTrigger[], disabled: { trigger: KafkaTrigger, why: string }[] }} */
  const selected = { enabled: [], disabled: [] };
  for (const trigger of triggers) {
    if (!trigger.enabled) selected.disabled.push({ trigger, why: "enabled: false" });
    else if (names.length > 0 && !names.includes(trigger.functionKey)) {
      selected.disabled.push({ trigger, why: "not in custom.offlineKafka.functions" });
    } else selected.enabled.push(trigger);
  }
  return selected;
}
