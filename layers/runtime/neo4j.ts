import type { Driver } from "neo4j-driver";
import { createNeo4j } from "../adapters/neo4j/client";
import { type Settings, settings } from "./config";
import { perContainer } from "./container";

/** A Neo4j driver for the settings' NEO4J_URI and credentials (it connects on its first query). */
export function neo4jDriverFor(s: Settings): Driver {
  return createNeo4j(s.NEO4J_URI, s.NEO4J_USER, s.NEO4J_PASSWORD);
}

/** This container's Neo4j driver. */
export const neo4jDriver = /* @__PURE__ */ perContainer(
  () => neo4jDriverFor(settings()),
  (driver) => driver.close(),
);
