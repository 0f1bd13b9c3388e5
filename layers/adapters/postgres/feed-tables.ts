/** The tables of the feeds, schema-qualified. */
export interface FeedTables {
  feedRuns: string;
  feedState: string;
  kevCatalogs: string;
  kevVulnerabilities: string;
  kevChanges: string;
  urlhausUrls: string;
}

const IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;

/**
 * The feed tables in the `raw` and `ops` schemas, or in other schemas of the same shape (a test's own).
 * Schema names cannot be query parameters, so they are checked to be plain identifiers.
 */
export function feedTables(schemas: { raw?: string; ops?: string } = {}): FeedTables {
  const raw = schemas.raw ?? "raw";
  const ops = schemas.ops ?? "ops";
  for (const name of [raw, ops]) {
    if (!IDENTIFIER.test(name)) throw new Error(`not a plain schema name: "${name}"`);
  }
  return {
    feedRuns: `${ops}.feed_runs`,
    feedState: `${ops}.feed_state`,
    kevCatalogs: `${raw}.kev_catalogs`,
    kevVulnerabilities: `${raw}.kev_vulnerabilities`,
    kevChanges: `${raw}.kev_changes`,
    urlhausUrls: `${raw}.urlhaus_urls`,
  };
}

export const FEED_TABLES = feedTables();
