"use node";
/**
 * Sending one outbox mail through the deployment's transport:
 * - Postmark (`POSTMARK_SERVER_TOKEN`), with the official `postmark` client;
 * - SMTP (`SMTP_URL`, e.g. smtps://user:pass@smtp.example.com:465), with `nodemailer`;
 * - neither: the mail stays in the local outbox (`held`), readable by admins in Settings → Email.
 * A Node action because nodemailer needs Node's sockets. The Message-ID is
 * the row's own, so a retried send is the same mail to the receiving side.
 */
import nodemailer from "nodemailer";
import { ServerClient } from "postmark";
import { v } from "convex/values";
import { internal } from "../../_generated/api";
import { internalAction } from "../../_generated/server";
import { env } from "../../lib/env";

type Mail = { from: string; fromName: string; to: string; subject: string; text: string; messageId: string; inReplyTo?: string; references: string[] };

/** `"Name" <address>`, with the name's quotes and backslashes escaped. */
function mailbox(name: string, address: string): string {
  return `"${name.replace(/["\\]/g, (c) => `\\${c}`)}" <${address}>`;
}

function threadingHeaders(mail: Mail): { Name: string; Value: string }[] {
  return [
    { Name: "Message-ID", Value: mail.messageId },
    ...(mail.inReplyTo !== undefined ? [{ Name: "In-Reply-To", Value: mail.inReplyTo }] : []),
    ...(mail.references.length > 0 ? [{ Name: "References", Value: mail.references.join(" ") }] : []),
  ];
}

async function viaPostmark(token: string, mail: Mail): Promise<string> {
  const api = env.postmarkApiUrl();
  const url = api !== undefined ? new URL(api) : null;
  const client = new ServerClient(token, url !== null ? { useHttps: url.protocol === "https:", requestHost: url.host, timeout: 30 } : { timeout: 30 });
  const answer = await client.sendEmail({
    From: mailbox(mail.fromName, mail.from),
    To: mail.to,
    Subject: mail.subject,
    TextBody: mail.text,
    Headers: threadingHeaders(mail),
    MessageStream: "outbound",
  });
  return answer.MessageID;
}

async function viaSmtp(smtpUrl: string, mail: Mail): Promise<string> {
  const transporter = nodemailer.createTransport(smtpUrl);
  try {
    const info = await transporter.sendMail({
      from: { name: mail.fromName, address: mail.from },
      to: mail.to,
      subject: mail.subject,
      text: mail.text,
      messageId: mail.messageId,
      ...(mail.inReplyTo !== undefined ? { inReplyTo: mail.inReplyTo } : {}),
      ...(mail.references.length > 0 ? { references: mail.references } : {}),
    });
    return String(info.messageId ?? mail.messageId);
  } finally {
    transporter.close();
  }
}

export const send = internalAction({
  args: { outboxId: v.id("emailOutbox") },
  returns: v.null(),
  handler: async (ctx, { outboxId }) => {
    const mail = await ctx.runQuery(internal.channels.email.outbound.toSend, { outboxId });
    if (mail === null) return null;
    const postmarkToken = env.postmarkServerToken();
    const smtpUrl = env.smtpUrl();
    if (postmarkToken !== undefined) {
      const providerMessageId = await viaPostmark(postmarkToken, mail);
      await ctx.runMutation(internal.channels.email.outbound.recordSent, { outboxId, transport: "postmark", providerMessageId });
    } else if (smtpUrl !== undefined) {
      const providerMessageId = await viaSmtp(smtpUrl, mail);
      await ctx.runMutation(internal.channels.email.outbound.recordSent, { outboxId, transport: "smtp", providerMessageId });
    } else {
      await ctx.runMutation(internal.channels.email.outbound.recordSent, { outboxId, transport: "outbox" });
    }
    return null;
  },
});
