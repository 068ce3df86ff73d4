/**
 * Convex's HTTP function API on the engine's deployment URL, with a
 * deployment's request and response shapes (get-convex/convex-backend
 * crates/local_backend/src/public_api.rs; node_modules/convex/src/browser/
 * http_client.ts is the client), so `ConvexHttpClient` and the Convex CLI
 * work unchanged:
 *
 *   POST /api/query | /api/mutation | /api/action
 *        { path: "module:fn", args: [{…}] | {…}, format?: "convex_encoded_json" | "json" }
 *   GET  /api/query?path=…&args=<JSON>&format=…
 *   POST /api/run/<module path>/<fn>   { args: {…}, format?: "json" (default) }   any kind, app functions only
 *   POST /api/function   { path, args, componentPath?, format? }   any kind; admin only (`npx convex run`)
 *   POST /api/query_batch { queries: [{ path, args, format? }] } -> { results: [...] }
 *   POST /api/query_ts -> { ts } ; POST /api/query_at_ts { path, args, ts } (only the latest ts)
 *   POST /api/update_environment_variables { changes: [{ name, value | null }] }   admin (`npx convex env set/remove`)
 *
 * A function's outcome is HTTP 200 with `{ status: "success", value, logLines }`
 * or `{ status: "error", errorMessage, errorData?, logLines }` (`errorData`:
 * a ConvexError's data, which ConvexHttpClient turns back into
 * `ConvexError.data`). A request the engine cannot take (bad JSON, bad
 * credentials, unknown format) is a 4xx with `{ code, message }`, which
 * ConvexHttpClient throws as an Error with that text.
 *
 * Identity: `Authorization: Bearer <token from POST /local-auth/token>`, or
 * `Authorization: Convex <admin key>` (adminKey.ts), or none. Who may call
 * what is functions.ts's, shared with the sync protocol.
 *
 * `logLines` are always empty: functions' console output goes to the
 * engine's terminal.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { promisify } from "node:util";
import zlib from "node:zlib";
import { convexToJson, jsonToConvex, type JSONValue, type Value } from "convex/values";
import { parseAuthorization, type AdminKey } from "./adminKey";
import type { EngineInternals } from "./convexTestInternals";
import { EnvError, type EnvStore } from "./envStore";
import type { CallResult, Caller, FunctionCalls, FunctionKind, Logger } from "./functions";
import type { LocalAuth } from "./localAuth";
import { encodeTs } from "./syncServer";

/** Arguments of one call may be up to 16 MiB on a deployment. */
const MAX_BODY_BYTES = 16 * 1024 * 1024;
/** A push carries every bundled module (compressed on the wire). */
export const MAX_PUSH_BODY_BYTES = 256 * 1024 * 1024;

/** A request refused before any function runs: status + `{ code, message }`. */
export class RequestError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export type ValueFormat = "convex_encoded_json" | "json";

/** The bytes of a request body (decompressed when the client sent `Content-Encoding: br | gzip | deflate`). */
export async function readRequestBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new RequestError(413, "RequestTooLarge", `The request body is larger than ${limit} bytes.`);
    chunks.push(chunk as Buffer);
  }
  const raw = Buffer.concat(chunks);
  const encoding = String(req.headers["content-encoding"] ?? "").trim().toLowerCase();
  try {
    if (encoding === "br") return await promisify(zlib.brotliDecompress)(raw, { maxOutputLength: MAX_PUSH_BODY_BYTES * 4 });
    if (encoding === "gzip") return await promisify(zlib.gunzip)(raw, { maxOutputLength: MAX_PUSH_BODY_BYTES * 4 });
    if (encoding === "deflate") return await promisify(zlib.inflate)(raw, { maxOutputLength: MAX_PUSH_BODY_BYTES * 4 });
  } catch {
    throw new RequestError(400, "BadRequestBody", `Could not decode the ${encoding}-encoded request body.`);
  }
  if (encoding !== "" && encoding !== "identity") throw new RequestError(415, "UnsupportedEncoding", `Unsupported Content-Encoding: ${encoding}`);
  return raw;
}

export async function readJsonBody(req: IncomingMessage, limit = MAX_BODY_BYTES): Promise<Record<string, unknown>> {
  const text = (await readRequestBody(req, limit)).toString("utf8");
  let parsed: unknown;
  try {
    parsed = JSON.parse(text === "" ? "{}" : text);
  } catch (error) {
    throw new RequestError(400, "BadJsonBody", `The request body is not JSON: ${(error as Error).message}`);
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) throw new RequestError(400, "BadJsonBody", "The request body must be a JSON object.");
  return parsed as Record<string, unknown>;
}

export function sendJson(res: ServerResponse, status: number, body: unknown) {
  res.writeHead(status, { "content-type": "application/json; charset=utf-8", "cache-control": "no-store" });
  res.end(JSON.stringify(body));
}

