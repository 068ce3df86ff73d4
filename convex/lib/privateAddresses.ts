/**
 * Which webhook URLs would reach the deployment's own network (SSRF): local
 * names (`localhost`, `*.localhost`, `*.internal`) and literal addresses in
 * loopback, private, shared (CGNAT), link-local and "this network" ranges,
 * IPv4 or IPv6 (IPv4 embedded in IPv6 included). Pure: no I/O, no DNS.
 *
 * A host name is judged by its name only: one that resolves to a private
 * address passes, because Convex functions cannot resolve names before
 * `fetch`. Redirects are not followed, so a public endpoint cannot bounce a
 * delivery inward.
 */

type Range = { start: number; bits: number; kind: string };

/** IPv4 ranges refused, as `address/bits` and what an address in them is. */
const IPV4_REFUSED: Range[] = ([
  ["0.0.0.0/8", "in “this network” (0.0.0.0/8)"],
  ["10.0.0.0/8", "a private address (10.0.0.0/8)"],
  ["100.64.0.0/10", "a shared carrier-grade NAT address (100.64.0.0/10)"],
  ["127.0.0.0/8", "a loopback address"],
  ["169.254.0.0/16", "a link-local address (169.254.0.0/16)"],
  ["172.16.0.0/12", "a private address (172.16.0.0/12)"],
  ["192.168.0.0/16", "a private address (192.168.0.0/16)"],
] as const).map(([cidr, kind]) => {
  const [address = "", bits] = cidr.split("/");
  return { start: parseIPv4(address)!, bits: Number(bits), kind };
});

/**
 * An IPv4 host as a 32-bit number, read the way WHATWG URLs read it (1 to 4
 * parts, each decimal, `0x` hex or `0` octal; the last part fills the
 * remaining bytes), so `2130706433`, `0x7f.1` and `127.1` are all 127.0.0.1
 * even in a runtime whose URL parser leaves them as written. Null when it is not one.
 */
export function parseIPv4(host: string): number | null {
  const parts = host.split(".");
  if (parts.length > 1 && parts[parts.length - 1] === "") parts.pop();
  if (parts.length === 0 || parts.length > 4) return null;
  const numbers: number[] = [];
  for (const part of parts) {
    const n = ipv4Number(part);
    if (n === null) return null;
    numbers.push(n);
  }
  const last = numbers.pop()!;
  if (numbers.some((n) => n > 255) || last >= 256 ** (4 - numbers.length)) return null;
  return numbers.reduce((sum, n, i) => sum + n * 256 ** (3 - i), last);
}

function ipv4Number(part: string): number | null {
  if (/^0x[0-9a-f]*$/i.test(part)) return part.length === 2 ? 0 : parseInt(part.slice(2), 16);
  if (/^0[0-7]+$/.test(part)) return parseInt(part, 8);
  if (/^(0|[1-9][0-9]*)$/.test(part)) return Number(part);
  return null;
}

/** A host WHATWG would read as IPv4: its last label is a number. */
function endsInNumber(host: string): boolean {
  const labels = host.split(".");
  if (labels.length > 1 && labels[labels.length - 1] === "") labels.pop();
  const last = labels[labels.length - 1] ?? "";
  return /^[0-9]+$/.test(last) || /^0x[0-9a-f]*$/i.test(last);
}

function dotted(address: number): string {
  return [24, 16, 8, 0].map((shift) => (address >>> shift) & 255).join(".");
}

function ipv4Kind(address: number): string | null {
  for (const range of IPV4_REFUSED) {
    const mask = range.bits === 0 ? 0 : (~0 << (32 - range.bits)) >>> 0;
    if (((address & mask) >>> 0) === ((range.start & mask) >>> 0)) return range.kind;
  }
  return null;
}

