/**
 * `make replay FROM=YYYY-MM-DD TO=YYYY-MM-DD`: rebuilds raw.threat_events and the threat graph from
 * bronze alone. Without FROM/TO it replays everything bronze holds.
 */
import { parseArgs } from "node:util";
import { neo4jThreatGraph } from "../../adapters/neo4j/threat-graph";
import { threatEventTable } from "../../adapters/postgres/event-tables";
import { s3BronzeReader } from "../../adapters/s3/bronze";
import { replayThreatEvents } from "../../core/ingest/replay";
import { buildClients, closeClients } from "../clients";
import { readSettings } from "../config";

const DAY = /^\d{4}-\d{2}-\d{2}$/;

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { from: { type: "string" }, to: { type: "string" } } });
  const from = values.from || "0000-01-01";
  const to = values.to || "9999-12-31";
  for (const [name, value] of [
    ["FROM", from],
    ["TO", to],
  ] as const) {
    if (!DAY.test(value)) throw new Error(`${name} is "${value}"; expected a date as YYYY-MM-DD`);
  }
  if (from > to) throw new Error(`FROM (${from}) is after TO (${to})`);
  const settings = readSettings();
  const c = buildClients(settings);
  const started = Date.now();
  try {
    const result = await replayThreatEvents(
      {
        bronze: s3BronzeReader(c.s3, settings.BRONZE_BUCKET),
        events: threatEventTable(c.pool),
        graph: neo4jThreatGraph(c.neo4j),
        progress: ({ objects, of, records }) => {
          if (objects === of || objects % 10 === 0)
            console.log(`replay: ${objects}/${of} objects, ${records} records`);
        },
      },
      { from, to },
    );
    console.log(
      `replay: done — ${result.objects} objects, ${result.records} records in ${((Date.now() - started) / 1000).toFixed(1)} s`,
    );
  } finally {
    await closeClients(c);
  }
}

main().catch((error: unknown) => {
  console.error(`replay: ${(error as Error).message}`);
  process.exit(1);
});
