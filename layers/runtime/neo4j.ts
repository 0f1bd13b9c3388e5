import { createNeo4j } from "../adapters/neo4j/client";
import { settings } from "./config";
import { perContainer } from "./container";

/** This container's Neo4j driver, made on first use (it connects on its first query). */
export const neo4jDriver = /* @__PURE__ */ perContainer(
  () => {
    const s = settings();
    return createNeo4j(s.NEO4J_URI, s.NEO4J_USER, s.NEO4J_PASSWORD);
  },
  (driver) => driver.close(),
);
