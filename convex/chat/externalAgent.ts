/**
 * External agents (agent manifest `execution.type: "external"`): a turn for
 * such an agent — or a delegation to it, which is a child run of the same
 * turn workflow — is answered by POSTing the conversation to the agent's
 * `endpoint_url` instead of calling a model. One durable action step
 * (`external`), retried with backoff on a 5xx, a timeout or a network error
 * only; the reply is saved as the agent's message in the thread.
 *
 * What the endpoint receives (signed exactly like external HTTP tool calls,
 * with the account's tool signing secret: convex/tools/http/README.md):
 *
 * ```
 * POST <endpoint_url>
 * Content-Type: application/json
 * Idempotency-Key: <interactionId>:external:g<generation>   the same on every attempt
 * webhook-id: agent_<interactionId>_g<generation>            the same on every attempt
 * webhook-timestamp: <unix seconds of this attempt>
 * webhook-signature: v1,<base64 HMAC-SHA256(key, "<webhook-id>.<webhook-timestamp>.<body>")>
 *
 * { "interaction_id": "…", "kind": "turn" | "delegation", "prompt": "<the user's message, or the delegated task>",
 *   "messages": [{ "role": "user" | "assistant", "text": "…" }],   earlier messages of the thread, oldest first (≤ 20)
 *   "call_id": "agent_…", "account_id": "…", "agent": "<agent slug>" }
 * ```
 *
 * What it answers: `200` (any 2xx) with `{ "reply": "<text>" }` (1 to 20,000
 * characters), optionally `"usage": { "input_tokens": n, "output_tokens": n }`
 * — recorded on the run as reported tokens at a zero price (the harness pays
 * nothing for them; budgets are not charged). Anything else is a run failure
 * whose message carries the endpoint's words: a 3xx (not followed) or 4xx
 * (not retried), a body that is not that JSON; a 5xx, a timeout or a network
 * error after `HARNESS_TOOL_MAX_ATTEMPTS` attempts (backoff
 * `HARNESS_TOOL_BACKOFF_MS`, doubling). The URL obeys the outbound webhooks'
 * private-address rule, and an account without a signing secret sends nothing.
 */
import { saveMessage } from "@convex-dev/agent";
import type { MessageDoc } from "@convex-dev/agent";
import type { WorkflowCtx } from "@convex-dev/workflow";
import { v, type Infer } from "convex/values";
import { components, internal } from "../_generated/api";
import type { Id } from "../_generated/dataModel";
import { internalAction, internalMutation, internalQuery } from "../_generated/server";
import { EXTERNAL_DEFAULT_TIMEOUT_SECONDS } from "../agents/manifestFormat";
import { env } from "../lib/env";
import { redactedUrl } from "../lib/redactedUrl";
import { TOOL_RETRY } from "../lib/workflow";
import { privateAddressReason } from "../lib/privateAddresses";
import { buildRequest, readBody } from "../tools/http/request";
import { signingSecretsOf } from "../tools/http/secret";
import { MAX_RESPONSE_BYTES } from "../tools/http/settings";
import { endStepRow, logRun, logRunById } from "../runs/stepRows";
import { loadInteraction } from "./turnSteps";
import { isEnded } from "../runs/status";
import type { ChatRun } from "../runs/records";

/** The step's key (its row) and the workflow step's name. */
export const EXTERNAL_STEP = "external";
/** Earlier messages of the thread sent along, at most, and the characters of each. */
export const EXTERNAL_CONTEXT = { messages: 20, messageChars: 4_000 } as const;
/** The longest reply kept. */
export const MAX_REPLY_CHARS = 20_000;
const MAX_SNIPPET_CHARS = 300;

export function externalCallKey(interaction: Pick<ChatRun, "_id" | "generation">) {
  return `${interaction._id}:external:g${interaction.generation}`;
}

const vAttempt = v.union(
  v.object({ kind: v.literal("replied") }),
  v.object({ kind: v.literal("failed"), code: v.string(), message: v.string() }),
  /** A 5xx, a timeout or a network error with attempts left: call again after `delayMs`. */
  v.object({ kind: v.literal("retry"), delayMs: v.number() }),
  /** The run ended meanwhile (cancelled), or its agent is no longer external: nothing to do. */
  v.object({ kind: v.literal("skipped") }),
);
type Attempt = Infer<typeof vAttempt>;

/** The wait before attempt `attempt + 1`: the external tools' backoff, doubling, jittered (read in the action: workflows see no environment). */
function backoffMs(attempt: number): number {
  const base = env.toolBackoffMs() * 2 ** (attempt - 1);
  return Math.round(base * (0.75 + Math.random() * 0.5));
}

