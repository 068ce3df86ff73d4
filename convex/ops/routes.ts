import type { HttpRouter } from "convex/server";

/** Routes: GET /health, GET /metrics. */
export function registerOpsRoutes(_http: HttpRouter): void {}
