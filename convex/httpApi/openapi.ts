/**
 * The OpenAPI 3.1 document of the platform API, served at
 * `GET /v1/openapi.json`. `openapi.test.ts` checks it against the router
 * (every route documented, nothing documented that is not routed) and
 * against the handlers (every documented status is produced by a real
 * request and its body matches the documented schema; every example matches
 * its schema, and the request examples succeed when sent).
 */
import { MAX_MESSAGE_LENGTH } from "../chat/validators";
import { MAX_CALLBACK_CHARS } from "../jobs/validators";
import { BODY_LIMITS, MAX_ANSWER_WAIT_MS } from "./handlers";

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Schema = { [key: string]: Json };

const ref = (name: string): Schema => ({ $ref: `#/components/schemas/${name}` });
const nullable = (type: string): Json => [type, "null"];

/** `{ data, meta }`: every successful answer except this document itself. */
function envelope(data: Schema): Schema {
  return { type: "object", required: ["data", "meta"], additionalProperties: false, properties: { data, meta: ref("Meta") } };
}

function jsonContent(schema: Schema, example?: Json): Json {
  return { "application/json": { schema, ...(example !== undefined ? { example } : {}) } };
}

const EXAMPLE_IDS = {
  interaction: "k57bd3kqz1m2v3x4y5z6a7b8c9d0e1f2",
  conversation: "kd7c2ef3g4h5j6k7m8n9p0q1r2s3t4v5",
  agent: "jh7a1b2c3d4e5f6g7h8j9k0m1n2p3q4r",
  job: "jx7z9y8x7w6v5u4t3s2r1q0p9n8m7k6j",
  request: "req_4f1c2b7d9e8a4b3c8d7e6f5a4b3c2d1e",
};

const meta = { request_id: EXAMPLE_IDS.request };

function errorExample(code: string, message: string, field?: string): Json {
  return { error: { code, message, ...(field !== undefined ? { field } : {}) }, meta };
}

/** The shared error answers, by status. */
const errorResponses = {
  "400": { description: "The request is malformed: bad JSON, a missing or unknown field, a wrong type, an empty or too long message. Nothing was written.", content: jsonContent(ref("Error"), errorExample("bad_request", 'The body has unknown field "txt"; allowed: text, conversation_id.', "txt")) },
  "401": { description: "No key, a malformed key, or a key that is unknown, revoked, expired, or whose creator is no longer an admin of the account.", content: jsonContent(ref("Error"), errorExample("unauthenticated", "This API key was revoked.")) },
  "403": { description: "The key's permission is too weak for this route (or the target is paused, code `policy_denied`).", content: jsonContent(ref("Error"), errorExample("forbidden", "This needs a key with read_write permission; this key has read.")) },
  "404": { description: "Not found — or not reachable with this key (another account, or outside the key's agent). The two are indistinguishable.", content: jsonContent(ref("Error"), errorExample("not_found", 'No channel "billing".')) },
  "409": { description: "A conflict with the current state (a taken slug, an archived conversation).", content: jsonContent(ref("Error"), errorExample("conflict", 'An agent with the slug "support-bot" already exists in this account.')) },
  "413": { description: "The body is over this route's limit; it was refused before being parsed (by Content-Length, or while reading a body sent without one).", content: jsonContent(ref("Error"), errorExample("payload_too_large", "The body is over the 64 KiB limit.")) },
  "429": {
    description: "The key's rate limit, or (for a request without a valid key) too many failed authentication attempts from this client address or with this key prefix. Wait `Retry-After` seconds.",
    headers: { "Retry-After": { description: "Seconds to wait before trying again.", required: true, schema: { type: "integer", minimum: 1 } } },
    content: jsonContent(ref("Error"), errorExample("rate_limited", "This key's limit is 60 requests per 60 s.")),
  },
  default: { description: "Any other error, in the same envelope; 500 `internal_error` quotes the request id and hides the cause.", content: jsonContent(ref("Error"), errorExample("internal_error", `Something went wrong on our side; quote ${EXAMPLE_IDS.request} when reporting it.`)) },
} as const satisfies Record<string, Json>;

type ErrorStatus = keyof typeof errorResponses;

function errors(...statuses: Exclude<ErrorStatus, "default">[]): Record<string, Json> {
  return Object.fromEntries([...statuses, "default" as const].map((status) => [status, errorResponses[status]]));
}

