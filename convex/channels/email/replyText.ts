"use node";
/**
 * The new text of a mail whose quoted history Postmark did not strip:
 * `email-reply-parser` (a port of GitHub's email_reply_parser) drops the
 * "On … wrote:" block, quoted lines and signatures. A Node action because
 * the library loads Node's `module` (to use `re2` when present).
 */
import EmailReplyParser from "email-reply-parser";
import { v } from "convex/values";
import { internalAction } from "../../_generated/server";

export const visibleText = internalAction({
  args: { text: v.string() },
  returns: v.string(),
  handler: async (_ctx, { text }) => new EmailReplyParser().parseReply(text).trim(),
});
