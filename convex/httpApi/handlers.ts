/**
 * The `/v1/...` request handlers. Each one: authenticate (401 / 429) and
 * check the key's permission (403) before reading the body, read it within
 * the route's limit (413 before parsing), check every field (400), then call
 * one internal function that re-checks the key in its own transaction.
 *
 * Successful answers are `{ "data": ..., "meta": { "request_id" } }`; errors
 * are lib/http.ts's envelope.
 */
import { internal } from "../_generated/api";
import type { Id } from "../_generated/dataModel";
import type { ActionCtx } from "../_generated/server";
import { MAX_MESSAGE_LENGTH } from "../chat/validators";
import { MAX_CALLBACK_CHARS } from "../jobs/validators";
import { env } from "../lib/env";
import { HttpError, jsonResponse, readJsonObject } from "../lib/http";
import { authenticateRequest } from "./auth";
import { isEnded, type InteractionView } from "./interactions";
import { onlyFields, optionalString, pathParam, queryParams, requiredString } from "./validate";

export type Handler = (ctx: ActionCtx, request: Request, requestId: string) => Promise<Response>;

/** Body limits per route, checked before parsing (Content-Length, then while reading). */
export const BODY_LIMITS = {
  message: 64 * 1024,
  event: 64 * 1024,
  callback: 128 * 1024,
  capability: 256 * 1024,
} as const;

/** The longest a client may ask a message request to wait for the answer (`Prefer: wait=N`). */
export const MAX_ANSWER_WAIT_MS = 10_000;

const ID_RULE = { maxLength: 200 };
const EVENT_TYPE_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,99}$/;
const EVENT_ID_PATTERN = /^[\x21-\x7e]{1,200}$/;

function ok(requestId: string, data: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return jsonResponse({ data, meta: { request_id: requestId } }, status, requestId, headers);
}

function pollUrl(interactionId: string): string {
  return `/v1/interactions/${interactionId}`;
}

/**
 * How long to wait for the answer: the deployment's default
 * (`HARNESS_API_WAIT_MS`), or what the client prefers (RFC 7240:
 * `Prefer: respond-async` = not at all, `Prefer: wait=5` = up to 5 s, capped at 10 s).
 */
