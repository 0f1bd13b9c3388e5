import type { Driver } from "neo4j-driver";
import { ServiceUnavailableError } from "../../core/errors";
import type { KevGraph } from "../../core/feeds/kev-run";
import type { UrlGraph } from "../../core/graph/url-graph";

// Vendors and products first, in sorted order, then the vulnerabilities: every writer locks in one order.
// CISA edits an entry's vendor or product after adding it: the CVE's edge to the product it named before
// goes, so it AFFECTS one product, as its row in Postgres names one.
const MERGE_VENDORS = "UNWIND $vendors AS name MERGE (:Vendor {name: name})";
const MERGE_PRODUCTS = `
UNWIND $products AS p
MERGE (product:Product {key: p.key}) SET product.name = p.name, product.vendor = p.vendor
WITH product, p
MATCH (vendor:Vendor {name: p.vendor})
MERGE (product)-[:MADE_BY]->(vendor)`;
const MERGE_VULNERABILITIES = `
UNWIND $rows AS r
MERGE (v:Vulnerability {cve: r.cve})
SET v += r.props, v.in_catalog = true
WITH v, r
CALL (v, r) {
  OPTIONAL MATCH (v)-[old:AFFECTS]->(other:Product) WHERE other.key <> r.product_key
  DELETE old }
WITH v, r
MATCH (product:Product {key: r.product_key})
MERGE (v)-[:AFFECTS]->(product)`;
// A CVE CISA withdrew stays in the graph (investigations may point at it), flagged.
const MARK_REMOVED = "UNWIND $cves AS cve MATCH (v:Vulnerability {cve: cve}) SET v.in_catalog = false";

/** The key of a product node: its vendor and name, so two vendors' "Server" stay two products. */
export const productKey = (vendor: string, product: string) => `${vendor}|${product}`;

async function write(
  driver: Driver,
  what: string,
  work: (run: (q: string, p: object) => Promise<unknown>) => Promise<void>,
) {
  const session = driver.session({ defaultAccessMode: "WRITE" });
  try {
    await session.executeWrite((tx) => work((q, p) => tx.run(q, p)));
  } catch (error) {
    throw new ServiceUnavailableError("neo4j", `${what} failed: ${(error as Error).message}`, error);
  } finally {
    await session.close();
  }
}

/** The KEV side of the graph: (Vulnerability {cve})-[:AFFECTS]->(Product)-[:MADE_BY]->(Vendor). */
export function neo4jKevGraph(driver: Driver): KevGraph {
  return {
    async mergeCatalog(rows, removedCves) {
      const products = new Map<string, { key: string; name: string; vendor: string }>();
      for (const r of rows) {
        const key = productKey(r.vendor_project, r.product);
        products.set(key, { key, name: r.product, vendor: r.vendor_project });
      }
      const byKey = [...products.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
      const vendors = [...new Set(byKey.map((p) => p.vendor))].sort();
      const vulnerabilities = [...rows]
        .sort((a, b) => (a.cve_id < b.cve_id ? -1 : 1))
        .map((r) => ({
          cve: r.cve_id,
          product_key: productKey(r.vendor_project, r.product),
          props: {
            name: r.vulnerability_name,
            vendor: r.vendor_project,
            product: r.product,
            date_added: r.date_added,
            due_date: r.due_date,
            ransomware_known: r.ransomware_known,
            cwes: r.cwes,
          },
        }));
      await write(driver, `merging ${rows.length} KEV entries`, async (run) => {
        await run(MERGE_VENDORS, { vendors });
        await run(MERGE_PRODUCTS, { products: byKey });
        await run(MERGE_VULNERABILITIES, { rows: vulnerabilities });
        if (removedCves.length > 0) await run(MARK_REMOVED, { cves: [...removedCves].sort() });
      });
    },
  };
}

// A host that is an IP literal is the very IPAddress node threat events target (also labelled Host), so
// one hop from an IP reaches both the events aimed at it and the malicious URLs it serves.
const MERGE_HOSTS = `
UNWIND $hosts AS h
FOREACH (_ IN CASE WHEN h.ip THEN [1] ELSE [] END |
  MERGE (n:IPAddress {value: h.name}) SET n:Host, n.name = h.name)
FOREACH (_ IN CASE WHEN h.ip THEN [] ELSE [1] END |
  MERGE (:Host {name: h.name}))`;
// The newest change (by revision) sets the URL's state and the CVEs it mentions (an edge to a CVE it no
// longer names is removed); an older redelivery does not roll either back.
const MERGE_URLS = `
CALL () { UNWIND $vulnerabilities AS cve MERGE (:Vulnerability {cve: cve}) }
UNWIND $urls AS u
MERGE (url:URL {value: u.url})
WITH url, u, url.revision IS NULL OR u.props.revision >= url.revision AS newest
FOREACH (_ IN CASE WHEN newest THEN [1] ELSE [] END | SET url += u.props)
WITH url, u, newest
CALL (url, u, newest) {
  OPTIONAL MATCH (url)-[m:MENTIONS]->(other:Vulnerability) WHERE newest AND NOT other.cve IN u.cves
  DELETE m }
FOREACH (cve IN CASE WHEN newest THEN u.cves ELSE [] END |
  MERGE (v:Vulnerability {cve: cve})
  MERGE (url)-[:MENTIONS]->(v))
WITH url, u
MATCH (host:Host {name: u.host})
MERGE (url)-[:HOSTED_ON]->(host)`;

/** The URLhaus side of the graph: (URL)-[:HOSTED_ON]->(Host), IP hosts shared with the threat events. */
export function neo4jUrlGraph(driver: Driver): UrlGraph {
  return {
    async mergeUrls(urls) {
      if (urls.length === 0) return;
      const hosts = new Map(urls.map((u) => [u.host, { name: u.host, ip: u.hostIsIp }]));
      const sortedHosts = [...hosts.values()].sort((a, b) => (a.name < b.name ? -1 : 1));
      const sortedUrls = [...urls].sort((a, b) => (a.url < b.url ? -1 : a.url > b.url ? 1 : 0));
      await write(driver, `merging ${urls.length} URLhaus URLs`, async (run) => {
        await run(MERGE_HOSTS, { hosts: sortedHosts });
        await run(MERGE_URLS, {
          vulnerabilities: [...new Set(sortedUrls.flatMap((u) => u.cves))].sort(),
          urls: sortedUrls.map((u) => ({ url: u.url, host: u.host, cves: u.cves, props: u.props })),
        });
      });
    },
  };
}