const pathId = (name: string, description: string, example: string): Json => ({
  name,
  in: "path",
  required: true,
  description,
  schema: { type: "string", minLength: 1, maxLength: 200 },
  example,
});

const interactionExample = {
  interaction_id: EXAMPLE_IDS.interaction,
  conversation_id: EXAMPLE_IDS.conversation,
  agent_id: EXAMPLE_IDS.agent,
  status: "completed",
  answer: "Hello! What can I do for you?",
  error: null,
  cost: { usd: 0, tokens_in: 0, tokens_out: 0, model_calls: 0 },
  created_at: "2026-11-02T10:15:00.000Z",
  ended_at: "2026-11-02T10:15:00.120Z",
};

/** Example manifests: shown in the document and registered by the capabilities tests. */
export const agentManifestExample = {
  version: 1,
  kind: "agent",
  name: "Support bot",
  slug: "support-bot",
  description: "Answers customer questions.",
  execution: { model: null, instructions: "Answer briefly and politely." },
  capability_level: "read",
  tools: [{ slug: "current_time", permission: "read", needs_approval: false }],
  channels: [],
  metadata: { accent_color: "#0891b2" },
};

export const toolManifestExample = {
  version: 1,
  kind: "tool",
  slug: "weather",
  name: "Weather",
  description: "Current weather for a city",
  trust_level: "read",
  parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] },
  execution: { type: "http", url: "https://api.example.com/weather", method: "GET" },
};