function parseFormat(value: unknown, fallback: ValueFormat): ValueFormat {
  if (value === undefined || value === null) return fallback;
  if (value === "convex_encoded_json" || value === "json") return value;
  throw new RequestError(400, "InvalidFormat", `Unsupported value format ${JSON.stringify(value)}: use "json" or "convex_encoded_json".`);
}

/** A function's arguments as a deployment takes them: one object, or an array holding one object. */
function parseArgs(raw: unknown): Record<string, Value> {
  let args: unknown = raw === undefined || raw === null ? {} : raw;
  if (Array.isArray(args)) {
    if (args.length > 1) throw new RequestError(400, "InvalidArgs", "Expected the arguments as one object (or an array holding one object).");
    args = args[0] ?? {};
  }
  if (typeof args !== "object" || args === null || Array.isArray(args)) throw new RequestError(400, "InvalidArgs", "Function arguments must be an object.");
  try {
    // convex_encoded_json may hold `$`-tagged values (`{ "$integer": … }`, `{ "$bytes": … }`); clean JSON is read the same way (it has none).
    return jsonToConvex(args as JSONValue) as Record<string, Value>;
  } catch (error) {
    throw new RequestError(400, "InvalidArgs", `Could not read the arguments: ${(error as Error).message}`);
  }
}

/** A value in "clean" JSON (the `json` format): bigints as decimal strings, bytes as base64, non-finite numbers as strings. */
export function toCleanJson(value: Value): JSONValue {
  if (value === null || typeof value === "boolean" || typeof value === "string") return value;
  if (typeof value === "number") return Number.isFinite(value) ? value : String(value);
  if (typeof value === "bigint") return value.toString();
  if (value instanceof ArrayBuffer) return Buffer.from(value).toString("base64");
  if (Array.isArray(value)) return value.map(toCleanJson);
  const out: Record<string, JSONValue> = {};
  for (const [key, item] of Object.entries(value)) if (item !== undefined) out[key] = toCleanJson(item);
  return out;
}

function exportValue(value: Value, format: ValueFormat): JSONValue {
  return format === "json" ? toCleanJson(value) : convexToJson(value);
}

/** The `UdfResponse` body of a call. */
export function udfResponse(result: CallResult, format: ValueFormat): Record<string, unknown> {
  if (result.ok) return { status: "success", value: exportValue(result.value, format), logLines: [] };
  return {
    status: "error",
    errorMessage: result.failure.errorMessage,
    ...(result.failure.errorData !== undefined ? { errorData: format === "json" ? toCleanJson(jsonToConvex(result.failure.errorData)) : result.failure.errorData } : {}),
    logLines: [],
  };
}

export type FunctionApiDeps = {
  calls: FunctionCalls;
  internals: EngineInternals;
  auth: LocalAuth;
  adminKey: AdminKey;
  env: EnvStore;
  log: Logger;
};

export class FunctionApi {
  constructor(private readonly deps: FunctionApiDeps) {}

  /** The caller of a request, from its `Authorization` header; throws the 4xx a deployment answers for bad credentials. */
  callerOf(req: IncomingMessage): Caller {
    const presented = parseAuthorization(req.headers.authorization);
    switch (presented.type) {
      case "none":
        return { admin: false, identity: null };
      case "malformed":
        throw new RequestError(400, "InvalidAuthHeader", presented.message);
      case "admin":
        if (!this.deps.adminKey.accepts(presented.key)) throw new RequestError(401, "BadAdminKey", "The provided admin key was invalid for this instance");
        return { admin: true, identity: presented.actingAs };
      case "user": {
        const verified = this.deps.auth.verify(presented.token);
        if (!verified.ok) throw new RequestError(401, "InvalidAuthHeader", `Could not verify the token: ${verified.error}`);
        return { admin: false, identity: verified.identity };
      }
    }
  }

  requireAdmin(req: IncomingMessage): Caller {
    const caller = this.callerOf(req);
    if (!caller.admin) throw new RequestError(401, "BadAdminKey", "This needs the deployment's admin key: Authorization: Convex <admin key>.");
    return caller;
  }

