/**
 * The request an external tool receives and how its answer is read, without
 * a server: headers, body or query, signatures a Standard Webhooks library
 * accepts (two during a rotation), and `checkResult`'s rules.
 */
import { Webhook } from "standardwebhooks";
import { expect, test } from "vitest";
import { verifySignature } from "../../outbound/receiver.testing";
import { newSigningSecret } from "../../outbound/signing";
import { buildRequest, checkResult, type CallTarget } from "./request";
import { effectiveSettings } from "./settings";

const current = newSigningSecret();
const previous = newSigningSecret();

function target(method: "GET" | "POST", url = "https://tools.example.com/ship"): CallTarget {
  return {
    callId: "tool_0123456789abcdef0123456789abcdef",
    key: "interaction123:tool#call_1",
    accountId: "account123",
    agentSlug: "assistant",
    args: { order_id: "A 1&2", quantity: 2, options: { gift: true } },
    settings: effectiveSettings({ url, method }),
    secrets: [current, previous],
  };
}

function verifies(secret: string, payload: string, headers: Record<string, string>) {
  try {
    new Webhook(secret).verify(payload, headers);
    return true;
  } catch {
    return false;
  }
}

test("POST: JSON body of the arguments and the harness's fields; idempotency and Standard Webhooks headers; both secrets sign during a rotation", async () => {
  const now = Math.floor(Date.now() / 1000);
  const { url, init } = await buildRequest(target("POST"), now);
  expect(url).toBe("https://tools.example.com/ship");
  expect(init.method).toBe("POST");
  expect(init.redirect).toBe("manual");
  expect(JSON.parse(init.body as string)).toEqual({
    order_id: "A 1&2",
    quantity: 2,
    options: { gift: true },
    call_id: "tool_0123456789abcdef0123456789abcdef",
    account_id: "account123",
    agent: "assistant",
  });
  expect(init.headers).toMatchObject({
    "Content-Type": "application/json",
    "Idempotency-Key": "interaction123:tool#call_1",
    "webhook-id": "tool_0123456789abcdef0123456789abcdef",
    "webhook-timestamp": String(now),
  });
  expect(init.headers["webhook-signature"]!.split(" ")).toHaveLength(2);
  expect(verifies(current, init.body as string, init.headers)).toBe(true);
  expect(verifies(previous, init.body as string, init.headers)).toBe(true);
  expect(verifies(newSigningSecret(), init.body as string, init.headers)).toBe(false);
  expect(verifies(current, (init.body as string).replace("A 1", "B 1"), init.headers)).toBe(false);
});

test("GET: the fields as query parameters after the URL's own, objects as JSON; the signature covers the query string", async () => {
  const { url, init } = await buildRequest(target("GET", "https://tools.example.com/ship?v=2"), Math.floor(Date.now() / 1000));
  expect(init.body).toBeUndefined();
  expect(init.headers["Content-Type"]).toBeUndefined();
  const parsed = new URL(url);
  expect(Object.fromEntries(parsed.searchParams)).toEqual({
    v: "2",
    order_id: "A 1&2",
    quantity: "2",
    options: '{"gift":true}',
    call_id: "tool_0123456789abcdef0123456789abcdef",
    account_id: "account123",
    agent: "assistant",
  });
  // standardwebhooks' verify() also parses the payload as JSON, so a query string is checked by hand (node:crypto).
  expect(verifySignature(current, init.headers, parsed.search.slice(1))).toBe(true);
  expect(verifySignature(previous, init.headers, parsed.search.slice(1))).toBe(true);
  expect(verifySignature(current, init.headers, parsed.search.slice(1).replace("quantity=2", "quantity=3"))).toBe(false);
});

test("checkResult: JSON checked against return_schema; text kept as a string only without one; empty is null; too large refused", () => {
  const schema = { returnSchema: { type: "object", properties: { n: { type: "integer" } }, required: ["n"] } };
  expect(checkResult(schema, '{"n":3}')).toEqual({ ok: true, result: '{"n":3}' });
  expect(checkResult(schema, '{"n":"3"}')).toEqual({ ok: false, error: expect.stringMatching(/does not match its return_schema: n: .*integer/) });
  expect(checkResult(schema, "plain words")).toEqual({ ok: false, error: expect.stringContaining("not JSON") });
  expect(checkResult({ returnSchema: null }, "plain words")).toEqual({ ok: true, result: '"plain words"' });
  expect(checkResult({ returnSchema: null }, "")).toEqual({ ok: true, result: "null" });
  expect(checkResult({ returnSchema: null }, JSON.stringify({ big: "x".repeat(25_000) }))).toEqual({ ok: false, error: expect.stringContaining("larger than 20000") });
});