/**
 * The turn workflow's branch for an external agent (turn.ts): the `external`
 * action step — called again after the delay it asks for while a 5xx, a
 * timeout or a network error leaves attempts (like a model call's retries,
 * convex/models/retryPolicy.ts) — then complete or fail the run. Delegations
 * to an external agent are child runs of the same workflow, so they come here too.
 */
export async function runExternalAgent(step: WorkflowCtx, interactionId: Id<"interactions">): Promise<void> {
  let attempt: Attempt;
  try {
    attempt = await step.runAction(internal.chat.externalAgent.call, { interactionId }, { retry: TOOL_RETRY, name: EXTERNAL_STEP });
    while (attempt.kind === "retry") {
      attempt = await step.runAction(internal.chat.externalAgent.call, { interactionId }, { retry: TOOL_RETRY, name: EXTERNAL_STEP, runAfter: attempt.delayMs });
    }
  } catch (error) {
    // The action itself kept crashing (not an answer of the endpoint).
    attempt = { kind: "failed", code: "internal_error", message: `The external agent step failed: ${error instanceof Error ? error.message : String(error)}` };
  }
  if (attempt.kind === "replied") {
    await step.runMutation(internal.chat.turnSteps.complete, { interactionId }, { name: "complete", inline: true });
  } else if (attempt.kind === "failed") {
    await step.runMutation(
      internal.chat.turnSteps.fail,
      { interactionId, error: { code: attempt.code, message: attempt.message }, failedStepKey: EXTERNAL_STEP },
      { name: "fail", inline: true },
    );
  }
}

const vTarget = v.object({
  url: v.string(),
  timeoutMs: v.number(),
  secrets: v.array(v.string()),
  key: v.string(),
  callId: v.string(),
  accountId: v.string(),
  agentSlug: v.string(),
  agentName: v.string(),
  /** The body's own fields (besides call_id, account_id, agent). */
  args: v.object({
    interaction_id: v.string(),
    kind: v.string(),
    prompt: v.string(),
    messages: v.array(v.object({ role: v.string(), text: v.string() })),
  }),
});

function clip(text: string, max: number) {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

/** Everything one attempt needs, or null when the run has ended or its agent is not external. */
export const target = internalQuery({
  args: { interactionId: v.id("interactions") },
  returns: v.union(v.null(), vTarget),
  handler: async (ctx, { interactionId }): Promise<Infer<typeof vTarget> | null> => {
    const interaction = await loadInteraction(ctx, interactionId);
    if (isEnded(interaction)) return null;
    const agent = await ctx.db.get("agents", interaction.agentId);
    const thread = await ctx.db.get("threads", interaction.threadId);
    if (agent?.external === undefined || thread === null) return null;
    // The thread's messages before this run's prompt, newest first: a bounded read however long the thread.
    const page = await ctx.runQuery(components.agent.messages.listMessagesByThreadId, {
      threadId: thread.agentThreadId,
      order: "desc",
      excludeToolMessages: true,
      statuses: ["success"],
      paginationOpts: { numItems: EXTERNAL_CONTEXT.messages + 1, cursor: null },
      upToAndIncludingMessageId: interaction.promptMessageId,
    });
    const messages = (page.page as MessageDoc[])
      .filter((m) => m.order < interaction.promptOrder && (m.message?.role === "user" || m.message?.role === "assistant") && (m.text ?? "").trim() !== "")
      .slice(0, EXTERNAL_CONTEXT.messages)
      .reverse()
      .map((m) => ({ role: m.message!.role, text: clip(m.text ?? "", EXTERNAL_CONTEXT.messageChars) }));
    return {
      url: agent.external.endpointUrl,
      timeoutMs: Math.round((agent.external.timeoutSeconds ?? EXTERNAL_DEFAULT_TIMEOUT_SECONDS) * 1000),
      secrets: await signingSecretsOf(ctx, interaction.accountId),
      key: externalCallKey(interaction),
      callId: `agent_${interaction._id}_g${interaction.generation}`,
      accountId: interaction.accountId,
      agentSlug: agent.slug,
      agentName: agent.name,
      args: { interaction_id: interaction._id, kind: interaction.kind, prompt: interaction.promptText, messages },
    };
  },
});

function snippet(text: string): string {
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length > MAX_SNIPPET_CHARS ? `${flat.slice(0, MAX_SNIPPET_CHARS)}…` : flat;
}

export type ExternalReply = { reply: string; usage?: { inputTokens: number; outputTokens: number } };

/** The endpoint's 2xx body as a reply, or why it is not one. */
export function readReply(text: string): { ok: true; value: ExternalReply } | { ok: false; error: string } {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return { ok: false, error: `The agent's endpoint answered with something that is not JSON: ${snippet(text) || "(empty)"}` };
  }
  const reply = (body as { reply?: unknown } | null)?.reply;
  if (typeof body !== "object" || body === null || typeof reply !== "string" || reply.trim() === "") {
    return { ok: false, error: `The agent's endpoint must answer {"reply": "<text>"}; it answered: ${snippet(text)}` };
  }
  if (reply.length > MAX_REPLY_CHARS) return { ok: false, error: `The agent's reply was longer than ${MAX_REPLY_CHARS} characters.` };
  const usage = (body as { usage?: { input_tokens?: unknown; output_tokens?: unknown } }).usage;
  const count = (n: unknown) => (typeof n === "number" && Number.isInteger(n) && n >= 0 && n < 1e9 ? n : 0);
  return {
    ok: true,
    value: { reply, ...(usage && typeof usage === "object" ? { usage: { inputTokens: count(usage.input_tokens), outputTokens: count(usage.output_tokens) } } : {}) },
  };
}

