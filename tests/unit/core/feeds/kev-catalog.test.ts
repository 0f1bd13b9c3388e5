import { beforeAll, describe, expect, it } from "vitest";
import { FeedRejectedError, InvalidInputError } from "../../../../layers/core/errors";
import {
  diffKevCatalog,
  fromKevRow,
  KEV_FIELDS,
  type KevCatalog,
  KevCatalogSchema,
  type KevEntry,
  KevVulnerabilitySchema,
  locateJsonFault,
  normaliseVendor,
  notesUrls,
  parseKevCatalog,
  toKevRow,
} from "../../../../layers/core/feeds/kev-catalog";
import { describeRealData, readRealData } from "../../../support/real-data";

/** A full entry as CISA publishes it (shaped on CVE-2025-23006 of catalogue 2025.01.24). */
const entry = (overrides: Partial<KevEntry> = {}): KevEntry => ({
  cveID: "CVE-2025-23006",
  vendorProject: "SonicWall",
  product: "SMA1000 Appliances",
  vulnerabilityName: "SonicWall SMA1000 Appliances Deserialization Vulnerability",
  dateAdded: "2025-01-24",
  shortDescription:
    "SonicWall SMA1000 Appliance Management Console contains a deserialization vulnerability.",
  requiredAction: "Apply mitigations per vendor instructions or discontinue use of the product.",
  dueDate: "2025-02-14",
  knownRansomwareCampaignUse: "Unknown",
  notes:
    "https://psirt.global.sonicwall.com/vuln-detail/SNWLID-2025-0002 ; https://nvd.nist.gov/vuln/detail/CVE-2025-23006",
  cwes: ["CWE-502"],
  ...overrides,
});

/** A publication body: `count` agrees with the entries unless overridden. */
const catalog = (vulnerabilities: unknown[], envelope: Record<string, unknown> = {}): string =>
  JSON.stringify(
    {
      title: "CISA Catalog of Known Exploited Vulnerabilities",
      catalogVersion: "2025.01.24",
      dateReleased: "2025-01-24T15:00:57.5282Z",
      count: vulnerabilities.length,
      vulnerabilities,
      ...envelope,
    },
    null,
    4,
  );

/** The FeedRejectedError `parse` throws; fails the test if it throws anything else or nothing. */
const rejection = (body: string | Uint8Array): FeedRejectedError => {
  try {
    parseKevCatalog(body);
  } catch (error) {
    expect(error).toBeInstanceOf(FeedRejectedError);
    return error as FeedRejectedError;
  }
  throw new Error("expected the publication to be rejected");
};

const two = [entry(), entry({ cveID: "CVE-2020-11023", vendorProject: "JQuery", cwes: ["CWE-79"] })];

