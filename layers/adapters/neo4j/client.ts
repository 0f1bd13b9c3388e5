import neo4j, { type Driver } from "neo4j-driver";

/** A Neo4j driver; one per container, shared by every invocation. */
export function createNeo4j(uri: string, user: string, password: string): Driver {
  return neo4j.driver(uri, neo4j.auth.basic(user, password), {
    maxConnectionPoolSize: 20,
    connectionAcquisitionTimeout: 30_000,
    disableLosslessIntegers: true,
  });
}