type Outcome =
  | { kind: "reply"; value: ExternalReply; statusCode: number; latencyMs: number }
  | { kind: "final"; code: string; error: string; statusCode?: number; latencyMs: number }
  | { kind: "retry"; code: string; error: string; statusCode?: number; latencyMs: number };

/** One attempt: signed like a tool call (the tools' `buildRequest`), cut at the timeout. Never throws. */
async function sendOnce(found: Infer<typeof vTarget>): Promise<Outcome> {
  const { url, init } = await buildRequest(
    {
      callId: found.callId,
      key: found.key,
      accountId: found.accountId,
      agentSlug: found.agentSlug,
      args: found.args,
      settings: { url: found.url, method: "POST", timeoutMs: found.timeoutMs, mode: "sync", callbackTimeoutMs: 0, healthCheckUrl: null, returnSchema: null },
      secrets: found.secrets,
    },
    Math.floor(Date.now() / 1000),
  );
  init.headers["User-Agent"] = "harness-agents/1";
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), found.timeoutMs);
  const started = Date.now();
  const elapsed = () => Date.now() - started;
  try {
    const response = await fetch(url, { ...init, signal: abort.signal });
    const statusCode = response.status;
    if (statusCode >= 200 && statusCode < 300) {
      const body = await readBody(response, MAX_RESPONSE_BYTES);
      if (body.overflow) return { kind: "final", code: "bad_request", error: `The agent's endpoint answered more than ${MAX_RESPONSE_BYTES / 1024} KiB.`, statusCode, latencyMs: elapsed() };
      const read = readReply(body.text);
      return read.ok ? { kind: "reply", value: read.value, statusCode, latencyMs: elapsed() } : { kind: "final", code: "bad_request", error: read.error, statusCode, latencyMs: elapsed() };
    }
    const said = snippet((await readBody(response, 2_048)).text);
    const error = `The agent's endpoint answered HTTP ${statusCode}${said ? `: ${said}` : ""}`;
    if (statusCode >= 500) return { kind: "retry", code: "internal_error", error, statusCode, latencyMs: elapsed() };
    if (statusCode >= 300 && statusCode < 400) return { kind: "final", code: "bad_request", error: `${error} (redirects are not followed)`, statusCode, latencyMs: elapsed() };
    return { kind: "final", code: "bad_request", error, statusCode, latencyMs: elapsed() };
  } catch (error) {
    if (abort.signal.aborted) return { kind: "retry", code: "timeout", error: `The agent's endpoint did not answer within ${found.timeoutMs / 1000} s.`, latencyMs: elapsed() };
    const cause = error instanceof Error ? `${error.message}${error.cause instanceof Error ? ` (${error.cause.message})` : ""}` : String(error);
    return { kind: "retry", code: "internal_error", error: `The request to the agent's endpoint failed: ${cause}`, latencyMs: elapsed() };
  } finally {
    clearTimeout(timer);
  }
}

