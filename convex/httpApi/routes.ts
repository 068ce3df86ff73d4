import type { HttpRouter } from "convex/server";

/** Routes: /v1/.... */
export function registerApiRoutes(_http: HttpRouter): void {}
