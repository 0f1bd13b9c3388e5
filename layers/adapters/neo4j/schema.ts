import type { Driver } from "neo4j-driver";
import { constraintStatement, GRAPH_CONSTRAINTS } from "../../core/graph-schema";

/** Creates every constraint of the graph model that is missing (`IF NOT EXISTS`, so idempotent). */
export async function ensureGraphConstraints(driver: Driver): Promise<number> {
  for (const c of GRAPH_CONSTRAINTS) {
    await driver.executeQuery(constraintStatement(c));
  }
  return GRAPH_CONSTRAINTS.length;
}