/** The eight 16-bit groups of an IPv6 address (a trailing dotted IPv4 allowed), or null. */
export function parseIPv6(text: string): number[] | null {
  let body = text.toLowerCase();
  let embedded: number | null = null;
  const lastColon = body.lastIndexOf(":");
  if (lastColon === -1) return null;
  const tail = body.slice(lastColon + 1);
  if (tail.includes(".")) {
    const bytes = tail.split(".");
    if (bytes.length !== 4 || bytes.some((b) => !/^(0|[1-9][0-9]{0,2})$/.test(b) || Number(b) > 255)) return null;
    embedded = bytes.reduce((sum, b) => sum * 256 + Number(b), 0);
    body = `${body.slice(0, lastColon + 1)}0:0`;
  }
  const halves = body.split("::");
  if (halves.length > 2) return null;
  const groupsOf = (s: string) => (s === "" ? [] : s.split(":").map((g) => (/^[0-9a-f]{1,4}$/.test(g) ? parseInt(g, 16) : NaN)));
  const left = groupsOf(halves[0]!);
  const right = halves.length === 2 ? groupsOf(halves[1]!) : [];
  if ([...left, ...right].some(Number.isNaN)) return null;
  let groups: number[];
  if (halves.length === 2) {
    const fill = 8 - left.length - right.length;
    if (fill < 1) return null;
    groups = [...left, ...new Array<number>(fill).fill(0), ...right];
  } else {
    if (left.length !== 8) return null;
    groups = left;
  }
  if (embedded !== null) {
    groups[6] = embedded >>> 16;
    groups[7] = embedded & 0xffff;
  }
  return groups;
}

function ipv6Kind(groups: number[]): string | null {
  const [g0 = 0, g1 = 0, g2 = 0, g3 = 0, g4 = 0, g5 = 0, g6 = 0, g7 = 0] = groups;
  const zeroTo = (n: number) => groups.slice(0, n).every((g) => g === 0);
  if (zeroTo(8)) return "the unspecified address";
  if (zeroTo(7) && g7 === 1) return "a loopback address";
  if ((g0 & 0xffc0) === 0xfe80) return "a link-local address (fe80::/10)";
  if ((g0 & 0xffc0) === 0xfec0) return "a site-local address (fec0::/10)";
  if ((g0 & 0xfe00) === 0xfc00) return "a unique local address (fc00::/7)";
  // IPv4 carried in IPv6: mapped (::ffff:a.b.c.d), translated (::ffff:0:a.b.c.d),
  // compatible (::a.b.c.d) and NAT64 (64:ff9b::a.b.c.d) all reach that IPv4 address.
  const mapped = zeroTo(5) && g5 === 0xffff;
  const translated = zeroTo(4) && g4 === 0xffff && g5 === 0;
  const compatible = zeroTo(6);
  const nat64 = g0 === 0x64 && g1 === 0xff9b && g2 === 0 && g3 === 0 && g4 === 0 && g5 === 0;
  if (mapped || translated || compatible || nat64) {
    const v4 = ((g6 << 16) | g7) >>> 0;
    const kind = ipv4Kind(v4);
    if (kind !== null) return `${kind}, as IPv4 ${dotted(v4)} inside IPv6`;
  }
  return null;
}

/**
 * Why `url` must not receive webhooks, as the rest of a sentence starting
 * "The URL's host …" (e.g. `127.0.0.1 is a loopback address`), or null when
 * its host is a public address or a name.
 */
export function privateAddressReason(url: string | URL): string | null {
  let parsed: URL;
  try {
    parsed = typeof url === "string" ? new URL(url) : url;
  } catch {
    return "cannot be read";
  }
  const host = parsed.hostname.toLowerCase();
  if (host === "") return "is missing";
  if (host.startsWith("[") && host.endsWith("]")) {
    const groups = parseIPv6(host.slice(1, -1));
    if (groups === null) return `${host} is not a valid IPv6 address`;
    const kind = ipv6Kind(groups);
    return kind === null ? null : `${host} is ${kind}`;
  }
  if (endsInNumber(host)) {
    const address = parseIPv4(host);
    if (address === null) return `${host} is not a valid IPv4 address`;
    const kind = ipv4Kind(address);
    return kind === null ? null : `${dotted(address)} is ${kind}`;
  }
  const name = host.replace(/\.+$/, "");
  if (name === "localhost" || name.endsWith(".localhost")) return `“${host}” is a name for this machine`;
  if (name === "internal" || name.endsWith(".internal")) return `“${host}” is an internal network name`;
  return null;
}

/** The refusal message for a URL that must not receive webhooks, or null when it may. */
export function privateAddressRefusal(url: string | URL): string | null {
  const reason = privateAddressReason(url);
  return reason === null ? null : `The URL's host ${reason}; webhooks are sent only to public internet addresses.`;
}