export function answerWaitMs(request: Request): number {
  let wait = env.apiAnswerWaitMs();
  for (const part of (request.headers.get("prefer") ?? "").split(",")) {
    const preference = part.trim().toLowerCase();
    if (preference === "respond-async") return 0;
    const match = /^wait=(\d{1,6})$/.exec(preference);
    if (match) wait = Math.min(Number(match[1]) * 1000, MAX_ANSWER_WAIT_MS);
  }
  return wait;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Poll the turn until it ends or `waitMs` passes; the last view either way. */
async function waitForEnd(ctx: ActionCtx, keyId: Id<"apiKeys">, interactionId: string, waitMs: number): Promise<InteractionView> {
  const deadline = Date.now() + waitMs;
  let pause = 50;
  for (;;) {
    const view: InteractionView = await ctx.runQuery(internal.httpApi.interactions.view, { keyId, interactionId });
    const left = deadline - Date.now();
    if (isEnded(view.status) || left <= 0) return view;
    await sleep(Math.min(pause, left));
    pause = Math.min(pause * 2, 500);
  }
}

// --- channels and interactions ------------------------------------------------

export const postChannelMessage: Handler = async (ctx, request, requestId) => {
  const url = new URL(request.url);
  const channel = pathParam(url, "/v1/channels/", "/messages");
  const caller = await authenticateRequest(ctx, request, requestId, "read_write");
  queryParams(url, []);
  const body = await readJsonObject(request, BODY_LIMITS.message);
  onlyFields(body, ["text", "conversation_id"]);
  const text = requiredString(body, "text", { maxLength: MAX_MESSAGE_LENGTH });
  const conversationId = optionalString(body, "conversation_id", ID_RULE);
  const started = await ctx.runMutation(internal.httpApi.turns.sendMessage, {
    keyId: caller.keyId,
    channel,
    text,
    ...(conversationId !== undefined ? { conversationId } : {}),
  });
  const view = await waitForEnd(ctx, caller.keyId, started.interactionId, answerWaitMs(request));
  if (isEnded(view.status)) return ok(requestId, view);
  return ok(
    requestId,
    { interaction_id: view.interaction_id, conversation_id: view.conversation_id, status: view.status, poll_url: pollUrl(view.interaction_id) },
    202,
    { Location: pollUrl(view.interaction_id) },
  );
};

export const getInteraction: Handler = async (ctx, request, requestId) => {
  const url = new URL(request.url);
  const interactionId = pathParam(url, "/v1/interactions/");
  const caller = await authenticateRequest(ctx, request, requestId, "read");
  queryParams(url, []);
  return ok(requestId, await ctx.runQuery(internal.httpApi.interactions.view, { keyId: caller.keyId, interactionId }));
};

// --- capabilities -------------------------------------------------------------

export const listCapabilities: Handler = async (ctx, request, requestId) => {
  const caller = await authenticateRequest(ctx, request, requestId, "read");
  const { kind } = queryParams(new URL(request.url), ["kind"]);
  if (kind !== undefined && kind !== "agent" && kind !== "tool") throw new HttpError("bad_request", 'kind must be "agent" or "tool".');
  const list = await ctx.runQuery(internal.httpApi.capabilities.list, { keyId: caller.keyId, ...(kind !== undefined ? { kind } : {}) });
  return ok(requestId, list);
};

export const getCapability: Handler = async (ctx, request, requestId) => {
  const url = new URL(request.url);
  const capabilityId = pathParam(url, "/v1/capabilities/");
  const caller = await authenticateRequest(ctx, request, requestId, "read");
  queryParams(url, []);
  return ok(requestId, await ctx.runQuery(internal.httpApi.capabilities.get, { keyId: caller.keyId, capabilityId }));
};

/** Top-level and nested fields each manifest kind may carry (the manifest readers check their values). */
const MANIFEST_FIELDS = {
  agent: {
    top: ["version", "kind", "name", "slug", "description", "execution", "capability_level", "tools", "channels", "metadata"],
    execution: ["model", "instructions"],
    tool: ["slug", "permission", "needs_approval", "allowed_tools"],
    metadata: ["accent_color", "template_slug", "agent_version"],
  },
  tool: {
    top: ["version", "kind", "slug", "name", "description", "trust_level", "parameters", "return_schema", "execution"],
    execution: ["type", "url", "method", "timeout_seconds", "execution_mode", "callback_timeout_seconds", "health_check_url"],
  },
} as const;

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function checkManifestFields(manifest: Record<string, unknown>): "agent" | "tool" {
  const kind = manifest.kind;
  if (kind !== "agent" && kind !== "tool") throw new HttpError("bad_request", 'kind must be "agent" or "tool".', { field: "kind" });
  const fields = MANIFEST_FIELDS[kind];
  onlyFields(manifest, fields.top, "", "The manifest");
  if (isObject(manifest.execution)) onlyFields(manifest.execution, fields.execution, "execution");
  if (kind === "agent") {
    const agentFields = MANIFEST_FIELDS.agent;
    if (isObject(manifest.metadata)) onlyFields(manifest.metadata, agentFields.metadata, "metadata");
    if (Array.isArray(manifest.tools)) {
      manifest.tools.forEach((entry, i) => {
        if (isObject(entry)) onlyFields(entry, agentFields.tool, `tools[${i}]`);
      });
    }
  }
  return kind;
}

export const postCapability: Handler = async (ctx, request, requestId) => {
  const caller = await authenticateRequest(ctx, request, requestId, "admin");
  queryParams(new URL(request.url), []);
  const manifest = await readJsonObject(request, BODY_LIMITS.capability);
  const kind = checkManifestFields(manifest);
  const capability = await ctx.runMutation(internal.httpApi.capabilities.register, {
    keyId: caller.keyId,
    kind,
    // As text: manifests may hold keys that function arguments cannot ("$ref"); the readers refuse them by name.
    manifest: JSON.stringify(manifest),
  });
  return ok(requestId, capability, 201, { Location: `/v1/capabilities/${capability.id}` });
};

// --- callbacks and events -------------------------------------------------------

export const postCallback: Handler = async (ctx, request, requestId) => {
  const url = new URL(request.url);
  const callId = pathParam(url, "/v1/callbacks/");
  const caller = await authenticateRequest(ctx, request, requestId, "read_write");
  queryParams(url, []);
  const body = await readJsonObject(request, BODY_LIMITS.callback);
  onlyFields(body, ["result", "error"]);
  const hasResult = "result" in body && body.result !== undefined;
  const hasError = "error" in body && body.error !== undefined;
  if (hasResult === hasError) throw new HttpError("bad_request", "Send exactly one of result or error.");
  // A result may be any JSON: a string is kept as it is, anything else as its JSON text.
  const result = hasResult ? (typeof body.result === "string" ? body.result : JSON.stringify(body.result)) : undefined;
  const error = hasError ? requiredString(body, "error", { maxLength: MAX_CALLBACK_CHARS }) : undefined;
  if (result !== undefined && result.length > MAX_CALLBACK_CHARS) {
    throw new HttpError("bad_request", `result is at most ${MAX_CALLBACK_CHARS} characters (as JSON text).`, { field: "result" });
  }
  const delivered = await ctx.runMutation(internal.httpApi.callbacks.deliver, {
    keyId: caller.keyId,
    callId,
    ...(result !== undefined ? { result, resultJson: JSON.stringify(body.result) } : {}),
    ...(error !== undefined ? { error } : {}),
  });
  return ok(requestId, {
    call_id: callId,
    accepted: delivered.accepted,
    already_resolved: delivered.alreadyResolved,
    status: delivered.status,
    // A job's wait names its job; a deferred tool call the run waiting for it.
    ...(delivered.jobId !== undefined ? { job_id: delivered.jobId } : {}),
    ...(delivered.interactionId !== undefined ? { interaction_id: delivered.interactionId } : {}),
  });
};

/** The message an event becomes in the agent's conversation. */
export function eventMessage(event: { type: string; eventId?: string; text?: string; data?: unknown }): string {
  const lines = [`External event "${event.type}"${event.eventId !== undefined ? ` (id ${event.eventId})` : ""}.`];
  if (event.text !== undefined) lines.push(event.text);
  if (event.data !== undefined) lines.push(`Data:\n${JSON.stringify(event.data, null, 2)}`);
  return lines.join("\n\n");
}

export const postAgentEvent: Handler = async (ctx, request, requestId) => {
  const caller = await authenticateRequest(ctx, request, requestId, "read_write");
  queryParams(new URL(request.url), []);
  const body = await readJsonObject(request, BODY_LIMITS.event);
  onlyFields(body, ["agent", "type", "text", "data", "event_id", "conversation_id"]);
  const agent = requiredString(body, "agent", ID_RULE);
  const type = requiredString(body, "type", { maxLength: 100, pattern: EVENT_TYPE_PATTERN, hint: "must be letters, digits, '.', '_', ':' or '-'" });
  const text = optionalString(body, "text", { maxLength: MAX_MESSAGE_LENGTH });
  const eventId = optionalString(body, "event_id", { maxLength: 200, pattern: EVENT_ID_PATTERN, hint: "must be printable ASCII without spaces" });
  const conversationId = optionalString(body, "conversation_id", ID_RULE);
  const message = eventMessage({ type, ...(eventId !== undefined ? { eventId } : {}), ...(text !== undefined ? { text } : {}), data: body.data });
  if (message.length > MAX_MESSAGE_LENGTH) {
    throw new HttpError("bad_request", `The event is too long: as a message it is ${message.length} characters, over ${MAX_MESSAGE_LENGTH}.`);
  }
  const started = await ctx.runMutation(internal.httpApi.turns.pushEvent, {
    keyId: caller.keyId,
    agent,
    eventType: type,
    text: message,
    ...(eventId !== undefined ? { eventId } : {}),
    ...(conversationId !== undefined ? { conversationId } : {}),
  });
  const data = {
    interaction_id: started.interactionId,
    conversation_id: started.conversationId,
    poll_url: pollUrl(started.interactionId),
    duplicate: started.duplicate,
  };
  return ok(requestId, data, started.duplicate ? 200 : 202, { Location: pollUrl(started.interactionId) });
};
