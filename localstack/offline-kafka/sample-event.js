#!/usr/bin/env node
// @ts-check
/**
 * Writes a Lambda Kafka event for `serverless invoke local -p <file>` from a file of payloads, one JSON
 * document per line (a line that is not JSON is sent as is — useful to try the dead-letter path):
 *   node localstack/offline-kafka/sample-event.js --topic threat.events --key-field event_id events.jsonl > event.json
 */
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { sampleEvent } from "./event-builder.js";

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    topic: { type: "string" },
    partition: { type: "string", default: "0" },
    "first-offset": { type: "string", default: "0" },
    "key-field": { type: "string" },
  },
});
const file = positionals[0];
if (!values.topic || !file) {
  process.stderr.write(
    "usage: sample-event.js --topic <topic> [--partition N] [--first-offset N] [--key-field F] <payloads.jsonl>\n",
  );
  process.exit(2);
}
const payloads = readFileSync(file === "-" ? 0 : file, "utf8")
  .split("\n")
  .filter((line) => line.trim() !== "")
  .map((line) => {
    try {
      return JSON.parse(line);
    } catch {
      return line;
    }
  });
const event = sampleEvent({
  topic: values.topic,
  payloads,
  partition: Number(values.partition),
  firstOffset: Number(values["first-offset"]),
  ...(values["key-field"] ? { keyField: values["key-field"] } : {}),
});
process.stdout.write(`${JSON.stringify(event, null, 2)}\n`);
