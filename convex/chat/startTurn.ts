import { saveMessage } from "@convex-dev/agent";
import { components, internal } from "../_generated/api";
import type { Doc, Id } from "../_generated/dataModel";
import type { MutationCtx } from "../_generated/server";
import { budget } from "../lib/budget";
import { fail } from "../lib/errors";
import { isPlatformPaused } from "../ops/paused";
import { holdTurn, isMaintenanceOn } from "../ops/maintenance";
import { resolveAccountModel } from "../models/connectionStore";
import { defaultModelId } from "../models/registry";
import { assertServesChannel } from "../agents/channels";
import { usableAgent } from "./access";
import { requireAvailableAgent } from "../teams/availability";
import { chargedTeam } from "../teams/budgets";
import { freshRun } from "../runs/records";
import { requireAccountRate } from "../usage/accountRates";
import { MAX_MESSAGE_LENGTH } from "./validators";

/** A token bucket the caller is charged against before anything is written. */
export type SendRate = { name: string; key: string; rate: number; periodMs: number; capacity: number; message: string };

/**
 * Start one chat turn in a thread the caller may use: validates the prompt,
 * checks the platform and agent may run, takes one token from `rate`, saves
 * the user message, writes the `interactions` row and schedules the turn's
 * workflow. Every refusal happens before the first write.
 *
 * Shared by the SPA's `messages.send` and the HTTP API's channels/agent events;
 * callers have already checked that `userId` may write in `thread` in `accountId`.
 */
export async function startTurn(
  ctx: MutationCtx,
  args: {
    accountId: Id<"accounts">;
    userId: Id<"userProfiles">;
    thread: Doc<"threads">;
    text: string;
    rate: SendRate;
    /** The agent that answers when not the thread's own: one @mentioned in a shared conversation. */
    agentId?: Id<"agents">;
  },
): Promise<{ interactionId: Id<"interactions">; messageId: string }> {
  const { accountId, userId, thread } = args;
  const prompt = args.text.trim();
  if (prompt === "") fail("bad_request", "A message cannot be empty.");
  if (prompt.length > MAX_MESSAGE_LENGTH) fail("bad_request", `A message is at most ${MAX_MESSAGE_LENGTH} characters.`);
  if (thread.status !== "active") fail("conflict", "This thread is archived; restore it to continue.");
  if (await isPlatformPaused(ctx)) fail("policy_denied", "The platform is paused for maintenance; try again later.");
  const agent = await usableAgent(ctx, accountId, args.agentId ?? thread.agentId);
  await requireAvailableAgent(ctx, agent, userId); // an agent of other teams only: not_found, from every surface
  // The channel is the thread's: the app's own threads have no source.
  assertServesChannel(agent, thread.source ?? "app");
  const modelId = agent.modelId ?? defaultModelId();
  const model = await resolveAccountModel(ctx, accountId, modelId); // a model no provider serves: bad_request, nothing written
  const { message: rateMessage, ...bucket } = args.rate;
  const rate = await budget.consumeRate(ctx, bucket);
  if (!rate.ok) fail("rate_limited", rateMessage, { retryAfterMs: rate.retryAfterMs });
  await requireAccountRate(ctx, accountId, "turns"); // the account's turns per minute, every surface together

  const { messageId, message } = await saveMessage(ctx, components.agent, {
    threadId: thread.agentThreadId,
    userId,
    prompt,
  });
  const now = Date.now();
  const teamId = await chargedTeam(ctx, accountId, userId, agent); // whose team budget the run spends
  // Maintenance: the message and its run are saved, the run waits (queued) until maintenance ends.
  const held = await isMaintenanceOn(ctx);
  const interactionId = await ctx.db.insert("interactions", {
    kind: "turn",
    accountId,
    userId,
    agentId: agent._id,
    agentVersion: agent.version,
    ...(teamId !== undefined ? { teamId } : {}),
    threadId: thread._id,
    depth: 0,
    lineage: [agent._id],
    promptMessageId: messageId,
    promptText: prompt,
    promptOrder: message.order,
    modelId: model.modelId,
    modelLabel: model.label,
    ...freshRun(now),
    ...(held ? { heldForMaintenance: true } : {}),
  });
  // The workflow starts in its own transaction: starting one writes about
  // nine documents, and the send mutation stays small (fast acknowledgement).
  if (held) await holdTurn(ctx, interactionId);
  else await ctx.scheduler.runAfter(0, internal.chat.turn.start, { interactionId });
  await ctx.db.patch("threads", thread._id, { lastMessageAt: now });
  return { interactionId, messageId };
}
