/**
 * The graph's uniqueness constraints: every MERGE key is constrained, which both keeps MERGE from
 * creating duplicates under concurrency and gives it an index to find the node by.
 */
export const GRAPH_CONSTRAINTS: ReadonlyArray<{ name: string; label: string; property: string }> = [
  { name: "actor_name", label: "Actor", property: "name" },
  { name: "threat_event_id", label: "ThreatEvent", property: "event_id" },
  { name: "ip_address_value", label: "IPAddress", property: "value" },
  { name: "url_value", label: "URL", property: "value" },
  { name: "host_name", label: "Host", property: "name" },
  { name: "vulnerability_cve", label: "Vulnerability", property: "cve" },
  { name: "vendor_name", label: "Vendor", property: "name" },
  { name: "product_key", label: "Product", property: "key" },
  { name: "technique_id", label: "Technique", property: "id" },
];

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** `name` for a Cypher statement, checked to be a plain identifier (names cannot be query parameters). */
export function cypherName(name: string): string {
  if (!IDENTIFIER.test(name)) throw new Error(`not a plain identifier: "${name}"`);
  return name;
}

/**
 * The Cypher that creates one constraint. Labels and property names cannot be query parameters in
 * Cypher, so they come only from the fixed list above and are checked to be plain identifiers.
 */
export function constraintStatement(c: { name: string; label: string; property: string }): string {
  const [name, label, property] = [c.name, c.label, c.property].map(cypherName);
  return `CREATE CONSTRAINT ${name} IF NOT EXISTS FOR (n:${label}) REQUIRE n.${property} IS UNIQUE`;
}
