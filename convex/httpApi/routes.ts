/**
 * The platform API's routes (`/v1/...`). Convex routes match an exact path or
 * a path prefix, so routes with an id in the path are prefixes and their
 * handlers take the id apart (`validate.ts` `pathParam`). Anything else under
 * `/v1/` answers 404 in the API's error envelope.
 *
 * `API_ROUTES` is also what the OpenAPI test compares the document with.
 */
import type { HttpRouter, RouteSpecWithPath, RouteSpecWithPathPrefix } from "convex/server";
import { httpAction } from "../_generated/server";
import { handleRequest, HttpError, jsonResponse } from "../lib/http";
import {
  getCapability,
  getInteraction,
  listCapabilities,
  postAgentEvent,
  postCallback,
  postCapability,
  postChannelMessage,
  type Handler,
} from "./handlers";
import { openApiDocument } from "./openapi";

type Method = "GET" | "POST";
export type ApiRoute = { method: Method; documentedPath: string; handler: Handler } & ({ path: string } | { pathPrefix: string });

/** Every documented route: how the router matches it, and its path in the OpenAPI document. */
export const API_ROUTES: ApiRoute[] = [
  { method: "POST", pathPrefix: "/v1/channels/", documentedPath: "/v1/channels/{channel_id}/messages", handler: postChannelMessage },
  { method: "GET", pathPrefix: "/v1/interactions/", documentedPath: "/v1/interactions/{interaction_id}", handler: getInteraction },
  { method: "GET", path: "/v1/capabilities", documentedPath: "/v1/capabilities", handler: listCapabilities },
  { method: "POST", path: "/v1/capabilities", documentedPath: "/v1/capabilities", handler: postCapability },
  { method: "GET", pathPrefix: "/v1/capabilities/", documentedPath: "/v1/capabilities/{capability_id}", handler: getCapability },
  { method: "POST", pathPrefix: "/v1/callbacks/", documentedPath: "/v1/callbacks/{call_id}", handler: postCallback },
  { method: "POST", path: "/v1/agent-events", documentedPath: "/v1/agent-events", handler: postAgentEvent },
  {
    method: "GET",
    path: "/v1/openapi.json",
    documentedPath: "/v1/openapi.json",
    // The document is public: no key needed to learn how to call the API.
    handler: async (_ctx, _request, requestId) => jsonResponse(openApiDocument, 200, requestId),
  },
];

/** The catch-all under `/v1/`: not part of the documented API, it only keeps unknown routes in the envelope. */
export const FALLBACK_PREFIX = "/v1/";
const FALLBACK_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"] as const;

function routeName(route: ApiRoute): string {
  return `${route.method} ${route.documentedPath}`;
}

export function registerApiRoutes(http: HttpRouter): void {
  for (const route of API_ROUTES) {
    const handler = httpAction(async (ctx, request) => await handleRequest(routeName(route), (req, requestId) => route.handler(ctx, req, requestId))(request));
    const match: Pick<RouteSpecWithPath, "path"> | Pick<RouteSpecWithPathPrefix, "pathPrefix"> =
      "path" in route ? { path: route.path } : { pathPrefix: route.pathPrefix };
    http.route({ ...match, method: route.method, handler });
  }
  for (const method of FALLBACK_METHODS) {
    http.route({
      pathPrefix: FALLBACK_PREFIX,
      method,
      handler: httpAction(async (_ctx, request) =>
        await handleRequest(`${method} ${FALLBACK_PREFIX}*`, async () => {
          const path = new URL(request.url).pathname;
          const other = API_ROUTES.filter((r) => ("path" in r ? r.path === path : path.startsWith(r.pathPrefix))).map((r) => r.method);
          throw new HttpError(
            "not_found",
            other.length > 0 ? `${path} does not take ${method}; it takes ${[...new Set(other)].join(", ")}.` : `No route ${method} ${path}.`,
          );
        })(request),
      ),
    });
  }
}