describe("parsing a KEV publication", () => {
  it("returns the catalogue with every entry's eleven fields in published order", () => {
    const parsed = parseKevCatalog(catalog(two));
    expect(parsed).toEqual({
      catalogVersion: "2025.01.24",
      dateReleased: "2025-01-24T15:00:57.5282Z",
      count: 2,
      vulnerabilities: two,
    });
    expect(Object.keys(parsed.vulnerabilities[0] ?? {})).toEqual(KEV_FIELDS);
  });

  it("fills absent optional fields, drops unknown ones and needs no title", () => {
    const { cveID, vendorProject, product, vulnerabilityName, dateAdded, shortDescription } = entry();
    const bare = { cveID, vendorProject, product, vulnerabilityName, dateAdded, shortDescription };
    const body = catalog([{ ...bare, requiredAction: "Patch.", dueDate: "2025-02-14", epss: 0.97 }], {
      title: undefined,
      schemaVersion: "2",
    });
    const [only] = parseKevCatalog(body).vulnerabilities;
    expect(only).toEqual({
      ...bare,
      requiredAction: "Patch.",
      dueDate: "2025-02-14",
      knownRansomwareCampaignUse: "Unknown",
      notes: "",
      cwes: [],
    });
  });

  it("accepts bytes and a UTF-8 byte order mark, in a string or in bytes", () => {
    const body = catalog(two);
    const expected = parseKevCatalog(body);
    expect(parseKevCatalog(`\uFEFF${body}`)).toEqual(expected);
    expect(parseKevCatalog(new TextEncoder().encode(`\uFEFF${body}`))).toEqual(expected);
    expect(parseKevCatalog(Buffer.from(body))).toEqual(expected);
  });

  it("keeps values as published, vendor padding included", () => {
    const [simple] = parseKevCatalog(catalog([entry({ vendorProject: "SimpleHelp " })])).vulnerabilities;
    expect(simple?.vendorProject).toBe("SimpleHelp ");
  });

  it("rejects a publication cut off mid-string as truncated, with offset, line, column and its end", () => {
    const body = catalog(two);
    const cut = body.slice(0, body.indexOf('"dateAdded"', body.indexOf("CVE-2020-11023")) + 5);
    const error = rejection(cut);
    expect(error.message).toContain("ends early (truncated?)");
    expect(error.message).toContain(`after ${cut.length.toLocaleString("en-US")} characters`);
    expect(error.message).toContain('…"');
    const lines = cut.split("\n");
    expect(error.where).toBe(
      `character ${cut.length.toLocaleString("en-US")}, line ${lines.length}, column ${(lines.at(-1) ?? "").length + 1}`,
    );
    expect(error.reason).toBe("feed_rejected");
    expect(error.retryable).toBe(false);
  });

  it("rejects a publication cut off between entries as truncated", () => {
    const body = catalog(two);
    const cut = body.slice(0, body.indexOf("},") + 1);
    expect(rejection(cut).message).toMatch(/ends early \(truncated\?\).*expecting ',' or '\]'/);
  });

  it("rejects broken JSON naming what was expected, what was found, where, and the text around it", () => {
    const body = catalog(two).replace('"count": 2', '"count": two');
    const error = rejection(body);
    expect(error.message).toMatch(/not valid JSON — expected a value but found "t", near …".*" ⟶ "two,/);
    expect(error.message).not.toContain("truncated");
    const offset = body.indexOf("two");
    expect(error.where).toBe(`character ${offset}, line 5, column 14`);
  });

  it.each([
    ["", "the publication is empty", "character 0, line 1, column 1"],
    ["  \n", "the publication is empty", "character 0, line 1, column 1"],
    ['{"count": 1} trailing', "expected the end of the text after the JSON value", "character 13"],
    ['{"count": 1,}', "expected a property name in double quotes", "character 12"],
    ['{"count" 1}', "expected ':' after a property name", "character 9"],
    ["[1 2]", "expected ',' or ']'", "character 3"],
    ['"\\q"', "expected an escape", "character 2"],
    ['"\\u12x4"', "expected a hex digit", "character 5"],
    ['"a\tb"', "control characters must be escaped", "character 2"],
    ["[01]", "expected ',' or ']'", "character 2"],
    ["[1.x]", "expected a digit", "character 3"],
    ["[-x]", "expected a digit", "character 2"],
    ["[nul]", "expected a value or ']'", "character 1"],
  ])("rejects %j: %s", (body, problem, where) => {
    const error = rejection(body);
    expect(error.message).toContain(problem);
    expect(error.where).toContain(where);
  });

  it("finds exactly where JSON stops, agreeing with JSON.parse on every prefix of a document", () => {
    const doc = JSON.stringify(
      { a: [0, -2.5, 1e-7, true, false, null, 'x\u00e9"\\/\n'], b: { c: {}, d: [] }, e: "\u{1F512}" },
      null,
      2,
    )
      // JSON.stringify writes neither of these spellings, which the scan must know too.
      .replace("1e-7", "1E+7")
      .replace('"e"', '"\\u00E9"');
    expect(locateJsonFault(doc)).toBeUndefined();
    for (let end = 0; end < doc.length; end++) {
      const prefix = doc.slice(0, end);
      const fault = locateJsonFault(prefix);
      expect(() => JSON.parse(prefix), JSON.stringify(prefix)).toThrow();
      // Every proper prefix is valid so far: what is wrong is only that it stops.
      expect(fault, JSON.stringify(prefix)).toMatchObject({ truncated: true, offset: prefix.length });
    }
  });

  it("rejects bytes that are not UTF-8, saying where the first bad one is", () => {
    const body = Buffer.concat([Buffer.from('{\n  "title": "caf'), Buffer.from([0xe9]), Buffer.from('"}')]);
    const error = rejection(body);
    expect(error.message).toContain("not valid UTF-8");
    expect(error.where).toBe("character 17, line 2, column 16");
  });

  it.each([
    [
      "a malformed cveID",
      [entry(), entry({ cveID: "CVE-2025-1" })],
      "vulnerabilities[1].cveID",
      'expected a CVE id matching ^CVE-[0-9]{4}-[0-9]{4,19}$, got "CVE-2025-1"',
    ],
    [
      "a date that is not on the calendar",
      [entry({ dueDate: "2025-02-29" })],
      "vulnerabilities[0].dueDate",
      'expected a calendar date YYYY-MM-DD, got "2025-02-29"',
    ],
    [
      "a date in another format",
      [entry({ dateAdded: "01/24/2025" })],
      "vulnerabilities[0].dateAdded",
      'expected a calendar date YYYY-MM-DD, got "01/24/2025"',
    ],
    [
      "a malformed CWE",
      [entry({ cwes: ["CWE-502", "79"] })],
      "vulnerabilities[0].cwes[1]",
      'expected a CWE id matching ^CWE-[0-9]+$, got "79"',
    ],
    [
      "cwes as a string",
      [{ ...entry(), cwes: "CWE-79" }],
      "vulnerabilities[0].cwes",
      'expected an array, got "CWE-79"',
    ],
    [
      "cwes as an object",
      [{ ...entry(), cwes: { 0: "CWE-79" } }],
      "vulnerabilities[0].cwes",
      "expected an array, got an object",
    ],
    [
      "a long malformed cveID, shown cut short",
      [entry({ cveID: `CVE-2025-${"9".repeat(100)}` })],
      "vulnerabilities[0].cveID",
      `expected a CVE id matching ^CVE-[0-9]{4}-[0-9]{4,19}$, got "CVE-2025-${"9".repeat(69)}…`,
    ],
    [
      "a missing required field",
      [{ ...entry(), product: undefined }],
      "vulnerabilities[0].product",
      "expected a required string, got nothing (missing)",
    ],
    [
      "a flag of the wrong type",
      [{ ...entry(), knownRansomwareCampaignUse: true }],
      "vulnerabilities[0].knownRansomwareCampaignUse",
      "expected a string, got true",
    ],
    [
      "an entry that is not an object",
      ["CVE-2025-23006"],
      "vulnerabilities[0]",
      'expected an object (one vulnerability), got "CVE-2025-23006"',
    ],
  ])("rejects %s, naming its path and value", (_, vulnerabilities, path, detail) => {
    const error = rejection(catalog(vulnerabilities));
    expect(error.message).toContain("does not match the KEV schema (1 problem)");
    expect(error.message).toContain(`${path}: ${detail}`);
    expect(error.where).toBe(path);
  });

  it.each([
    ["a dateReleased without a zone", { dateReleased: "2025-01-24T15:00:57" }, "dateReleased"],
    ["a fractional count", { count: 1.5 }, "count"],
    ["a count as a string", { count: "2" }, "count"],
    ["no vulnerabilities array", { vulnerabilities: undefined }, "vulnerabilities"],
  ])("rejects %s in the envelope", (_, envelope, path) => {
    expect(rejection(catalog(two, envelope)).where).toBe(path);
  });

  it("rejects a body that is JSON but no catalogue", () => {
    const error = rejection("[]");
    expect(error.message).toContain("$: expected a JSON object (the catalogue), got an array of 0");
    expect(error.where).toBe("$");
  });

  it("spells out the first three schema problems and counts them all", () => {
    const bad = Array.from({ length: 5 }, (_, i) => entry({ cveID: `CVE-2025-${i}`, dueDate: "soon" }));
    const error = rejection(catalog(bad));
    expect(error.message).toContain("(10 problems)");
    expect(error.message).toContain("vulnerabilities[0].cveID: expected a CVE id matching");
    expect(error.message).toContain(
      'vulnerabilities[1].cveID: expected a CVE id matching ^CVE-[0-9]{4}-[0-9]{4,19}$, got "CVE-2025-1"',
    );
    expect(error.message).toContain("; … 7 more");
    expect(error.where).toBe("vulnerabilities[0].cveID");
  });

  it("rejects a count that disagrees with the entries (a silent truncation)", () => {
    const error = rejection(catalog(two, { count: 1252 }));
    expect(error.message).toBe(
      "kev feed rejected: count says 1,252 vulnerabilities but the catalogue lists 2 (cut off or padded?) (at count)",
    );
  });

  it("rejects a cveID listed twice, naming both places", () => {
    const error = rejection(catalog([entry(), two[1], entry({ product: "SMA1000" })]));
    expect(error.message).toContain(
      "CVE-2025-23006 is listed twice, at vulnerabilities[0] and vulnerabilities[2]",
    );
    expect(error.where).toBe("vulnerabilities[2].cveID");
  });

  it("mirrors the published schema's fields", () => {
    expect(Object.keys(KevVulnerabilitySchema.shape)).toEqual(KEV_FIELDS);
    expect(Object.keys(KevCatalogSchema.shape).sort()).toEqual(
      ["catalogVersion", "count", "dateReleased", "title", "vulnerabilities"].sort(),
    );
  });
});

describe("vendor names and notes", () => {
  it.each([
    ["SimpleHelp ", "SimpleHelp"],
    ["  Array \t Networks ", "Array Networks"],
    ["D-Link", "D-Link"],
  ])("normalises %j to %j, keeping case", (raw, normalised) => {
    expect(normaliseVendor(raw)).toBe(normalised);
  });

  it.each([
    ["", []],
    ["No vendor advisory.", []],
    ["https://a.example/x ; https://b.example/y", ["https://a.example/x", "https://b.example/y"]],
    [
      "https://a.example/x;https://b.example/y; http://c.example/",
      ["https://a.example/x", "https://b.example/y", "http://c.example/"],
    ],
    [
      "https://a.example/1,https://a.example/2, https://a.example/3 ; https://a.example/1",
      ["https://a.example/1", "https://a.example/2", "https://a.example/3"],
    ],
    [
      "See https://cisa.gov/aa23-158a. Then (https://cisa.gov/ed-21-04)",
      ["https://cisa.gov/aa23-158a", "https://cisa.gov/ed-21-04"],
    ],
    ["https://d.example/advisory-(cve-2020-14472) ; x", ["https://d.example/advisory-(cve-2020-14472)"]],
    [
      "https://git.example/?p=glibc.git;a=commitdiff;h=1056e5b4,",
      ["https://git.example/?p=glibc.git;a=commitdiff;h=1056e5b4"],
    ],
    [
      "https://web.archive.org/web/2019/https://wiki.example/p?id=5 ; https://nvd.example/",
      ["https://web.archive.org/web/2019/https://wiki.example/p?id=5", "https://nvd.example/"],
    ],
    ["ftp://files.example/x ; https:// ; mailto:a@b.example", []],
  ])("finds the URLs in %j", (notes, urls) => {
    expect(notesUrls(notes)).toEqual(urls);
  });

  it("maps an entry to its row", () => {
    const e = entry({ vendorProject: "SimpleHelp ", knownRansomwareCampaignUse: "Known", cwes: ["CWE-22"] });
    const row = toKevRow(e);
    expect(row).toEqual({
      cve_id: "CVE-2025-23006",
      vendor_project_raw: "SimpleHelp ",
      vendor_project: "SimpleHelp",
      product: e.product,
      vulnerability_name: e.vulnerabilityName,
      date_added: "2025-01-24",
      short_description: e.shortDescription,
      required_action: e.requiredAction,
      due_date: "2025-02-14",
      known_ransomware_campaign_use: "Known",
      ransomware_known: true,
      notes: e.notes,
      notes_urls: [
        "https://psirt.global.sonicwall.com/vuln-detail/SNWLID-2025-0002",
        "https://nvd.nist.gov/vuln/detail/CVE-2025-23006",
      ],
      cwes: ["CWE-22"],
    });
    row.cwes.push("CWE-1");
    expect(e.cwes).toEqual(["CWE-22"]);
    expect(toKevRow(entry()).ransomware_known).toBe(false);
  });
});

describe("diffing a publication against the stored entries", () => {
  const a = entry({ cveID: "CVE-2021-44228", vendorProject: "Apache", cwes: ["CWE-20", "CWE-917"] });
  const b = entry({ cveID: "CVE-2023-28461", vendorProject: "Array Networks ", cwes: ["CWE-306"] });
  const c = entry({ cveID: "CVE-2024-3400", vendorProject: "Palo Alto Networks" });
  const d = entry({ cveID: "CVE-2019-0344", vendorProject: "SAP", cwes: [] });
  const e = entry({ cveID: "CVE-2025-0282", vendorProject: "Ivanti" });

  it("gives exactly the added, modified and removed entries, field by field, in order", () => {
    const b2: KevEntry = {
      ...b,
      shortDescription: "Array Networks AG and vxAG ArrayOS contain a missing authentication vulnerability.",
      knownRansomwareCampaignUse: "Known",
      cwes: ["CWE-306", "CWE-287"],
      notes: `${b.notes} ; https://arraynetworks.example/fn`,
    };
    // Same CWEs in another order is no change; the next publication is unsorted on purpose.
    const a2: KevEntry = { ...a, cwes: ["CWE-917", "CWE-20"] };
    const diff = diffKevCatalog([a, b, c, d], [e, b2, a2, d]);
    expect(diff.changes).toEqual([
      {
        cve_id: "CVE-2023-28461",
        change: "modified",
        field: "shortDescription",
        before: b.shortDescription,
        after: b2.shortDescription,
      },
      {
        cve_id: "CVE-2023-28461",
        change: "modified",
        field: "knownRansomwareCampaignUse",
        before: "Unknown",
        after: "Known",
      },
      { cve_id: "CVE-2023-28461", change: "modified", field: "notes", before: b.notes, after: b2.notes },
      {
        cve_id: "CVE-2023-28461",
        change: "modified",
        field: "cwes",
        before: ["CWE-306"],
        after: ["CWE-306", "CWE-287"],
      },
      { cve_id: "CVE-2024-3400", change: "removed", field: null, before: c, after: null },
      { cve_id: "CVE-2025-0282", change: "added", field: null, before: null, after: e },
    ]);
    expect(diff).toMatchObject({ added: 1, modified: 1, removed: 1, unchanged: 2 });
  });

  it("reports a CWE removed, and the arrays as published", () => {
    const [change] = diffKevCatalog([a], [{ ...a, cwes: ["CWE-917"] }]).changes;
    expect(change).toEqual({
      cve_id: a.cveID,
      change: "modified",
      field: "cwes",
      before: ["CWE-20", "CWE-917"],
      after: ["CWE-917"],
    });
  });

  it("finds nothing between a catalogue and itself", () => {
    expect(diffKevCatalog([a, b, c], [a, b, c])).toEqual({
      changes: [],
      added: 0,
      modified: 0,
      removed: 0,
      unchanged: 3,
    });
  });

  it("adds everything on the first load, and takes any iterable as the stored side", () => {
    expect(diffKevCatalog([], [b, a])).toMatchObject({ added: 2, unchanged: 0 });
    const stored = new Map([[a.cveID, a]]);
    expect(diffKevCatalog(stored.values(), [a])).toMatchObject({ changes: [], unchanged: 1 });
    expect(diffKevCatalog([a, b], []).changes.map((x) => [x.cve_id, x.change])).toEqual([
      [a.cveID, "removed"],
      [b.cveID, "removed"],
    ]);
  });

  it("hands out its own copies of the arrays", () => {
    const next = { ...a, cwes: ["CWE-79"] };
    const [change] = diffKevCatalog([a], [next]).changes;
    next.cwes.push("CWE-80");
    expect(change?.after).toEqual(["CWE-79"]);
  });

  it("refuses a publication that lists a cveID twice", () => {
    expect(() => diffKevCatalog([], [a, b, a])).toThrow(InvalidInputError);
  });
});

describeRealData("the real KEV publications", () => {
  // Read in beforeAll, not here: a skipped suite's body still runs to collect its tests.
  let real: KevCatalog;
  beforeAll(() => {
    real = parseKevCatalog(readRealData("kev/kev_2025.01.24.json"));
  });

  it("parses catalogue 2025.01.24 to its 1252 entries", () => {
    expect(real.catalogVersion).toBe("2025.01.24");
    expect(real.count).toBe(1252);
    expect(real.vulnerabilities).toHaveLength(1252);
    for (const v of real.vulnerabilities) {
      expect(Array.isArray(v.cwes)).toBe(true);
      expect(v.cwes.length).toBeLessThanOrEqual(3);
      expect(["Known", "Unknown"]).toContain(v.knownRansomwareCampaignUse);
    }
    expect(new Set(real.vulnerabilities.map((v) => v.cwes.length))).toEqual(new Set([0, 1, 2, 3]));
  });

  it("keeps a vendor's trailing space raw and normalises it in the row", () => {
    const array = real.vulnerabilities.find((v) => v.cveID === "CVE-2023-28461");
    expect(array?.vendorProject).toBe("Array Networks ");
    const row = toKevRow(array as KevEntry);
    expect([row.vendor_project_raw, row.vendor_project]).toEqual(["Array Networks ", "Array Networks"]);
  });

  it("finds the URLs of a real notes field", () => {
    const sap = real.vulnerabilities.find((v) => v.cveID === "CVE-2019-0344");
    expect(notesUrls(sap?.notes ?? "")).toEqual([
      "https://web.archive.org/web/20191214053020/https://wiki.scn.sap.com/wiki/pages/viewpage.action?pageId=523998017",
      "https://nvd.nist.gov/vuln/detail/CVE-2019-0344",
    ]);
  });

  it("rejects the truncated publication of 2025-02-25, saying so and where", () => {
    const error = rejection(readRealData("kev/kev_2025-02-25_TRUNCATED_malformed.json"));
    expect(error.message).toContain("ends early (truncated?) after 276,042 characters");
    expect(error.message).toContain('"date"');
    expect(error.where).toBe("character 276,042, line 4003, column 18");
  });

  it("mirrors the published JSON schema: fields, required ones and patterns", () => {
    const schema = JSON.parse(
      readRealData("kev/known_exploited_vulnerabilities_schema.json").toString("utf8"),
    );
    const published = schema.$defs.vulnerability;
    expect(Object.keys(published.properties)).toEqual(KEV_FIELDS);
    const shape = KevVulnerabilitySchema.shape;
    const required = KEV_FIELDS.filter((f) => !shape[f].isOptional());
    expect(required).toEqual(published.required);
    const envelope = Object.entries(KevCatalogSchema.shape).filter(([, field]) => !field.isOptional());
    expect(envelope.map(([name]) => name)).toEqual(schema.required);
    expect(published.properties.cveID.pattern).toBe("^CVE-[0-9]{4}-[0-9]{4,19}$");
  });

  it("diffs the catalogue against itself to no change, and against an edited copy exactly", () => {
    expect(diffKevCatalog(real.vulnerabilities, real.vulnerabilities)).toEqual({
      changes: [],
      added: 0,
      modified: 0,
      removed: 0,
      unchanged: 1252,
    });
    const [first, second, ...rest] = real.vulnerabilities;
    const flipped = rest.map((v) =>
      v.cveID === "CVE-2023-28461"
        ? { ...v, knownRansomwareCampaignUse: v.knownRansomwareCampaignUse === "Known" ? "Unknown" : "Known" }
        : v,
    );
    const diff = diffKevCatalog([second as KevEntry, ...rest], [first as KevEntry, ...flipped]);
    expect([first?.cveID, second?.cveID]).toEqual(["CVE-2025-23006", "CVE-2020-11023"]);
    expect(diff.changes.map((x) => [x.cve_id, x.change, x.field])).toEqual([
      ["CVE-2020-11023", "removed", null],
      ["CVE-2023-28461", "modified", "knownRansomwareCampaignUse"],
      ["CVE-2025-23006", "added", null],
    ]);
    expect(diff).toMatchObject({ added: 1, removed: 1, modified: 1, unchanged: 1249 });
  });
});

describe("fromKevRow", () => {
  it("gives back the published entry a row was made from, the vendor as published", () => {
    const published = entry({ vendorProject: "SimpleHelp ", cwes: ["CWE-22", "CWE-200"] });
    const row = toKevRow(published);
    expect(row.vendor_project).toBe("SimpleHelp");
    expect(fromKevRow(row)).toEqual(published);
  });
});
