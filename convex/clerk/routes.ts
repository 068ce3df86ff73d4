import type { HttpRouter } from "convex/server";

/** Routes: POST /clerk-webhook. */
export function registerClerkRoutes(_http: HttpRouter): void {}