/** One attempt of the `external` step: the reply saved, a failure, or "call again after". */
export const call = internalAction({
  args: { interactionId: v.id("interactions") },
  returns: vAttempt,
  handler: async (ctx, { interactionId }): Promise<Attempt> => {
    const found = await ctx.runQuery(internal.chat.externalAgent.target, { interactionId });
    if (found === null) return { kind: "skipped" };
    const begun = await ctx.runMutation(internal.chat.turnSteps.beginStep, { interactionId, key: EXTERNAL_STEP, kind: "tool", name: `External agent ${found.agentSlug}`, input: JSON.stringify(found.args) });
    if (begun === null) return { kind: "skipped" };
    const { stepId, attempt } = begun;
    const request = `POST ${redactedUrl(found.url)}`;
    const refuse = async (code: string, message: string): Promise<Attempt> => {
      await ctx.runMutation(internal.chat.externalAgent.recordFailure, { stepId, error: { code, message }, detail: request });
      return { kind: "failed", code, message };
    };
    if (!env.webhookAllowPrivateUrls()) {
      const reason = privateAddressReason(found.url);
      if (reason !== null) return await refuse("policy_denied", `${found.agentName}'s endpoint is not reachable: its host ${reason}; agents reach only public internet addresses.`);
    }
    if (found.secrets.length === 0) return await refuse("policy_denied", "The account has no tool signing secret; external agents are never called unsigned.");
    const outcome = await sendOnce(found);
    const detail = `${request} → ${outcome.statusCode !== undefined ? `HTTP ${outcome.statusCode}` : "no answer"} in ${outcome.latencyMs} ms`;
    if (outcome.kind === "reply") {
      await ctx.runMutation(internal.chat.externalAgent.saveReply, {
        interactionId,
        stepId,
        reply: outcome.value.reply,
        ...(outcome.value.usage ? { usage: outcome.value.usage } : {}),
        detail,
      });
      return { kind: "replied" };
    }
    await ctx.runMutation(internal.chat.externalAgent.recordFailure, { stepId, error: { code: outcome.code, message: outcome.error }, detail });
    if (outcome.kind === "final") return { kind: "failed", code: outcome.code, message: outcome.error };
    const maxAttempts = env.toolMaxAttempts();
    if (attempt < maxAttempts) return { kind: "retry", delayMs: backoffMs(attempt) };
    return { kind: "failed", code: outcome.code, message: `${found.agentName} failed after ${attempt} attempt(s): ${outcome.error}` };
  },
});

/** An attempt failed: its step row says why (the run fails, or the step is tried again). */
export const recordFailure = internalMutation({
  args: { stepId: v.id("steps"), error: v.object({ code: v.string(), message: v.string() }), detail: v.string() },
  returns: v.null(),
  handler: async (ctx, { stepId, error, detail }) => {
    const step = await ctx.db.get("steps", stepId);
    if (step === null || step.status === "succeeded") return null;
    await endStepRow(ctx, step, { status: "failed", error, detail });
    await logRunById(ctx, step.interactionId, "external_agent_failed", { attempt: step.attempt, ...error });
    return null;
  },
});

/**
 * The reply: saved as the agent's message at the prompt's order (like a
 * model's answer), the step closed, reported tokens added at a zero price.
 * Fenced: a cancelled run, or a step already done, changes nothing.
 */
export const saveReply = internalMutation({
  args: {
    interactionId: v.id("interactions"),
    stepId: v.id("steps"),
    reply: v.string(),
    usage: v.optional(v.object({ inputTokens: v.number(), outputTokens: v.number() })),
    detail: v.string(),
  },
  returns: v.null(),
  handler: async (ctx, { interactionId, stepId, reply, usage, detail }) => {
    const interaction = await loadInteraction(ctx, interactionId);
    const step = await ctx.db.get("steps", stepId);
    if (isEnded(interaction) || step === null || step.status === "succeeded") return null;
    const thread = (await ctx.db.get("threads", interaction.threadId))!;
    const agent = await ctx.db.get("agents", interaction.agentId);
    await saveMessage(ctx, components.agent, {
      threadId: thread.agentThreadId,
      userId: interaction.userId,
      promptMessageId: interaction.promptMessageId,
      agentName: agent?.name,
      message: { role: "assistant", content: reply },
    });
    await endStepRow(ctx, step, {
      status: "succeeded",
      detail,
      output: reply,
      ...(usage ? { tokensIn: usage.inputTokens, tokensOut: usage.outputTokens, costMicroUsd: 0 } : {}),
    });
    if (usage) {
      await ctx.db.patch("interactions", interactionId, {
        tokensIn: interaction.tokensIn + usage.inputTokens,
        tokensOut: interaction.tokensOut + usage.outputTokens,
      });
    }
    logRun(interaction, "external_agent_replied", { chars: reply.length, ...(usage ?? {}) });
    return null;
  },
});
