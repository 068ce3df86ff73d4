/**
 * Mail out. A turn started by mail gets a `waiting` outbox row and asks
 * outbound to call `replyForEndedRun` when the run ends (a run-end watcher,
 * outbound/runWatchers.ts); then the row takes the reply's text and is queued; `transport.send` delivers it through Postmark
 * or SMTP, or keeps it `held` in the local outbox when neither is configured.
 * Every mail carries its own Message-ID and the conversation's In-Reply-To /
 * References, so the person's mail client threads it and their next reply
 * finds the same conversation.
 */
import { vOnCompleteArgs } from "@convex-dev/workpool";
import { createFunctionHandle } from "convex/server";
import { v } from "convex/values";
import { internal } from "../../_generated/api";
import type { Doc, Id } from "../../_generated/dataModel";
import { internalMutation, internalQuery, type MutationCtx } from "../../_generated/server";
import { env } from "../../lib/env";
import { finalReply } from "../../outbound/events";
import { watchRunEnd } from "../../outbound/runWatchers";
import { channelPool } from "../pool";
import { vEmailTransport } from "./validators";

export const MAIL_RETRY = { maxAttempts: 5, initialBackoffMs: 2_000, base: 4 } as const;

/** The domain of the harness's addresses (`HARNESS_EMAIL_DOMAIN`); locally a name that never resolves. */
export function mailDomain(): string {
  return env.emailDomain() ?? "harness.localhost";
}

/** An agent's address in an account's mailbox. */
export function agentAddress(agentSlug: string, mailboxHash: string): string {
  return `${agentSlug}+${mailboxHash}@${mailDomain()}`;
}

export type NewMail = {
  accountId: Id<"accounts">;
  from: string;
  fromName: string;
  to: string;
  subject: string;
  text: string;
  inReplyTo?: string;
  references: string[];
  threadId?: Id<"threads">;
  interactionId?: Id<"interactions">;
};

/** Insert an outbox row; `waiting` ones (a turn's reply) are queued when the turn ends. */
export async function queueMail(ctx: MutationCtx, mail: NewMail, waiting = false): Promise<Id<"emailOutbox">> {
  const id = await ctx.db.insert("emailOutbox", {
    ...mail,
    messageId: `<pending@${mailDomain()}>`,
    status: waiting ? "waiting" : "queued",
    createdAt: Date.now(),
  });
  // Our own Message-ID, derived from the row: stable across retries of the send.
  const messageId = `<harness.${id}@${mailDomain()}>`;
  await ctx.db.patch("emailOutbox", id, { messageId });
  if (mail.threadId !== undefined) await ctx.db.insert("emailMessageIds", { accountId: mail.accountId, messageId, threadId: mail.threadId });
  if (!waiting) await enqueueSend(ctx, id);
  else if (mail.interactionId !== undefined) await replyWhenRunEnds(ctx, mail.interactionId);
  return id;
}

/** The mail waiting for this run is answered when the run ends (outbound/runWatchers.ts calls `replyForEndedRun`). */
export async function replyWhenRunEnds(ctx: MutationCtx, interactionId: Id<"interactions">): Promise<void> {
  await watchRunEnd(ctx, interactionId, await createFunctionHandle(internal.channels.email.outbound.replyForEndedRun));
}

async function enqueueSend(ctx: MutationCtx, outboxId: Id<"emailOutbox">) {
  await channelPool.enqueueAction(ctx, internal.channels.email.transport.send, { outboxId }, { retry: MAIL_RETRY, onComplete: internal.channels.email.outbound.sendDone, context: { outboxId } });
}

/**
 * A run that came by mail ended (`replyText`: its final reply, if any): the
 * mail waiting for it takes the text, or the failure in words, and is queued.
 */
async function emailReplyForRun(ctx: MutationCtx, run: Doc<"interactions">, replyText: string | null): Promise<void> {
  const waiting = await ctx.db
    .query("emailOutbox")
    .withIndex("by_interactionId", (q) => q.eq("interactionId", run._id))
    .first();
  if (waiting === null || waiting.status !== "waiting") return;
  const text =
    replyText !== null && replyText.trim() !== ""
      ? replyText
      : run.status === "failed"
        ? `Sorry — I could not answer this one: ${run.error?.message ?? "the run failed."}`
        : run.status === "cancelled"
          ? "The reply to your message was stopped before it finished."
          : "I finished without a reply to send.";
  await ctx.db.patch("emailOutbox", waiting._id, { text, status: "queued" });
  await enqueueSend(ctx, waiting._id);
}

/** The run-end watcher `queueMail` registers for a turn that came by mail. */
export const replyForEndedRun = internalMutation({
  args: { interactionId: v.id("interactions") },
  returns: v.null(),
  handler: async (ctx, { interactionId }) => {
    const run = await ctx.db.get("interactions", interactionId);
    if (run === null) return null;
    const thread = run.threadId !== undefined ? await ctx.db.get("threads", run.threadId) : null;
    const reply = run.status === "completed" && thread !== null ? await finalReply(ctx, run, thread) : null;
    await emailReplyForRun(ctx, run, reply?.text ?? null);
    return null;
  },
});

/** What `transport.send` needs; null when the row is not queued (already sent, held, or gone). */
export const toSend = internalQuery({
  args: { outboxId: v.id("emailOutbox") },
  returns: v.union(
    v.null(),
    v.object({ from: v.string(), fromName: v.string(), to: v.string(), subject: v.string(), text: v.string(), messageId: v.string(), inReplyTo: v.optional(v.string()), references: v.array(v.string()) }),
  ),
  handler: async (ctx, { outboxId }) => {
    const row = await ctx.db.get("emailOutbox", outboxId);
    if (row === null || row.status !== "queued") return null;
    return {
      from: row.from,
      fromName: row.fromName,
      to: row.to,
      subject: row.subject,
      text: row.text,
      messageId: row.messageId,
      ...(row.inReplyTo !== undefined ? { inReplyTo: row.inReplyTo } : {}),
      references: row.references,
    };
  },
});

export const recordSent = internalMutation({
  args: { outboxId: v.id("emailOutbox"), transport: vEmailTransport, providerMessageId: v.optional(v.string()) },
  returns: v.null(),
  handler: async (ctx, { outboxId, transport, providerMessageId }) => {
    const row = await ctx.db.get("emailOutbox", outboxId);
    if (row === null || row.status !== "queued") return null;
    await ctx.db.patch("emailOutbox", outboxId, {
      status: transport === "outbox" ? "held" : "sent",
      transport,
      ...(providerMessageId !== undefined ? { providerMessageId } : {}),
      sentAt: Date.now(),
    });
    return null;
  },
});

/** A send that kept failing (or was refused by the provider): the row says why. */
export const sendDone = internalMutation({
  args: vOnCompleteArgs(v.object({ outboxId: v.id("emailOutbox") })),
  returns: v.null(),
  handler: async (ctx, { context: { outboxId }, result }) => {
    if (result.kind === "success") return null;
    const row = await ctx.db.get("emailOutbox", outboxId);
    if (row === null || row.status !== "queued") return null;
    const error = result.kind === "failed" ? result.error.slice(0, 500) : "The send was canceled.";
    await ctx.db.patch("emailOutbox", outboxId, { status: "failed", error });
    console.error(JSON.stringify({ event: "email.send_failed", outboxId, error }));
    return null;
  },
});