const schemas: Record<string, Schema> = {
  Meta: {
    type: "object",
    required: ["request_id"],
    additionalProperties: false,
    properties: { request_id: { type: "string", pattern: "^req_[0-9a-f]{32}$", description: "Also in the `X-Request-Id` header and in the server's log line." } },
  },
  Error: {
    type: "object",
    required: ["error", "meta"],
    additionalProperties: false,
    properties: {
      error: {
        type: "object",
        required: ["code", "message"],
        additionalProperties: false,
        properties: {
          code: {
            type: "string",
            enum: ["bad_request", "unauthenticated", "forbidden", "policy_denied", "not_found", "conflict", "payload_too_large", "budget_exceeded", "rate_limited", "internal_error"],
          },
          message: { type: "string" },
          field: {
            type: "string",
            description: "When the refusal is about one field of the request body (a missing, unknown, wrongly typed or invalid one): its path, e.g. `text`, `slug` or `tools[0].permission` (the message names it too).",
          },
        },
      },
      meta: ref("Meta"),
    },
  },
  InteractionStatus: {
    type: "string",
    enum: ["queued", "running", "waiting", "completed", "failed", "cancelled", "timed_out"],
    description: "`waiting`: a tool call waits for the key creator's approval in the app. `completed`, `failed`, `cancelled` and `timed_out` are final.",
  },
  Interaction: {
    type: "object",
    required: ["interaction_id", "conversation_id", "agent_id", "status", "answer", "error", "cost", "created_at", "ended_at"],
    additionalProperties: false,
    properties: {
      interaction_id: { type: "string" },
      conversation_id: { type: "string", description: "Send it back as `conversation_id` to continue the conversation." },
      agent_id: { type: "string" },
      status: ref("InteractionStatus"),
      answer: { type: nullable("string"), description: "The agent's answer once `completed`; null before." },
      error: {
        type: nullable("object"),
        required: ["code", "message"],
        additionalProperties: false,
        properties: { code: { type: "string" }, message: { type: "string" } },
        description: "Why a `failed` turn failed (e.g. `budget_exceeded`).",
      },
      cost: {
        type: "object",
        required: ["usd", "tokens_in", "tokens_out", "model_calls"],
        additionalProperties: false,
        properties: {
          usd: { type: "number", minimum: 0, description: "Including any delegations it made." },
          tokens_in: { type: "integer", minimum: 0 },
          tokens_out: { type: "integer", minimum: 0 },
          model_calls: { type: "integer", minimum: 0 },
        },
      },
      created_at: { type: "string", format: "date-time" },
      ended_at: { type: nullable("string"), format: "date-time" },
    },
  },
  Accepted: {
    type: "object",
    required: ["interaction_id", "conversation_id", "status", "poll_url"],
    additionalProperties: false,
    properties: {
      interaction_id: { type: "string" },
      conversation_id: { type: "string" },
      status: ref("InteractionStatus"),
      poll_url: { type: "string", description: "`GET` it for the status, answer and cost." },
    },
  },
  MessageRequest: {
    type: "object",
    required: ["text"],
    additionalProperties: false,
    properties: {
      text: { type: "string", minLength: 1, maxLength: MAX_MESSAGE_LENGTH, description: "Not blank." },
      conversation_id: { type: "string", description: "Continue an API conversation with the same agent (from an earlier answer). Absent: a new conversation." },
    },
  },
  Capability: {
    type: "object",
    required: ["id", "kind", "slug", "name", "description", "status"],
    additionalProperties: false,
    properties: {
      id: { type: "string", pattern: "^(agent|tool):", description: "`agent:<slug>` or `tool:<slug>`." },
      kind: { type: "string", enum: ["agent", "tool"] },
      slug: { type: "string" },
      name: { type: "string" },
      description: { type: "string" },
      status: { type: "string", enum: ["active", "paused", "disabled"] },
      agent: {
        type: "object",
        required: ["agent_id", "model", "capability_level", "version"],
        additionalProperties: false,
        properties: { agent_id: { type: "string" }, model: { type: "string" }, capability_level: { type: "string" }, version: { type: "integer" } },
      },
      tool: {
        type: "object",
        required: ["tool_kind", "trust_level", "parameters", "account_owned"],
        additionalProperties: false,
        properties: {
          tool_kind: { type: "string", enum: ["builtin", "agent", "http", "mcp"] },
          trust_level: { type: "string", enum: ["read", "write", "admin"] },
          parameters: { type: "object", description: "JSON Schema of the tool's arguments." },
          account_owned: { type: "boolean" },
          endpoint: { type: "object", required: ["url", "method"], additionalProperties: false, properties: { url: { type: "string" }, method: { type: "string" } } },
          delegates_to_agent_id: { type: "string" },
        },
      },
    },
  },
  AgentManifest: {
    type: "object",
    required: ["version", "kind", "name", "slug", "execution"],
    additionalProperties: false,
    description: "The agent manifest the app exports (Agents → Export). `tools` may name the account's tools, and `delegate_<slug>` for delegations.",
    properties: {
      version: { type: "integer", const: 1 },
      kind: { type: "string", const: "agent" },
      name: { type: "string" },
      slug: { type: "string" },
      description: { type: "string" },
      execution: {
        type: "object",
        required: ["instructions"],
        additionalProperties: false,
        properties: { model: { type: nullable("string") }, instructions: { type: "string" } },
      },
      capability_level: { type: "string", enum: ["read", "write", "admin"] },
      tools: {
        type: "array",
        items: {
          type: "object",
          required: ["slug", "permission"],
          additionalProperties: false,
          properties: {
            slug: { type: "string" },
            permission: { type: "string", enum: ["read", "write", "admin"] },
            needs_approval: { type: "boolean" },
            allowed_tools: { type: "array", items: { type: "string" } },
          },
        },
      },
      channels: { type: "array", maxItems: 0 },
      metadata: {
        type: "object",
        additionalProperties: false,
        properties: { accent_color: { type: "string" }, template_slug: { type: "string" }, agent_version: { type: "integer" } },
      },
    },
  },
  ToolManifest: {
    type: "object",
    required: ["kind", "slug", "description", "trust_level", "parameters", "execution"],
    additionalProperties: false,
    description: "An external HTTP tool.",
    properties: {
      version: { type: "integer", const: 1 },
      kind: { type: "string", const: "tool" },
      slug: { type: "string", pattern: "^[a-z][a-z0-9_-]{1,63}$" },
      name: { type: "string" },
      description: { type: "string" },
      trust_level: { type: "string", enum: ["read", "write", "admin"] },
      parameters: { type: "object", description: 'A JSON Schema with `"type": "object"`.' },
      return_schema: { type: "object", description: "A JSON Schema the tool's answer must match; an answer that does not is a tool error the model reads." },
      execution: {
        type: "object",
        required: ["type", "url"],
        additionalProperties: false,
        properties: {
          type: { type: "string", const: "http" },
          url: { type: "string" },
          method: { type: "string", enum: ["GET", "POST", "PUT", "PATCH", "DELETE"], description: "Default POST. A GET tool gets its arguments as query parameters." },
          timeout_seconds: { type: "number", minimum: 0.1, maximum: 120, description: "One attempt's time limit (default 30)." },
          execution_mode: {
            type: "string",
            enum: ["sync", "deferred", "async"],
            description: "`sync` (default): the answer is the response. `deferred` (or `async`): any 2xx accepts the call and the result comes by `POST /v1/callbacks/{call_id}`.",
          },
          callback_timeout_seconds: { type: "number", minimum: 1, maximum: 604800, description: "Deferred tools: how long the call waits for its callback (default 3600)." },
          health_check_url: { type: "string", description: "Probed with a GET on demand; a 2xx is healthy." },
        },
      },
    },
  },
  CallbackRequest: {
    type: "object",
    additionalProperties: false,
    description: "Exactly one of `result` and `error`.",
    properties: {
      result: { description: `Any JSON; a string is kept as it is, anything else as its JSON text (at most ${MAX_CALLBACK_CHARS} characters).` },
      error: { type: "string", minLength: 1, maxLength: MAX_CALLBACK_CHARS },
    },
  },
  CallbackResult: {
    type: "object",
    required: ["call_id", "accepted", "already_resolved", "status"],
    additionalProperties: false,
    properties: {
      call_id: { type: "string" },
      accepted: { type: "boolean", description: "true: this delivery resolved the wait. false: nothing changed." },
      already_resolved: { type: "boolean", description: "true when an earlier delivery resolved it." },
      status: { type: "string", enum: ["pending", "resolved", "timed_out", "cancelled"] },
      job_id: { type: "string", description: "A job's wait (`call_...`): the job." },
      interaction_id: { type: "string", description: "A deferred external tool call (`tool_...`): the run that waits for it." },
    },
  },
  AgentEventRequest: {
    type: "object",
    required: ["agent", "type"],
    additionalProperties: false,
    properties: {
      agent: { type: "string", description: "The agent's id or slug." },
      type: { type: "string", pattern: "^[A-Za-z0-9][A-Za-z0-9._:-]{0,99}$" },
      text: { type: "string", maxLength: MAX_MESSAGE_LENGTH, description: "What the agent should know or do, in words." },
      data: { description: "Any JSON; shown to the agent as JSON." },
      event_id: { type: "string", pattern: "^[\\x21-\\x7e]{1,200}$", description: "Your id for the event: a redelivery with the same id starts nothing and answers the first delivery's ids (200)." },
      conversation_id: { type: "string", description: "Continue an API conversation with this agent." },
    },
  },
  EventAccepted: {
    type: "object",
    required: ["interaction_id", "conversation_id", "poll_url", "duplicate"],
    additionalProperties: false,
    properties: {
      interaction_id: { type: "string" },
      conversation_id: { type: "string" },
      poll_url: { type: "string" },
      duplicate: { type: "boolean" },
    },
  },
};

