/**
 * Talking to an MCP server: the official SDK's `Client` over its
 * `StreamableHTTPClientTransport`, one short session per use (initialize →
 * `tools/list` or `tools/call` → DELETE the session), each request bounded by
 * the server's timeout. Used from actions: servers.ts (registration and
 * refresh) and runtime.ts (a tool call, as the turn's tool step).
 *
 * Runs in Convex's default runtime — no "use node" needed. The SDK's client
 * side uses only web APIs (`fetch`, streams, `TextDecoderStream`, `AbortController`;
 * `pkce-challenge` resolves to its browser build), and the one piece that
 * would compile code at run time — Ajv, the default validator of tool output
 * schemas — is replaced by the `@cfworker/json-schema` validator, which
 * interprets schemas (argumentCheck.ts uses the same library for the same reason).
 * Redirects are followed only within the server's origin (the SDK's default),
 * so a public server cannot bounce a request, token included, inward.
 */
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport, StreamableHTTPError } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { ErrorCode, McpError } from "@modelcontextprotocol/sdk/types.js";
import { CfWorkerJsonSchemaValidator } from "@modelcontextprotocol/sdk/validation/cfworker";
import { hostOf, MCP_LIMITS, networkWords, redact, serverMessage, type McpListedTool } from "./rules";
import type { McpTarget } from "./validators";

/** What a session needs of a server. */
export type Reach = Pick<McpTarget, "url" | "headers" | "timeoutMs" | "secrets">;

const CLIENT_INFO = { name: "agent-harness", version: "1.0.0" };
/** How long the closing DELETE of a session may take before it is abandoned. */
const CLOSE_WAIT_MS = 2_000;

/** What went wrong, for deciding: could the call have reached the tool, and would trying again help? */
export type McpFailureKind =
  /** No answer (refused, unknown host, reset, timed out) or a 5xx: may heal. */
  | "unreachable"
  /** The server answered with a refusal (HTTP 4xx, a JSON-RPC error): trying again will not help. */
  | "refused";

/** A failure talking to a server, in words (secrets redacted), with its kind. */
export class McpFailure extends Error {
  constructor(
    message: string,
    readonly kind: McpFailureKind,
    /** Where it failed: while opening the session, or in the request itself. */
    readonly phase: "connect" | "request",
  ) {
    super(message);
    this.name = "McpFailure";
  }
}

/** `error` in words: `Cannot reach <host>: connection refused`, `<host> answered HTTP 401: …`, `no answer within 30 s`… */
export function describeMcpError(error: unknown, target: Pick<McpTarget, "url" | "timeoutMs" | "secrets">): { message: string; kind: McpFailureKind } {
  const host = hostOf(target.url);
  let message: string;
  let kind: McpFailureKind = "unreachable";
  if (error instanceof McpError && error.code === ErrorCode.RequestTimeout) {
    message = `Cannot reach ${host}: no answer within ${Math.round(target.timeoutMs / 1000)} s.`;
  } else if (error instanceof McpError && error.code === ErrorCode.ConnectionClosed) {
    message = `${host} closed the connection.`;
  } else if (error instanceof McpError) {
    message = `${host} refused: ${error.message}`;
    kind = "refused";
  } else if (error instanceof StreamableHTTPError && typeof error.code === "number" && error.code >= 300) {
    const said = serverMessage(error.message.replace(/^Streamable HTTP error: (Error POSTing to endpoint: )?/, "")) ?? "no reason given";
    message = `${host} answered HTTP ${error.code}: ${said}`;
    kind = error.code >= 500 ? "unreachable" : "refused";
  } else if (error instanceof Error && error.name === "UnauthorizedError") {
    message = `${host} answered HTTP 401: the server wants authorization (check the bearer token).`;
    kind = "refused";
  } else if (error instanceof Error && (error.name === "AbortError" || error.name === "TimeoutError")) {
    message = `Cannot reach ${host}: no answer within ${Math.round(target.timeoutMs / 1000)} s.`;
  } else {
    const network = networkWords(error);
    message = network !== undefined ? `Cannot reach ${host}: ${network}.` : `${host}: ${error instanceof Error ? error.message : String(error)}`;
  }
  return { message: redact(message, target.secrets).slice(0, MCP_LIMITS.message), kind };
}

/**
 * Open a session with the server, run `use` with the connected client, and
 * always close the session (DELETE, best effort) and the transport.
 * Failures come out as `McpFailure`, in words.
 */
async function withSession<T>(target: Reach, use: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client(CLIENT_INFO, { capabilities: {}, jsonSchemaValidator: new CfWorkerJsonSchemaValidator() });
  const transport = new StreamableHTTPClientTransport(new URL(target.url), { requestInit: { headers: target.headers } });
  const options = { timeout: target.timeoutMs, maxTotalTimeout: target.timeoutMs };
  try {
    try {
      await client.connect(transport, options);
    } catch (error) {
      const { message, kind } = describeMcpError(error, target);
      throw new McpFailure(message, kind, "connect");
    }
    try {
      return await use(client);
    } catch (error) {
      if (error instanceof McpFailure) throw error;
      const { message, kind } = describeMcpError(error, target);
      throw new McpFailure(message, kind, "request");
    }
  } finally {
    await closeSession(client, transport);
  }
}

async function closeSession(client: Client, transport: StreamableHTTPClientTransport) {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    await Promise.race([
      transport.terminateSession().catch(() => undefined),
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, CLOSE_WAIT_MS);
      }),
    ]);
  } finally {
    if (timer !== undefined) clearTimeout(timer);
    await client.close().catch(() => undefined);
  }
}

export type ServerListing = {
  serverInfo: { name: string; version: string; title?: string } | null;
  tools: McpListedTool[];
  latencyMs: number;
};

/** The server's tools (`tools/list`, following `nextCursor` for at most 10 pages) and who it says it is. */
export async function listServerTools(target: Reach): Promise<ServerListing> {
  const started = Date.now();
  return await withSession(target, async (client) => {
    const info = client.getServerVersion();
    const tools: McpListedTool[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < MCP_LIMITS.listPages; page++) {
      const answer = await client.listTools(cursor === undefined ? {} : { cursor }, { timeout: target.timeoutMs });
      tools.push(...(answer.tools as McpListedTool[]));
      cursor = answer.nextCursor;
      if (cursor === undefined || tools.length > MCP_LIMITS.toolsPerServer * 4) break;
    }
    return {
      serverInfo: info
        ? { name: String(info.name).slice(0, 200), version: String(info.version).slice(0, 100), ...(typeof info.title === "string" ? { title: info.title.slice(0, 200) } : {}) }
        : null,
      tools,
      latencyMs: Date.now() - started,
    };
  });
}

export type ToolCallOutcome = { isError: boolean; content: unknown; structuredContent?: unknown };

/**
 * `tools/call` of `toolName` with `args`. The call carries the harness's
 * idempotency key in `_meta` (servers that dedupe can use it).
 */
export async function callServerTool(target: Reach, toolName: string, args: Record<string, unknown>, idempotencyKey: string): Promise<ToolCallOutcome> {
  return await withSession(target, async (client) => {
    const result = await client.callTool(
      { name: toolName, arguments: args, _meta: { "dev.agent-harness/idempotency-key": idempotencyKey } },
      undefined,
      { timeout: target.timeoutMs, maxTotalTimeout: target.timeoutMs },
    );
    return {
      isError: result.isError === true,
      content: result.content,
      ...(result.structuredContent !== undefined ? { structuredContent: result.structuredContent } : {}),
    };
  });
}
