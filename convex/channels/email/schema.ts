import { defineTable } from "convex/server";
import { v } from "convex/values";
import { vEmailInboundStatus, vEmailOutboxStatus, vEmailTransport, vKeptAttachment, vSkippedAttachment } from "./validators";

export const emailTables = {
  /**
   * An account's mailbox (Settings → Email): mail to `<agent slug>+<mailboxHash>@<domain>`
   * reaches that agent (Postmark puts the part after `+` in `MailboxHash`);
   * an address whose local part names no agent reaches `defaultAgentId`.
   */
  emailInboxes: defineTable({
    accountId: v.id("accounts"),
    mailboxHash: v.string(),
    defaultAgentId: v.id("agents"),
    enabled: v.boolean(),
    createdBy: v.id("userProfiles"),
    createdAt: v.number(),
  })
    .index("by_accountId", ["accountId"])
    .index("by_mailboxHash", ["mailboxHash"]),

  /** Every inbound mail Postmark delivered, stored before it is applied, once per Postmark `MessageID`. */
  emailInbound: defineTable({
    postmarkMessageId: v.string(),
    accountId: v.optional(v.id("accounts")),
    from: v.string(),
    subject: v.string(),
    /** The webhook's JSON, attachments' contents removed (their names, types and sizes kept). */
    body: v.string(),
    /** Text-like attachments' contents, decoded and bounded, apart from `body`. */
    attachmentTexts: v.array(v.object({ name: v.string(), text: v.string() })),
    /** Attachments knowledge can read, in file storage until `apply` adds them to the sender's knowledge (or deletes them). */
    attachmentFiles: v.optional(v.array(vKeptAttachment)),
    /** Attachments not read, with why (named in the stored message). Absent on rows from before: computed from `body`. */
    attachmentsSkipped: v.optional(v.array(vSkippedAttachment)),
    /** The text body without its quoted history, when Postmark found none to strip (replyText.ts). */
    visibleText: v.optional(v.string()),
    status: vEmailInboundStatus,
    outcome: v.optional(v.string()),
    lastError: v.optional(v.string()),
    receivedAt: v.number(),
  }).index("by_postmarkMessageId", ["postmarkMessageId"]),

  /** RFC 5322 Message-IDs of a conversation's mails, both ways: a reply's In-Reply-To/References find its thread. */
  emailMessageIds: defineTable({
    accountId: v.id("accounts"),
    messageId: v.string(),
    threadId: v.id("threads"),
  }).index("by_accountId_messageId", ["accountId", "messageId"]),

  /**
   * Mail the harness sends: replies to turns and short notices. `waiting`
   * until the turn ends; `held` when the deployment has no mail transport
   * (admins read it in Settings → Email, the local outbox).
   */
  emailOutbox: defineTable({
    accountId: v.id("accounts"),
    interactionId: v.optional(v.id("interactions")),
    from: v.string(),
    fromName: v.string(),
    to: v.string(),
    subject: v.string(),
    text: v.string(),
    messageId: v.string(),
    inReplyTo: v.optional(v.string()),
    references: v.array(v.string()),
    threadId: v.optional(v.id("threads")),
    status: vEmailOutboxStatus,
    transport: v.optional(vEmailTransport),
    providerMessageId: v.optional(v.string()),
    error: v.optional(v.string()),
    createdAt: v.number(),
    sentAt: v.optional(v.number()),
  })
    .index("by_interactionId", ["interactionId"])
    .index("by_accountId_createdAt", ["accountId", "createdAt"]),
};
