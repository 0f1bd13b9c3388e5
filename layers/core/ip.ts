/**
 * The canonical text of an IP, as URLhaus hosts and Postgres `host(inet)` write it: IPv6 compressed and
 * lower-cased (WHATWG's serialisation), IPv4 as it is. An IPv4-mapped (`::ffff:a.b.c.d`) or -compatible
 * (`::a.b.c.d`) address keeps its IPv4 part dotted, as Postgres writes it (WHATWG writes it in hex). One
 * spelling per address is what lets a filter, a cursor or a graph node find it however it was written.
 * `ip` is an address (node:net's isIP), checked before.
 */
export function canonicalIp(ip: string): string {
  if (!ip.includes(":")) return ip;
  const compressed = new URL(`http://[${ip}]/`).hostname.slice(1, -1);
  const embedded = /^::(ffff:)?([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(compressed);
  if (!embedded) return compressed;
  const [high, low] = [Number.parseInt(embedded[2] ?? "", 16), Number.parseInt(embedded[3] ?? "", 16)];
  return `::${embedded[1] ?? ""}${high >> 8}.${high & 255}.${low >> 8}.${low & 255}`;
}