const keyed = [{ apiKey: [] }];

export const openApiDocument = {
  openapi: "3.1.0",
  info: {
    title: "Harness platform API",
    version: "1.0.0",
    description: [
      "Reach the account's agents from outside: send messages, poll turns, list and register capabilities, answer job callbacks, push events.",
      "",
      "**Keys.** Account admins create keys in the app (`httpApi/keys:create`). Send one as `Authorization: Bearer thk_...`. A key has a permission — `read` (GETs), `read_write` (+ messages, events, callbacks), `admin` (+ registering capabilities) — may be restricted to one agent, and has a rate limit (default 60 requests per 60 s, a token bucket holding at most that many). A key acts as the admin who created it: their budgets apply, and it stops working when they are no longer an admin. Revocation is immediate.",
      "",
      "**Errors.** Every error, on every route under `/v1/`, is `{ \"error\": { \"code\", \"message\", \"field\"? }, \"meta\": { \"request_id\" } }` (`field`: the path of the body field a refusal is about, when it is about one): 400, 401, 403, 404, 409, 413, 429 (with `Retry-After`), 500. Ten failed authentications in a minute from one client address, or presenting one key prefix, make further requests without a valid key from that address or with that prefix answer 429 until the limit refills; a valid key is only ever limited by its own rate.",
      "",
      "**Successes** are `{ \"data\": ..., \"meta\": { \"request_id\" } }`. Every answer carries `X-Request-Id`.",
    ].join("\n"),
  },
  servers: [{ url: "/", description: "The deployment's HTTP origin (`https://<deployment>.convex.site`)." }],
  security: keyed,
  components: {
    securitySchemes: { apiKey: { type: "http", scheme: "bearer", bearerFormat: "thk_ + 43 base64url characters" } },
    schemas,
  },
  paths: {
    "/v1/channels/{channel_id}/messages": {
      post: {
        operationId: "sendChannelMessage",
        summary: "Send a message to an agent",
        description: [
          `Starts a turn of the agent. Waits for the answer up to the deployment's default (2.5 s) or what \`Prefer: wait=N\` asks (at most ${MAX_ANSWER_WAIT_MS / 1000} s); \`Prefer: respond-async\` does not wait.`,
          "Ended in time (completed, failed or cancelled): 200 with the interaction. Otherwise: 202 with its id and `poll_url`.",
          `Body limit ${BODY_LIMITS.message / 1024} KiB.`,
        ].join(" "),
        parameters: [
          pathId("channel_id", "The agent's id or slug.", "assistant"),
          { name: "Prefer", in: "header", required: false, schema: { type: "string" }, example: "wait=5" },
        ],
        requestBody: { required: true, content: jsonContent(ref("MessageRequest"), { text: "Hello!" }) },
        responses: {
          "200": { description: "The turn ended within the wait.", content: jsonContent(envelope(ref("Interaction")), { data: interactionExample, meta }) },
          "202": {
            description: "Still running: poll `poll_url`.",
            headers: { Location: { schema: { type: "string" } } },
            content: jsonContent(envelope(ref("Accepted")), {
              data: { interaction_id: EXAMPLE_IDS.interaction, conversation_id: EXAMPLE_IDS.conversation, status: "running", poll_url: `/v1/interactions/${EXAMPLE_IDS.interaction}` },
              meta,
            }),
          },
          ...errors("400", "401", "403", "404", "409", "413", "429"),
        },
      },
    },
    "/v1/interactions/{interaction_id}": {
      get: {
        operationId: "getInteraction",
        summary: "A turn's status, answer and cost",
        description: "Turns started through the API by keys of the same creator (and agent, for a restricted key).",
        parameters: [pathId("interaction_id", "From a message or event answer.", EXAMPLE_IDS.interaction)],
        responses: {
          "200": { description: "The interaction.", content: jsonContent(envelope(ref("Interaction")), { data: interactionExample, meta }) },
          ...errors("401", "404", "429"),
        },
      },
    },
    "/v1/capabilities": {
      get: {
        operationId: "listCapabilities",
        summary: "The account's agents and tools",
        description: "A key restricted to one agent sees that agent and the tools assigned to it.",
        parameters: [{ name: "kind", in: "query", required: false, schema: { type: "string", enum: ["agent", "tool"] }, example: "agent" }],
        responses: {
          "200": {
            description: "Agents first (by slug), then tools (built-ins first).",
            content: jsonContent(envelope({ type: "array", items: ref("Capability") }), {
              data: [{ id: "agent:assistant", kind: "agent", slug: "assistant", name: "Assistant", description: "Helps with anything.", status: "active", agent: { agent_id: EXAMPLE_IDS.agent, model: "offline", capability_level: "write", version: 1 } }],
              meta,
            }),
          },
          ...errors("400", "401", "429"),
        },
      },
      post: {
        operationId: "registerCapability",
        summary: "Register an agent or an external tool by manifest",
        description: `Needs an \`admin\` key not restricted to an agent. The manifest is the body (limit ${BODY_LIMITS.capability / 1024} KiB); \`kind\` says which. A taken slug is 409; any refusal writes nothing.`,
        requestBody: {
          required: true,
          content: {
            "application/json": {
              schema: { oneOf: [ref("AgentManifest"), ref("ToolManifest")] },
              examples: { agent: { value: agentManifestExample }, tool: { value: toolManifestExample } },
            },
          },
        },
        responses: {
          "201": {
            description: "Registered.",
            headers: { Location: { schema: { type: "string" } } },
            content: jsonContent(envelope(ref("Capability")), {
              data: {
                id: "tool:weather",
                kind: "tool",
                slug: "weather",
                name: "Weather",
                description: "Current weather for a city",
                status: "active",
                tool: { tool_kind: "http", trust_level: "read", parameters: toolManifestExample.parameters, account_owned: true, endpoint: { url: "https://api.example.com/weather", method: "GET" } },
              },
              meta,
            }),
          },
          ...errors("400", "401", "403", "409", "413", "429"),
        },
      },
    },
    "/v1/capabilities/{capability_id}": {
      get: {
        operationId: "getCapability",
        summary: "One agent or tool",
        parameters: [pathId("capability_id", "`agent:<slug>` or `tool:<slug>`.", "tool:current_time")],
        responses: {
          "200": {
            description: "The capability.",
            content: jsonContent(envelope(ref("Capability")), {
              data: { id: "tool:current_time", kind: "tool", slug: "current_time", name: "Current time", description: "The current time in a time zone.", status: "active", tool: { tool_kind: "builtin", trust_level: "read", parameters: { type: "object", properties: {} }, account_owned: false } },
              meta,
            }),
          },
          ...errors("401", "404", "429"),
        },
      },
    },
    "/v1/callbacks/{call_id}": {
      post: {
        operationId: "resolveCallback",
        summary: "Answer a job or a deferred tool call that waits for a callback",
        description: `Resolves the wait once. A second delivery (or one after the wait timed out or the job was cancelled) changes nothing and says so: 200 with \`accepted: false\`. Job waits have ids \`call_...\`; deferred external tools get theirs (\`tool_...\`) as \`call_id\` in the call's body, and their \`result\` is checked against the tool's \`return_schema\` (a mismatch reaches the agent as the tool's error). Body limit ${BODY_LIMITS.callback / 1024} KiB.`,
        parameters: [pathId("call_id", "The call id the job handed out.", "call_0f1e2d3c4b5a69788796a5b4c3d2e1f0")],
        requestBody: { required: true, content: jsonContent(ref("CallbackRequest"), { result: "payment settled" }) },
        responses: {
          "200": {
            description: "Delivered, or already resolved (see `accepted`).",
            content: jsonContent(envelope(ref("CallbackResult")), {
              data: { call_id: "call_0f1e2d3c4b5a69788796a5b4c3d2e1f0", accepted: true, already_resolved: false, status: "resolved", job_id: EXAMPLE_IDS.job },
              meta,
            }),
          },
          ...errors("400", "401", "403", "404", "413", "429"),
        },
      },
    },
    "/v1/agent-events": {
      post: {
        operationId: "pushAgentEvent",
        summary: "Push an external event that starts a turn for an agent",
        description: `The event becomes a message in a new conversation (or \`conversation_id\`'s) and the agent takes a turn; poll \`poll_url\`. Body limit ${BODY_LIMITS.event / 1024} KiB; the message it becomes is at most ${MAX_MESSAGE_LENGTH} characters.`,
        requestBody: {
          required: true,
          content: jsonContent(ref("AgentEventRequest"), { agent: "assistant", type: "order.created", event_id: "evt_1001", text: "A customer placed an order.", data: { order: 1001, total_eur: 42.5 } }),
        },
        responses: {
          "202": {
            description: "The turn started.",
            headers: { Location: { schema: { type: "string" } } },
            content: jsonContent(envelope(ref("EventAccepted")), {
              data: { interaction_id: EXAMPLE_IDS.interaction, conversation_id: EXAMPLE_IDS.conversation, poll_url: `/v1/interactions/${EXAMPLE_IDS.interaction}`, duplicate: false },
              meta,
            }),
          },
          "200": {
            description: "A redelivery of an `event_id` seen before: nothing started; the first delivery's ids.",
            content: jsonContent(envelope(ref("EventAccepted")), {
              data: { interaction_id: EXAMPLE_IDS.interaction, conversation_id: EXAMPLE_IDS.conversation, poll_url: `/v1/interactions/${EXAMPLE_IDS.interaction}`, duplicate: true },
              meta,
            }),
          },
          ...errors("400", "401", "403", "404", "413", "429"),
        },
      },
    },
    "/v1/openapi.json": {
      get: {
        operationId: "getOpenApiDocument",
        summary: "This document",
        security: [],
        responses: { "200": { description: "The OpenAPI document (not enveloped).", content: jsonContent({ type: "object", required: ["openapi", "info", "paths"] }) } },
      },
    },
  },
} as const;
