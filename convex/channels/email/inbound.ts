/**
 * Mail in: `receive` stores a Postmark inbound message once per Postmark
 * `MessageID` (Postmark retries a webhook that did not answer 200) and queues
 * `apply`, which in one transaction finds the account's mailbox and the agent
 * from the address, the member from the sender, the conversation from
 * In-Reply-To/References, and starts the turn; the reply is queued as mail
 * when the turn ends (outbound.ts). A sender who is not a member gets one
 * short notice a day at most; a mail failing SPF gets nothing.
 */
import { createThread } from "@convex-dev/agent";
import { vOnCompleteArgs } from "@convex-dev/workpool";
import { v } from "convex/values";
import { components, internal } from "../../_generated/api";
import type { Doc, Id } from "../../_generated/dataModel";
import { internalMutation, type MutationCtx } from "../../_generated/server";
import { budget } from "../../lib/budget";
import { isHarnessError } from "../../lib/errors";
import { SEND_RATE } from "../../usage/rates";
import { startTurn } from "../../chat/startTurn";
import { MAX_MESSAGE_LENGTH } from "../../chat/validators";
import { channelPool } from "../pool";
import { agentAddress, queueMail } from "./outbound";
import { parsePostmarkInbound, replySubject, type ParsedMail } from "./postmark";
import { addToKnowledge, describeSkipped, discardKept } from "./attachments";
import { vKeptAttachment, vSkippedAttachment, type SkippedAttachment } from "./validators";
import type { Role } from "../../lib/validators";

const MAX_OUTCOME_LENGTH = 500;
const MAX_TITLE_LENGTH = 60;
/** A sender who is not a member hears so at most once a day (no mail loops, no backscatter storms). */
const NOTICE_RATE = { rate: 1, periodMs: 24 * 60 * 60_000, capacity: 1 };
const SPF_REFUSED = new Set(["fail", "softfail"]);

export const receive = internalMutation({
  args: {
    body: v.string(),
    attachmentTexts: v.array(v.object({ name: v.string(), text: v.string() })),
    attachmentFiles: v.optional(v.array(vKeptAttachment)),
    attachmentsSkipped: v.optional(v.array(vSkippedAttachment)),
    visibleText: v.optional(v.string()),
  },
  returns: v.union(v.literal("stored"), v.literal("duplicate")),
  handler: async (ctx, { body, attachmentTexts, attachmentFiles, attachmentsSkipped, visibleText }) => {
    const mail = parsePostmarkInbound(JSON.parse(body));
    const existing = await ctx.db
      .query("emailInbound")
      .withIndex("by_postmarkMessageId", (q) => q.eq("postmarkMessageId", mail.postmarkMessageId))
      .first();
    if (existing !== null) return "duplicate";
    const rowId = await ctx.db.insert("emailInbound", {
      postmarkMessageId: mail.postmarkMessageId,
      from: mail.fromEmail,
      subject: mail.subject.slice(0, 300),
      body,
      attachmentTexts,
      ...(attachmentFiles !== undefined ? { attachmentFiles } : {}),
      ...(attachmentsSkipped !== undefined ? { attachmentsSkipped } : {}),
      ...(visibleText !== undefined ? { visibleText } : {}),
      status: "pending",
      receivedAt: Date.now(),
    });
    await channelPool.enqueueMutation(ctx, internal.channels.email.inbound.apply, { rowId }, { onComplete: internal.channels.email.inbound.applyDone, context: { rowId } });
    return "stored";
  },
});

/** The account's mailbox one of the recipients names, with the local part used. */
async function mailboxOf(ctx: MutationCtx, mail: ParsedMail): Promise<{ inbox: Doc<"emailInboxes">; local: string } | null> {
  for (const { local, hash } of mail.recipients) {
    if (hash === "") continue;
    const inbox = await ctx.db
      .query("emailInboxes")
      .withIndex("by_mailboxHash", (q) => q.eq("mailboxHash", hash.toLowerCase()))
      .first();
    if (inbox !== null && inbox.enabled) return { inbox, local };
  }
  return null;
}

/** The agent the local part names in the account, else the mailbox's default. */
async function agentFor(ctx: MutationCtx, inbox: Doc<"emailInboxes">, local: string): Promise<Doc<"agents"> | null> {
  const named =
    local === ""
      ? null
      : await ctx.db
          .query("agents")
          .withIndex("by_accountId_slug", (q) => q.eq("accountId", inbox.accountId).eq("slug", local))
          .unique();
  const agent = named ?? (await ctx.db.get("agents", inbox.defaultAgentId));
  return agent !== null && agent.status !== "archived" ? agent : null;
}

