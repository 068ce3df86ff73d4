/**
 * Operations routes:
 *
 * - `GET /health` — 200 `{ status: "ok", version, time }` once a query has
 *   read the platform's settings (the backend answers); 503 with the error
 *   envelope when that read fails. No auth: load balancers call it.
 * - `GET /metrics` — Prometheus text exposition (ops/metrics.ts families plus
 *   the platform's switches); OpenMetrics with exemplars when the scraper's
 *   `Accept` asks for `application/openmetrics-text` (ops/exposition.ts). Needs `Authorization: Bearer $HARNESS_METRICS_TOKEN`;
 *   with the variable unset every request is refused (fail closed).
 */
import type { HttpRouter } from "convex/server";
import { internal } from "../_generated/api";
import { httpAction, type ActionCtx } from "../_generated/server";
import { env } from "../lib/env";
import { handleRequest, HttpError, jsonResponse } from "../lib/http";
import { exposition, EXPOSITION_CONTENT_TYPE, formatFor, OPENMETRICS_CONTENT_TYPE } from "./exposition";
import type { FamilySnapshot } from "./metrics";
import type { PlatformStatus } from "./status";
import { HARNESS_VERSION } from "./version";

async function health(ctx: ActionCtx, requestId: string): Promise<Response> {
  try {
    await ctx.runQuery(internal.ops.status.probe, {});
  } catch (error) {
    console.error(JSON.stringify({ event: "health.unavailable", requestId, error: error instanceof Error ? error.message : String(error) }));
    throw new HttpError("internal_error", "The backend did not answer a query.", { status: 503 });
  }
  return jsonResponse({ status: "ok", version: HARNESS_VERSION, time: new Date().toISOString() }, 200, requestId, {
    "Cache-Control": "no-store",
  });
}

async function sha256(text: string): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text)));
}

/** Compare digests, not the strings, so the time taken says nothing about the token. */
async function tokensMatch(given: string, expected: string): Promise<boolean> {
  const [a, b] = await Promise.all([sha256(given), sha256(expected)]);
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}

async function requireMetricsToken(request: Request): Promise<void> {
  const expected = env.metricsToken();
  if (expected === undefined) throw new HttpError("unauthenticated", "Metrics are disabled: HARNESS_METRICS_TOKEN is not set.");
  const match = /^Bearer\s+(\S+)\s*$/i.exec(request.headers.get("authorization") ?? "");
  if (match === null) throw new HttpError("unauthenticated", "Send the metrics token as `Authorization: Bearer <token>`.");
  if (!(await tokensMatch(match[1]!, expected))) throw new HttpError("unauthenticated", "Invalid metrics token.");
}

/** The platform's switches as gauges (read at scrape time: one row each). */
function platformFamilies(status: PlatformStatus): FamilySnapshot[] {
  const gauge = (name: string, help: string, value: number, labels = ""): FamilySnapshot => ({
    name,
    help,
    type: "gauge",
    series: [{ labels, value }],
    truncated: false,
  });
  return [
    gauge("harness_build_info", "The harness version serving this deployment (always 1).", 1, `version="${status.version}"`),
    gauge("harness_platform_paused", "1 while the platform is paused (new turns and jobs refused).", status.paused ? 1 : 0),
    gauge("harness_maintenance_mode", "1 while maintenance mode holds new turns.", status.maintenance.enabled ? 1 : 0),
  ];
}

async function metrics(ctx: ActionCtx, request: Request): Promise<Response> {
  await requireMetricsToken(request);
  const [families, status] = await Promise.all([ctx.runQuery(internal.ops.metrics.snapshot, {}), ctx.runQuery(internal.ops.status.probe, {})]);
  const format = formatFor(request.headers.get("accept"));
  return new Response(exposition([...platformFamilies(status), ...families], format), {
    status: 200,
    headers: { "Content-Type": format === "openmetrics" ? OPENMETRICS_CONTENT_TYPE : EXPOSITION_CONTENT_TYPE, "Cache-Control": "no-store" },
  });
}

/** Routes: GET /health, GET /metrics. */
export function registerOpsRoutes(http: HttpRouter): void {
  http.route({
    path: "/health",
    method: "GET",
    handler: httpAction(async (ctx, request) => await handleRequest("GET /health", (_request, requestId) => health(ctx, requestId))(request)),
  });
  http.route({
    path: "/metrics",
    method: "GET",
    handler: httpAction(async (ctx, request) => await handleRequest("GET /metrics", (req) => metrics(ctx, req))(request)),
  });
}