  /** Serve `pathname` if it is one of this API's routes; false when it is not. */
  async handle(req: IncomingMessage, res: ServerResponse, url: URL): Promise<boolean> {
    const route = url.pathname;
    const method = req.method ?? "GET";
    const post = async (handler: () => Promise<void>) => {
      if (method !== "POST") throw new RequestError(405, "MethodNotAllowed", `Use POST for ${route}.`);
      await handler();
    };
    const kinds: Record<string, FunctionKind> = { "/api/query": "query", "/api/mutation": "mutation", "/api/action": "action" };
    const kind = kinds[route];
    if (kind === "query" && method === "GET") {
      const format = parseFormat(url.searchParams.get("format") ?? undefined, "json");
      let args: unknown;
      try {
        args = JSON.parse(url.searchParams.get("args") ?? "{}");
      } catch {
        throw new RequestError(400, "InvalidArgs", "`args` must be a JSON object.");
      }
      await this.callAndRespond(res, this.callerOf(req), "query", String(url.searchParams.get("path") ?? ""), "", parseArgs(args), format);
      return true;
    }
    if (kind !== undefined) {
      await post(async () => {
        const caller = this.callerOf(req);
        const body = await readJsonBody(req);
        const format = parseFormat(body["format"], "convex_encoded_json");
        await this.callAndRespond(res, caller, kind, this.pathOf(body), "", parseArgs(body["args"]), format);
      });
      return true;
    }
    if (route === "/api/function") {
      await post(async () => {
        // As on a deployment, this endpoint (the one `npx convex run` uses) needs the admin key.
        const caller = this.requireAdmin(req);
        const body = await readJsonBody(req);
        const format = parseFormat(body["format"], "convex_encoded_json");
        const componentPath = typeof body["componentPath"] === "string" ? body["componentPath"] : "";
        await this.callAndRespond(res, caller, "any", this.pathOf(body), componentPath, parseArgs(body["args"]), format);
      });
      return true;
    }
    if (route.startsWith("/api/run/")) {
      await post(async () => {
        const caller = this.callerOf(req);
        // /api/run/messages/list -> messages:list (functions of the app only)
        const parts = route.slice("/api/run/".length).split("/").map((part) => decodeURIComponent(part));
        if (parts.length < 2 || parts.some((part) => part === "")) {
          throw new RequestError(400, "MissingIdentifier", "Path or function name not provided in path, e.g. /api/run/messages/list");
        }
        const name = parts.pop()!;
        const body = await readJsonBody(req);
        const format = parseFormat(body["format"], "json");
        await this.callAndRespond(res, caller, "any", `${parts.join("/")}:${name}`, "", parseArgs(body["args"]), format);
      });
      return true;
    }
    if (route === "/api/query_batch") {
      await post(async () => {
        const caller = this.callerOf(req);
        const body = await readJsonBody(req);
        if (!Array.isArray(body["queries"])) throw new RequestError(400, "BadJsonBody", "Expected { queries: [{ path, args }] }.");
        const results = [];
        for (const query of body["queries"] as unknown[]) {
          const item = (typeof query === "object" && query !== null ? query : {}) as Record<string, unknown>;
          const format = parseFormat(item["format"], "convex_encoded_json");
          results.push(udfResponse(await this.deps.calls.call(caller, "query", this.pathOf(item), "", parseArgs(item["args"])), format));
        }
        sendJson(res, 200, { results });
      });
      return true;
    }
    if (route === "/api/query_ts") {
      await post(async () => sendJson(res, 200, { ts: encodeTs(this.deps.internals.lastCommitTs()) }));
      return true;
    }
    if (route === "/api/query_at_ts") {
      await post(async () => {
        const caller = this.callerOf(req);
        const body = await readJsonBody(req);
        // The engine keeps no history: a query reads at the latest commit, which is the ts asked for only if nothing committed since.
        if (body["ts"] !== encodeTs(this.deps.internals.lastCommitTs())) {
          throw new RequestError(400, "HistoricalReadUnsupported", "The local engine keeps no history: data changed since this timestamp; start a new consistent read.");
        }
        const format = parseFormat(body["format"], "convex_encoded_json");
        await this.callAndRespond(res, caller, "query", this.pathOf(body), "", parseArgs(body["args"]), format);
      });
      return true;
    }
    if (route === "/api/update_environment_variables") {
      await post(async () => {
        this.requireAdmin(req);
        const body = await readJsonBody(req);
        try {
          await this.deps.env.update(body["changes"]);
        } catch (error) {
          if (error instanceof EnvError) throw new RequestError(400, error.code, error.message);
          throw error;
        }
        const names = Array.isArray(body["changes"]) ? (body["changes"] as Array<{ name?: unknown; value?: unknown }>).map((c) => `${String(c.name)}${c.value === null || c.value === undefined ? " (removed)" : ""}`) : [];
        this.deps.log.info(`Environment variables updated: ${names.join(", ")} (applied to the next function call).`);
        sendJson(res, 200, {});
      });
      return true;
    }
    return false;
  }

  private pathOf(body: Record<string, unknown>): string {
    const path = body["path"];
    if (typeof path !== "string" || path.trim() === "") throw new RequestError(400, "MissingPath", "Expected `path`: the function's name, e.g. \"messages:list\".");
    return path;
  }

  private async callAndRespond(res: ServerResponse, caller: Caller, kind: FunctionKind | "any", path: string, componentPath: string, args: Record<string, Value>, format: ValueFormat) {
    if (path.trim() === "") throw new RequestError(400, "MissingPath", "Expected `path`: the function's name, e.g. \"messages:list\".");
    const result = await this.deps.calls.call(caller, kind, path, componentPath, args);
    sendJson(res, 200, udfResponse(result, format));
  }
}