/** The active member of the account whose profile has this address, with their role there. */
async function memberBySender(ctx: MutationCtx, accountId: Id<"accounts">, email: string): Promise<(Doc<"userProfiles"> & { role: Role }) | null> {
  const profiles = await ctx.db
    .query("userProfiles")
    .withIndex("by_email", (q) => q.eq("email", email))
    .take(5);
  for (const profile of profiles) {
    if (profile.status !== "active") continue;
    const membership = await ctx.db
      .query("memberships")
      .withIndex("by_userId_accountId", (q) => q.eq("userId", profile._id).eq("accountId", accountId))
      .first();
    if (membership !== null && membership.status === "active" && membership.role !== "readonly") return { ...profile, role: membership.role };
  }
  return null;
}

/** The conversation a reply continues: any earlier Message-ID it names, in this account, for this member and agent. */
async function threadOf(ctx: MutationCtx, accountId: Id<"accounts">, mail: ParsedMail, userId: Id<"userProfiles">, agentId: Id<"agents">): Promise<Doc<"threads"> | null> {
  const ids = [...(mail.inReplyTo !== null ? [mail.inReplyTo] : []), ...[...mail.references].reverse()];
  for (const messageId of ids.slice(0, 20)) {
    const known = await ctx.db
      .query("emailMessageIds")
      .withIndex("by_accountId_messageId", (q) => q.eq("accountId", accountId).eq("messageId", messageId))
      .first();
    if (known === null) continue;
    const thread = await ctx.db.get("threads", known.threadId);
    if (thread !== null && thread.userId === userId && thread.agentId === agentId && thread.status === "active") return thread;
  }
  return null;
}

async function newThread(ctx: MutationCtx, accountId: Id<"accounts">, userId: Id<"userProfiles">, agentId: Id<"agents">, subject: string): Promise<Doc<"threads">> {
  const title = (subject || "Email conversation").slice(0, MAX_TITLE_LENGTH);
  const agentThreadId = await createThread(ctx, components.agent, { userId, title });
  const threadId = await ctx.db.insert("threads", { accountId, userId, agentId, agentThreadId, title, status: "active", lastMessageAt: Date.now(), source: "email" });
  return (await ctx.db.get("threads", threadId))!;
}

/** Attachments not read, named: with why (rows since attachments go to knowledge), or as before. */
function unreadList(mail: ParsedMail, texts: { name: string; text: string }[], skipped: SkippedAttachment[] | undefined): string | null {
  if (skipped !== undefined) return skipped.length === 0 ? null : `Attachments not read: ${skipped.map(describeSkipped).join("; ")}.`;
  const unread = mail.attachments.filter((a) => !texts.some((t) => t.name === a.name));
  if (unread.length === 0) return null;
  return `Also attached, not read (not a text file): ${unread.map((a) => `${a.name} (${a.contentType}, ${a.size.toLocaleString("en-US")} bytes)`).join(", ")}.`;
}

/** The prompt: the new text, the read attachments after it, what went to knowledge, the others named. */
function promptOf(mail: ParsedMail, texts: { name: string; text: string }[], files: { saved: string[]; skipped?: SkippedAttachment[] }): string {
  const parts = [mail.text];
  for (const { name, text } of texts) parts.push(`Attached file ${name}:\n\`\`\`\n${text}\n\`\`\``);
  if (files.saved.length > 0) parts.push(`Saved to your knowledge: ${files.saved.join(", ")}.`);
  const unread = unreadList(mail, texts, files.skipped);
  if (unread !== null) parts.push(unread);
  const prompt = parts.filter((p) => p.trim() !== "").join("\n\n");
  return prompt.length > MAX_MESSAGE_LENGTH ? prompt.slice(0, MAX_MESSAGE_LENGTH) : prompt;
}

/** `filesUsed`: the kept attachments went to the member's knowledge (otherwise they are deleted). */
type Outcome = { status: "processed" | "ignored"; outcome: string; accountId?: Id<"accounts">; filesUsed?: true };

