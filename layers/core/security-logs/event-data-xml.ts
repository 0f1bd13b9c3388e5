/**
 * Microsoft Sentinel's `SecurityEvent` table keeps a Windows event's payload as the XML of its `<EventData>`
 * element: a flat list of `<Data Name="…">value</Data>`. That shape is fixed by the Windows event schema, so
 * it is read here exactly, and anything else (nested elements, an unclosed tag) is refused with where it
 * went wrong rather than half-read.
 */

const ENTITY = /&(?:#(\d+)|#x([0-9a-fA-F]+)|(lt|gt|amp|quot|apos));/g;
const NAMED: Record<string, string> = { lt: "<", gt: ">", amp: "&", quot: '"', apos: "'" };

/** Decodes the five XML entities and numeric character references. */
export function decodeXmlText(text: string): string {
  return text.replace(
    ENTITY,
    (_, dec: string | undefined, hex: string | undefined, name: string | undefined) => {
      if (name) return NAMED[name] ?? "";
      const code = dec !== undefined ? Number(dec) : Number.parseInt(hex ?? "", 16);
      return code <= 0x10ffff ? String.fromCodePoint(code) : "";
    },
  );
}

export class EventDataXmlError extends Error {}

const OPEN = /^\s*<EventData(?:\s[^>]*)?>/;
const EMPTY = /^\s*<EventData(?:\s[^>]*)?\/>\s*$/;
const DATA = /^\s*<Data(?:\s+Name\s*=\s*(?:"([^"]*)"|'([^']*)'))?\s*(?:\/>|>([^<]*)<\/Data\s*>)/;
const CLOSE = /^\s*<\/EventData\s*>\s*$/;

/**
 * Reads `<EventData><Data Name="A">1</Data>…</EventData>` into `{ A: "1", … }`. Unnamed `<Data>` elements
 * (classic providers) are kept as `Data`, `Data_2`, …, in order; an empty element is an empty string.
 * @throws EventDataXmlError naming the character position where the text stops being such a list.
 */
export function parseEventDataXml(xml: string): Record<string, string> {
  if (EMPTY.test(xml)) return {};
  const open = OPEN.exec(xml);
  if (!open) throw new EventDataXmlError("does not start with <EventData>");
  const fields: Record<string, string> = {};
  let rest = xml.slice(open[0].length);
  let unnamed = 0;
  for (;;) {
    if (CLOSE.test(rest)) return fields;
    const data = DATA.exec(rest);
    if (!data) {
      const at = xml.length - rest.length;
      throw new EventDataXmlError(
        `expected <Data Name="…">…</Data> or </EventData> at character ${at}, found "${rest.trim().slice(0, 40)}"`,
      );
    }
    const rawName = data[1] ?? data[2];
    let name: string;
    if (rawName === undefined || rawName === "") {
      unnamed += 1;
      name = unnamed === 1 ? "Data" : `Data_${unnamed}`;
    } else {
      name = decodeXmlText(rawName);
    }
    fields[name] = decodeXmlText(data[3] ?? "");
    rest = rest.slice(data[0].length);
  }
}
