/**
 * The execution settings of an external tool's manifest: read, stored only
 * when given, shown with the tool, refused field by field when wrong — in the
 * app and through `POST /v1/capabilities`.
 */
import { expect, test } from "vitest";
import { api } from "../../_generated/api";
import { adminWithKey, request } from "../../httpApi/testkit.testing";
import { asMember, newHarness } from "../../test.setup";
import { parseHttpToolManifest } from "../httpManifest";
import { effectiveSettings } from "./settings";
import { toolManifest } from "./toolServer.testing";

function refusal(manifest: unknown): { field?: string; message: string } | null {
  try {
    parseHttpToolManifest(manifest);
    return null;
  } catch (error) {
    return (error as { data: { field?: string; message: string } }).data;
  }
}

test("execution settings are read and kept as given; absent ones take the defaults", () => {
  const plain = parseHttpToolManifest(toolManifest("https://tools.example.com/ship", { execution: { timeout_seconds: undefined } }));
  expect(plain.http).toEqual({ url: "https://tools.example.com/ship", method: "POST" });
  expect(effectiveSettings(plain.http)).toEqual({
    url: "https://tools.example.com/ship",
    method: "POST",
    timeoutMs: 30_000,
    mode: "sync",
    callbackTimeoutMs: 3_600_000,
    healthCheckUrl: null,
    returnSchema: null,
  });
  const full = parseHttpToolManifest(
    toolManifest("https://tools.example.com/ship", {
      return_schema: { type: "object", required: ["tracking"] },
      execution: { timeout_seconds: 2.5, execution_mode: "async", callback_timeout_seconds: 600, health_check_url: "https://tools.example.com/health" },
    }),
  );
  expect(full.http).toEqual({
    url: "https://tools.example.com/ship",
    method: "POST",
    timeoutSeconds: 2.5,
    executionMode: "deferred",
    callbackTimeoutSeconds: 600,
    healthCheckUrl: "https://tools.example.com/health",
    returnSchema: { type: "object", required: ["tracking"] },
  });
});

test("wrong execution settings are refused naming their field", () => {
  const url = "https://tools.example.com/ship";
  expect(refusal(toolManifest(url, { execution: { timeout_seconds: 0 } }))).toMatchObject({ field: "execution.timeout_seconds" });
  expect(refusal(toolManifest(url, { execution: { timeout_seconds: 500 } }))).toMatchObject({ field: "execution.timeout_seconds" });
  expect(refusal(toolManifest(url, { execution: { timeout_seconds: "10" } }))).toMatchObject({ field: "execution.timeout_seconds" });
  expect(refusal(toolManifest(url, { execution: { execution_mode: "later" } }))).toMatchObject({ field: "execution.execution_mode" });
  expect(refusal(toolManifest(url, { execution: { callback_timeout_seconds: 60 } }))).toMatchObject({
    field: "execution.callback_timeout_seconds",
    message: expect.stringContaining('only to execution_mode "deferred"'),
  });
  expect(refusal(toolManifest(url, { execution: { execution_mode: "deferred", callback_timeout_seconds: 0.5 } }))).toMatchObject({ field: "execution.callback_timeout_seconds" });
  expect(refusal(toolManifest(url, { execution: { health_check_url: "ftp://tools.example.com/" } }))).toMatchObject({ field: "execution.health_check_url" });
  expect(refusal(toolManifest(url, { execution: { health_check_url: "https://u:p@tools.example.com/" } }))).toMatchObject({ field: "execution.health_check_url" });
  expect(refusal(toolManifest(url, { return_schema: "object" }))).toMatchObject({ field: "return_schema" });
  expect(refusal(toolManifest(url, { return_schema: { $ref: "#/definitions/x" } }))).toMatchObject({ field: "return_schema", message: expect.stringContaining("$ref") });
});

test("the app and the API store the settings and show them with the tool", async () => {
  const t = newHarness();
  const admin = await asMember(t, "org_manifest_app", "admin");
  const created = await admin.client.mutation(api.tools.tools.register, {
    accountId: admin.accountId,
    manifest: toolManifest("https://tools.example.com/ship", { execution: { execution_mode: "deferred", timeout_seconds: 3 } }),
  });
  expect(created.http).toEqual({ url: "https://tools.example.com/ship", method: "POST", timeoutSeconds: 3, executionMode: "deferred" });

  const { secret } = await adminWithKey(t, { permission: "admin", orgId: "org_manifest_api" });
  const registered = await request(t, "POST", "/v1/capabilities", {
    key: secret,
    body: toolManifest("https://tools.example.com/label", { slug: "label", return_schema: { type: "object" }, execution: { health_check_url: "https://tools.example.com/health" } }),
  });
  expect(registered.status).toBe(201);
  const unknown = await request(t, "POST", "/v1/capabilities", {
    key: secret,
    body: toolManifest("https://tools.example.com/x", { slug: "x_tool", execution: { retries: 5 } }),
  });
  expect(unknown.status).toBe(400);
  expect(unknown.body.error).toMatchObject({ field: "execution.retries" });
});
