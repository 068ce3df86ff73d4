/**
 * The SSRF rule on its own: which webhook URLs reach a private network
 * (refused) and which do not (accepted), including the other spellings of
 * the same addresses (numeric, hex, octal, short IPv4; IPv4 inside IPv6;
 * trailing dots; upper case).
 */
import { expect, test } from "vitest";
import { parseIPv4, parseIPv6, privateAddressReason, privateAddressRefusal } from "./privateAddresses";

const REFUSED: [url: string, reason: string][] = [
  // Local names.
  ["http://localhost/hook", "“localhost” is a name for this machine"],
  ["http://LOCALHOST:3000/hook", "“localhost” is a name for this machine"],
  ["http://localhost./hook", "“localhost.” is a name for this machine"],
  ["https://api.localhost/hook", "“api.localhost” is a name for this machine"],
  ["https://metadata.google.internal/computeMetadata/v1/", "“metadata.google.internal” is an internal network name"],
  ["https://billing.corp.internal./x", "“billing.corp.internal.” is an internal network name"],
  // IPv4, each refused range at both ends.
  ["http://127.0.0.1/hook", "127.0.0.1 is a loopback address"],
  ["http://127.255.255.254/hook", "127.255.255.254 is a loopback address"],
  ["http://10.0.0.1/hook", "10.0.0.1 is a private address (10.0.0.0/8)"],
  ["http://10.255.255.255/hook", "10.255.255.255 is a private address (10.0.0.0/8)"],
  ["http://172.16.0.1/hook", "172.16.0.1 is a private address (172.16.0.0/12)"],
  ["http://172.31.255.255/hook", "172.31.255.255 is a private address (172.16.0.0/12)"],
  ["http://192.168.1.10/hook", "192.168.1.10 is a private address (192.168.0.0/16)"],
  ["http://169.254.169.254/latest/meta-data/", "169.254.169.254 is a link-local address (169.254.0.0/16)"],
  ["http://100.64.0.1/hook", "100.64.0.1 is a shared carrier-grade NAT address (100.64.0.0/10)"],
  ["http://100.127.255.255/hook", "100.127.255.255 is a shared carrier-grade NAT address (100.64.0.0/10)"],
  ["http://0.0.0.0/hook", "0.0.0.0 is in “this network” (0.0.0.0/8)"],
  ["http://0.1.2.3/hook", "0.1.2.3 is in “this network” (0.0.0.0/8)"],
  // The same addresses spelled otherwise (the URL parser, or our own reading, makes them dotted).
  ["http://2130706433/hook", "127.0.0.1 is a loopback address"],
  ["http://0x7f.1/hook", "127.0.0.1 is a loopback address"],
  ["http://0177.0.0.1/hook", "127.0.0.1 is a loopback address"],
  ["http://127.1/hook", "127.0.0.1 is a loopback address"],
  ["http://127.0.0.1./hook", "127.0.0.1 is a loopback address"],
  ["http://0/hook", "0.0.0.0 is in “this network” (0.0.0.0/8)"],
  // IPv6.
  ["http://[::1]/hook", "[::1] is a loopback address"],
  ["http://[0:0:0:0:0:0:0:1]:8080/hook", "[::1] is a loopback address"],
  ["http://[::]/hook", "[::] is the unspecified address"],
  ["http://[fe80::1]/hook", "[fe80::1] is a link-local address (fe80::/10)"],
  ["http://[febf::1]/hook", "[febf::1] is a link-local address (fe80::/10)"],
  ["http://[fc00::1]/hook", "[fc00::1] is a unique local address (fc00::/7)"],
  ["http://[FD12:3456::1]/hook", "[fd12:3456::1] is a unique local address (fc00::/7)"],
  ["http://[fec0::1]/hook", "[fec0::1] is a site-local address (fec0::/10)"],
  // IPv4 inside IPv6: mapped, compatible, NAT64.
  ["http://[::ffff:127.0.0.1]/hook", "[::ffff:7f00:1] is a loopback address, as IPv4 127.0.0.1 inside IPv6"],
  ["http://[::ffff:7f00:1]/hook", "[::ffff:7f00:1] is a loopback address, as IPv4 127.0.0.1 inside IPv6"],
  ["http://[::ffff:192.168.0.1]/hook", "[::ffff:c0a8:1] is a private address (192.168.0.0/16), as IPv4 192.168.0.1 inside IPv6"],
  ["http://[::ffff:169.254.169.254]/hook", "[::ffff:a9fe:a9fe] is a link-local address (169.254.0.0/16), as IPv4 169.254.169.254 inside IPv6"],
  ["http://[::10.0.0.1]/hook", "[::a00:1] is a private address (10.0.0.0/8), as IPv4 10.0.0.1 inside IPv6"],
  ["http://[64:ff9b::127.0.0.1]/hook", "[64:ff9b::7f00:1] is a loopback address, as IPv4 127.0.0.1 inside IPv6"],
];

