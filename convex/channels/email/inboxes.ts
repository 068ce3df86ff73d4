/**
 * Settings → Email: an admin turns on the account's mailbox (a random
 * mailbox hash, so addresses cannot be guessed) and picks the agent that
 * answers when the address names none; every member sees the addresses.
 * Admins read the account's outbound mail, which is where it stays when the
 * deployment has no mail transport (the local outbox).
 */
import { v } from "convex/values";
import type { Doc, Id } from "../../_generated/dataModel";
import type { QueryCtx } from "../../_generated/server";
import { fieldChanges } from "../../audit/diff";
import { writeAudit } from "../../audit/write";
import { env } from "../../lib/env";
import { fail } from "../../lib/errors";
import { accountMutation, accountQuery } from "../../lib/functions";
import { agentAddress, mailDomain } from "./outbound";
import { vEmailOutboxStatus, vEmailTransport } from "./validators";

export const EMAIL_INBOX_TARGET = "email_inbox";
const OUTBOX_PAGE = 50;

async function inboxOf(ctx: QueryCtx, accountId: Id<"accounts">): Promise<Doc<"emailInboxes"> | null> {
  return await ctx.db
    .query("emailInboxes")
    .withIndex("by_accountId", (q) => q.eq("accountId", accountId))
    .first();
}

function mailboxHash(): string {
  const alphabet = "abcdefghijkmnpqrstuvwxyz23456789";
  const buffer = new Uint8Array(12);
  crypto.getRandomValues(buffer);
  return Array.from(buffer, (b) => alphabet[b % alphabet.length]).join("");
}

const vMailbox = v.union(
  v.null(),
  v.object({
    enabled: v.boolean(),
    defaultAgentId: v.id("agents"),
    /** The default agent's address, and each active agent's. */
    addresses: v.array(v.object({ agentId: v.id("agents"), agentName: v.string(), address: v.string() })),
    /** How mail leaves this deployment: Postmark, SMTP, or kept in the outbox here. */
    transport: vEmailTransport,
    inboundConfigured: v.boolean(),
  }),
);

export function configuredTransport(): "postmark" | "smtp" | "outbox" {
  return env.postmarkServerToken() !== undefined ? "postmark" : env.smtpUrl() !== undefined ? "smtp" : "outbox";
}

export const mailbox = accountQuery({
  args: {},
  returns: vMailbox,
  handler: async (ctx, { accountId }) => {
    const inbox = await inboxOf(ctx, accountId);
    if (inbox === null) return null;
    const agents = await ctx.db
      .query("agents")
      .withIndex("by_accountId_slug", (q) => q.eq("accountId", accountId))
      .take(100);
    return {
      enabled: inbox.enabled,
      defaultAgentId: inbox.defaultAgentId,
      addresses: agents.filter((a) => a.status === "active").map((a) => ({ agentId: a._id, agentName: a.name, address: agentAddress(a.slug, inbox.mailboxHash) })),
      transport: configuredTransport(),
      inboundConfigured: env.emailInboundSecret() !== undefined,
    };
  },
});

/** Turn the mailbox on (creating it the first time) or off, and choose its default agent. Audited. */
export const configure = accountMutation({
  minRole: "admin",
  args: { enabled: v.boolean(), defaultAgentId: v.string() },
  returns: v.null(),
  handler: async (ctx, { accountId, enabled, defaultAgentId }) => {
    const agentId = ctx.db.normalizeId("agents", defaultAgentId);
    const agent = agentId === null ? null : await ctx.db.get("agents", agentId);
    if (agent === null || agent.accountId !== accountId || agent.status === "archived") fail("not_found", "Agent not found.", { field: "defaultAgentId" });
    const inbox = await inboxOf(ctx, accountId);
    if (inbox === null) {
      await ctx.db.insert("emailInboxes", { accountId, mailboxHash: mailboxHash(), defaultAgentId: agent._id, enabled, createdBy: ctx.user._id, createdAt: Date.now() });
    } else {
      await ctx.db.patch("emailInboxes", inbox._id, { enabled, defaultAgentId: agent._id });
    }
    await writeAudit(ctx, {
      accountId,
      actorUserId: ctx.user._id,
      actorRole: ctx.membership.role,
      action: enabled ? "email_inbox.enable" : "email_inbox.disable",
      targetKind: EMAIL_INBOX_TARGET,
      targetId: accountId,
      reason: enabled ? `mail to ${mailDomain()} answered by ${agent.name}` : "mailbox turned off",
      details: { defaultAgentId: agent._id },
      surface: "spa",
      changes: fieldChanges(inbox, await inboxOf(ctx, accountId)),
    });
    return null;
  },
});

const vOutboxMail = v.object({
  outboxId: v.id("emailOutbox"),
  from: v.string(),
  to: v.string(),
  subject: v.string(),
  text: v.string(),
  messageId: v.string(),
  inReplyTo: v.optional(v.string()),
  status: vEmailOutboxStatus,
  transport: v.optional(vEmailTransport),
  error: v.optional(v.string()),
  createdAt: v.number(),
  sentAt: v.optional(v.number()),
});

/** The account's newest outbound mail (admins): sent, held in the local outbox, waiting for a turn, or failed with the reason. */
export const outbox = accountQuery({
  minRole: "admin",
  args: {},
  returns: v.array(vOutboxMail),
  handler: async (ctx, { accountId }) => {
    const rows = await ctx.db
      .query("emailOutbox")
      .withIndex("by_accountId_createdAt", (q) => q.eq("accountId", accountId))
      .order("desc")
      .take(OUTBOX_PAGE);
    return rows.map((r) => ({
      outboxId: r._id,
      from: r.from,
      to: r.to,
      subject: r.subject,
      text: r.text,
      messageId: r.messageId,
      ...(r.inReplyTo !== undefined ? { inReplyTo: r.inReplyTo } : {}),
      status: r.status,
      ...(r.transport !== undefined ? { transport: r.transport } : {}),
      ...(r.error !== undefined ? { error: r.error } : {}),
      createdAt: r.createdAt,
      ...(r.sentAt !== undefined ? { sentAt: r.sentAt } : {}),
    }));
  },
});
