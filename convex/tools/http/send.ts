/**
 * The action `toolPool` runs for each attempt of an external HTTP tool call
 * (see calls.ts for the whole path). It throws only for failures worth
 * another attempt — a 5xx, a timeout, a network error — so the pool retries
 * those with backoff and nothing else. Every attempt carries the same
 * `Idempotency-Key` and `webhook-id`, signed afresh.
 */
import { v } from "convex/values";
import { internal } from "../../_generated/api";
import { internalAction } from "../../_generated/server";
import { env } from "../../lib/env";
import { privateAddressReason } from "../../lib/privateAddresses";
import { vSendResult, type SendResult } from "./calls";
import { sendAttempt, type CallTarget } from "./request";

/** The refusal for a URL on a private network (the outbound webhooks' rule). */
export function privateUrlRefusal(url: string): string | null {
  if (env.webhookAllowPrivateUrls()) return null;
  const reason = privateAddressReason(url);
  return reason === null ? null : `The URL's host ${reason}; tools reach only public internet addresses.`;
}

export const send = internalAction({
  args: { callRowId: v.id("httpToolCalls") },
  returns: vSendResult,
  handler: async (ctx, { callRowId }): Promise<SendResult> => {
    const found = await ctx.runQuery(internal.tools.http.calls.target, { callRowId });
    if (found === null) return { kind: "skipped" };
    const refusal = privateUrlRefusal(found.settings.url as string);
    if (refusal !== null) return { kind: "final", ok: false, error: refusal, code: "policy_denied" };
    if (found.secrets.length === 0) {
      return { kind: "final", ok: false, error: "The account has no tool signing secret; calls are never sent unsigned.", code: "policy_denied" };
    }
    const target: CallTarget = { ...found, args: JSON.parse(found.args) as Record<string, unknown> };
    const outcome = await sendAttempt(target);
    await ctx.runMutation(internal.tools.http.calls.recordAttempt, {
      callRowId,
      latencyMs: outcome.latencyMs,
      ...(outcome.kind !== "accepted" && outcome.statusCode !== undefined ? { statusCode: outcome.statusCode } : {}),
      ...(outcome.kind === "accepted" ? { statusCode: outcome.statusCode } : {}),
      ...(outcome.kind === "retry" || (outcome.kind === "final" && !outcome.ok) ? { error: outcome.error } : {}),
    });
    if (outcome.kind === "retry") throw new Error(outcome.error);
    if (outcome.kind === "accepted") return { kind: "accepted" };
    return outcome.ok ? { kind: "final", ok: true, result: outcome.result } : { kind: "final", ok: false, error: outcome.error, code: outcome.code };
  },
});