const ACCEPTED = [
  "https://hooks.example.com/harness",
  "https://93.184.215.14/hook",
  "http://8.8.8.8/hook",
  // Just outside the refused ranges.
  "http://172.15.255.255/hook",
  "http://172.32.0.0/hook",
  "http://100.63.255.255/hook",
  "http://100.128.0.0/hook",
  "http://169.253.255.255/hook",
  "http://192.167.255.255/hook",
  "http://11.0.0.0/hook",
  "http://126.255.255.255/hook",
  "http://128.0.0.0/hook",
  "http://1.0.0.0/hook",
  // Names that merely contain the words.
  "https://localhost.example.com/hook",
  "https://mylocalhost/hook",
  "https://internal.example.com/hook",
  "https://example.internals/hook",
  "https://10.0.0.1.example.com/hook",
  // Public IPv6, and public IPv4 inside IPv6.
  "http://[2001:db8::1]/hook",
  "http://[2606:4700:4700::1111]/hook",
  "http://[::ffff:8.8.8.8]/hook",
  "http://[64:ff9b::8.8.8.8]/hook",
  "http://[fe7f::1]/hook",
];

test("URLs that reach a private network are refused, each with why", () => {
  for (const [url, reason] of REFUSED) expect(privateAddressReason(url), url).toBe(reason);
});

test("public addresses and names are accepted", () => {
  for (const url of ACCEPTED) expect(privateAddressReason(url), url).toBeNull();
});

test("the refusal is one sentence an admin can act on", () => {
  expect(privateAddressRefusal("http://10.1.2.3/x")).toBe(
    "The URL's host 10.1.2.3 is a private address (10.0.0.0/8); webhooks are sent only to public internet addresses.",
  );
  expect(privateAddressRefusal("https://hooks.example.com/x")).toBeNull();
});

test("addresses are read the way URL parsers read them, whatever the runtime's URL does", () => {
  // IPv4 as WHATWG reads it: 1–4 parts, decimal / 0x hex / 0 octal, the last filling the rest.
  expect(parseIPv4("127.0.0.1")).toBe(0x7f000001);
  expect(parseIPv4("2130706433")).toBe(0x7f000001);
  expect(parseIPv4("0x7f.1")).toBe(0x7f000001);
  expect(parseIPv4("0177.0.0.01")).toBe(0x7f000001);
  expect(parseIPv4("127.1")).toBe(0x7f000001);
  expect(parseIPv4("10.1.65535")).toBe(0x0a01ffff);
  expect(parseIPv4("1.2.3.4.")).toBe(0x01020304);
  for (const bad of ["256.0.0.1", "1.2.3.4.5", "1.2.65536", "4294967296", "08.0.0.1", "1..2", "a.b.c.d", ""]) expect(parseIPv4(bad), bad).toBeNull();
  // IPv6: compressed, full, with a dotted tail; malformed ones are not addresses.
  expect(parseIPv6("::1")).toEqual([0, 0, 0, 0, 0, 0, 0, 1]);
  expect(parseIPv6("fe80::1:2")).toEqual([0xfe80, 0, 0, 0, 0, 0, 1, 2]);
  expect(parseIPv6("::ffff:127.0.0.1")).toEqual([0, 0, 0, 0, 0, 0xffff, 0x7f00, 1]);
  expect(parseIPv6("1:2:3:4:5:6:7:8")).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
  for (const bad of ["1:2:3", "1::2::3", ":1::", "1:2:3:4:5:6:7:8::", "::ffff:300.0.0.1", "::g", "12345::"]) expect(parseIPv6(bad), bad).toBeNull();
  // A parsed URL works as well as its text.
  expect(privateAddressReason(new URL("http://10.0.0.1/"))).toBe("10.0.0.1 is a private address (10.0.0.0/8)");
});
