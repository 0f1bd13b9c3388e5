/**
 * `make demo N=10000 RATE=2000`: realistic threat events into Kafka (threat.events) at a chosen rate,
 * plus events.json and graph.json for a static demo (in OUT, default .vigil/demo).
 */
import { mkdir, writeFile } from "node:fs/promises";
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { Partitioners } from "kafkajs";
import { generateEvents, graphJson } from "../../core/demo/generator";
import { buildClients, closeClients } from "../clients";
import { readSettings } from "../config";
import { positiveWholeNumber } from "./args";

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      count: { type: "string" },
      rate: { type: "string" },
      seed: { type: "string" },
      out: { type: "string" },
    },
  });
  const count = positiveWholeNumber("N", values.count, 10_000);
  const rate = positiveWholeNumber("RATE", values.rate, 2_000);
  const seed = positiveWholeNumber("SEED", values.seed, Date.now() % 1_000_000);
  const out = resolve(values.out || ".vigil/demo");
  const events = generateEvents(count, {
    seed,
    idPrefix: `demo-${seed}`,
    start: new Date(Date.now() - count * 1_000),
  });

  await mkdir(out, { recursive: true });
  await writeFile(resolve(out, "events.json"), JSON.stringify(events, null, 1));
  await writeFile(resolve(out, "graph.json"), JSON.stringify(graphJson(events)));
  console.log(`demo: wrote ${out}/events.json and graph.json`);

  const settings = readSettings();
  const c = buildClients(settings);
  const producer = c.kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner, idempotent: true });
  await producer.connect();
  try {
    const started = Date.now();
    const chunk = Math.max(1, Math.min(1_000, Math.ceil(rate / 10)));
    for (let sent = 0; sent < count; sent += chunk) {
      const slice = events.slice(sent, sent + chunk);
      await producer.send({
        topic: "threat.events",
        messages: slice.map((e) => ({
          key: e.event_id,
          value: JSON.stringify(e),
          headers: { "content-type": "application/json" },
        })),
      });
      const done = sent + slice.length;
      // Pace to the requested rate: wait until the wall clock catches up with what was sent.
      const due = started + (done / rate) * 1_000;
      if (due > Date.now()) await new Promise((r) => setTimeout(r, due - Date.now()));
      if (done % (chunk * 10) === 0 || done === count) {
        console.log(
          `demo: ${done}/${count} events sent (${Math.round(done / ((Date.now() - started) / 1_000))}/s)`,
        );
      }
    }
  } finally {
    await producer.disconnect();
    await closeClients(c);
  }
}

main().catch((error: unknown) => {
  console.error(`demo: ${(error as Error).message}`);
  process.exit(1);
});