/** What one stored mail asks, done: the outcome support staff see on the row. */
async function applyMail(ctx: MutationCtx, row: Doc<"emailInbound">): Promise<Outcome> {
  const mail = parsePostmarkInbound(JSON.parse(row.body), row.visibleText);
  const found = await mailboxOf(ctx, mail);
  if (found === null) return { status: "ignored", outcome: "no mailbox of this deployment among the recipients" };
  const { inbox, local } = found;
  const accountId = inbox.accountId;
  if (mail.spf !== null && SPF_REFUSED.has(mail.spf)) return { status: "ignored", outcome: `refused: SPF ${mail.spf}`, accountId };
  const agent = await agentFor(ctx, inbox, local);
  if (agent === null) return { status: "ignored", outcome: "no agent answers at this address", accountId };
  const reply = {
    accountId,
    from: agentAddress(agent.slug, inbox.mailboxHash),
    fromName: agent.name,
    to: mail.fromEmail,
    subject: replySubject(mail.subject),
    ...(mail.messageId !== null ? { inReplyTo: mail.messageId } : {}),
    references: [...mail.references, ...(mail.messageId !== null ? [mail.messageId] : [])],
  };

  const member = await memberBySender(ctx, accountId, mail.fromEmail);
  if (member === null) {
    const notice = await budget.consumeRate(ctx, { name: "emailNotice", key: `${inbox._id}:${mail.fromEmail}`, ...NOTICE_RATE });
    if (!notice.ok) return { status: "processed", outcome: "refused: not a member (notice already sent today)", accountId };
    await queueMail(ctx, { ...reply, text: `Your message to ${agent.name} was not delivered: ${mail.fromEmail} is not a member of this workspace. If you are, send it from your account's address.` });
    return { status: "processed", outcome: "refused: not a member (notice sent)", accountId };
  }
  const files = await addToKnowledge(ctx, { userId: member._id, role: member.role, isPlatformAdmin: member.isPlatformAdmin }, accountId, row.attachmentFiles ?? [], mail.subject);
  const skipped = row.attachmentsSkipped === undefined ? undefined : [...row.attachmentsSkipped, ...files.refused];
  const prompt = promptOf(mail, row.attachmentTexts, { saved: files.saved, ...(skipped !== undefined ? { skipped } : {}) });
  if (prompt.trim() === "") {
    await queueMail(ctx, { ...reply, text: "Your message had no text I could read. Write your question in the body of the mail." });
    return { status: "processed", outcome: "refused: empty", accountId, filesUsed: true };
  }
  const thread = (await threadOf(ctx, accountId, mail, member._id, agent._id)) ?? (await newThread(ctx, accountId, member._id, agent._id, mail.subject));
  if (mail.messageId !== null) await ctx.db.insert("emailMessageIds", { accountId, messageId: mail.messageId, threadId: thread._id });
  try {
    const { interactionId } = await startTurn(ctx, {
      accountId,
      userId: member._id,
      thread,
      text: prompt,
      rate: { name: "send", key: member._id, ...SEND_RATE, message: "You are sending messages too quickly; wait a moment." },
    });
    // The reply's row waits for the turn; the run-ended hook fills it in and sends it.
    await queueMail(ctx, { ...reply, text: "", threadId: thread._id, interactionId }, true);
    return { status: "processed", outcome: `turn ${interactionId}`, accountId, filesUsed: true };
  } catch (error) {
    // startTurn refuses before its first write: say why, by mail.
    if (!isHarnessError(error)) throw error;
    await queueMail(ctx, { ...reply, text: `Sorry — ${error.data.message}`, threadId: thread._id });
    return { status: "processed", outcome: `refused: ${error.data.code}`, accountId, filesUsed: true };
  }
}

export const apply = internalMutation({
  args: { rowId: v.id("emailInbound") },
  returns: v.null(),
  handler: async (ctx, { rowId }) => {
    const row = await ctx.db.get("emailInbound", rowId);
    if (row === null || row.status !== "pending") return null;
    const { status, outcome, accountId, filesUsed } = await applyMail(ctx, row);
    // Kept attachments now belong to knowledge documents, or to nobody.
    if (filesUsed !== true) await discardKept(ctx, row.attachmentFiles ?? []);
    await ctx.db.patch("emailInbound", rowId, {
      status,
      outcome: outcome.slice(0, MAX_OUTCOME_LENGTH),
      ...(accountId !== undefined ? { accountId } : {}),
      ...(row.attachmentFiles !== undefined ? { attachmentFiles: undefined } : {}),
    });
    return null;
  },
});

export const applyDone = internalMutation({
  args: vOnCompleteArgs(v.object({ rowId: v.id("emailInbound") })),
  returns: v.null(),
  handler: async (ctx, { context: { rowId }, result }) => {
    if (result.kind === "success") return null;
    const row = await ctx.db.get("emailInbound", rowId);
    if (row === null || row.status !== "pending") return null;
    const lastError = result.kind === "failed" ? result.error.slice(0, MAX_OUTCOME_LENGTH) : "Processing was canceled.";
    await ctx.db.patch("emailInbound", rowId, { status: "failed", lastError });
    console.error(JSON.stringify({ event: "email.inbound_failed", postmarkMessageId: row.postmarkMessageId, error: lastError }));
    return null;
  },
});
