/**
 * A host name as URLs are filed under it: lower-cased, without IPv6 brackets or a trailing dot
 * (`[2001:DB8::1]` is `2001:db8::1`, `Example.COM.` is `example.com`). The URLhaus loader files each URL's
 * host so (hostOf), and the URL list's `host` filter reads its value the same way.
 */
export const hostKey = (host: string) =>
  host
    .toLowerCase()
    .replace(/^\[(.*)\]$/, "$1")
    .replace(/\.$/, "");
