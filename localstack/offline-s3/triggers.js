// @ts-check
/**
 * Reads the `s3:` events of serverless.yml into one trigger each, and matches S3 event records against
 * them the way S3 notifications do: the bucket, the event type (`s3:ObjectCreated:*` or an exact one) and
 * the key filter (`rules: [{ prefix }, { suffix }]`, on the decoded key). Pure, so it is unit-tested.
 */

/**
 * @typedef {{ functionKey: string, bucket: string, event: string, prefix: string, suffix: string }} S3Trigger
 * @typedef {{ eventName?: string, s3?: { bucket?: { name?: string }, object?: { key?: string } } }} S3Record
 */

class TriggerConfigError extends Error {
  /** @param {string} where @param {string} problem */
  constructor(where, problem) {
    super(`${where}: ${problem}`);
    this.name = "TriggerConfigError";
  }
}

/**
 * @param {{ functions: Record<string, { events?: Record<string, any>[] }> }} service
 * @returns {S3Trigger[]}
 */
export function readS3Triggers(service) {
  /** @type {S3Trigger[]} */
  const triggers = [];
  for (const [functionKey, definition] of Object.entries(service.functions ?? {})) {
    (definition.events ?? []).forEach((event, index) => {
      if (!event.s3) return;
      const where = `functions.${functionKey}.events[${index}].s3`;
      // `s3: my-bucket` is shorthand for `s3: { bucket: my-bucket }`.
      const spec = typeof event.s3 === "string" ? { bucket: event.s3 } : event.s3;
      if (typeof spec.bucket !== "string" || spec.bucket === "") {
        throw new TriggerConfigError(where, "bucket is missing; expected the bucket name");
      }
      const kind = spec.event ?? "s3:ObjectCreated:*";
      if (typeof kind !== "string" || !kind.startsWith("s3:")) {
        throw new TriggerConfigError(
          where,
          `event is ${JSON.stringify(kind)}; expected e.g. s3:ObjectCreated:*`,
        );
      }
      let prefix = "";
      let suffix = "";
      for (const rule of spec.rules ?? []) {
        if (typeof rule.prefix === "string") prefix = rule.prefix;
        else if (typeof rule.suffix === "string") suffix = rule.suffix;
        else
          throw new TriggerConfigError(
            where,
            `rule ${JSON.stringify(rule)}; expected { prefix } or { suffix }`,
          );
      }
      triggers.push({ functionKey, bucket: spec.bucket, event: kind, prefix, suffix });
    });
  }
  return triggers;
}

/** S3 URL-encodes keys in notifications the way HTML forms do (a space is `+`). @param {string} key */
export const decodeKey = (key) => decodeURIComponent(key.replace(/\+/g, " "));

/**
 * Whether an S3 event record (`eventName: "ObjectCreated:Put"`) fires a trigger.
 * @param {S3Trigger} trigger
 * @param {S3Record} record
 */
export function firesTrigger(trigger, record) {
  const bucket = record.s3?.bucket?.name;
  const key = record.s3?.object?.key;
  if (bucket !== trigger.bucket || typeof key !== "string" || typeof record.eventName !== "string")
    return false;
  const name = `s3:${record.eventName}`;
  const kind = trigger.event;
  const eventMatches = kind.endsWith(":*") ? name.startsWith(kind.slice(0, -1)) : name === kind;
  const decoded = decodeKey(key);
  return eventMatches && decoded.startsWith(trigger.prefix) && decoded.endsWith(trigger.suffix);
}
