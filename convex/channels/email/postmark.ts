/**
 * Postmark's inbound webhook JSON
 * (https://postmarkapp.com/developer/webhooks/inbound-webhook), read into
 * what the harness needs: who wrote, to which mailbox, the new text without
 * the quoted history, the RFC Message-ID and threading headers, the SPF
 * verdict, and the attachments. Pure, so each documented field is tested alone.
 */
export type PostmarkRecipient = { Email: string; Name?: string; MailboxHash?: string };
export type PostmarkAttachment = { Name: string; Content?: string; ContentType: string; ContentLength: number };
export type PostmarkInbound = {
  MessageID: string;
  From: string;
  FromName?: string;
  FromFull?: PostmarkRecipient;
  To?: string;
  ToFull?: PostmarkRecipient[];
  CcFull?: PostmarkRecipient[];
  MailboxHash?: string;
  Subject?: string;
  TextBody?: string;
  HtmlBody?: string;
  StrippedTextReply?: string;
  Headers?: { Name: string; Value: string }[];
  Attachments?: PostmarkAttachment[];
};

/** A text-like attachment is read into the conversation, up to this many characters each. */
export const MAX_ATTACHMENT_TEXT = 20_000;
/** At most this many attachments are read; the rest are listed. */
export const MAX_READ_ATTACHMENTS = 3;
const TEXT_TYPES = /^(text\/|application\/(json|xml|csv|x-yaml|yaml|markdown))/i;
const TEXT_NAMES = /\.(txt|md|markdown|csv|json|ya?ml|xml|log)$/i;

export type ParsedMail = {
  postmarkMessageId: string;
  fromEmail: string;
  fromName: string;
  /** Each recipient's local part (before `+`) and mailbox hash (after it). */
  recipients: { local: string; hash: string }[];
  subject: string;
  /** The new text of the mail, quoted history removed. */
  text: string;
  messageId: string | null;
  inReplyTo: string | null;
  references: string[];
  /** `Received-SPF`'s verdict (pass, fail, softfail, neutral, none…), lower-cased; null when absent. */
  spf: string | null;
  attachments: { name: string; contentType: string; size: number; readable: boolean }[];
};

export class MalformedMail extends Error {}

function header(mail: PostmarkInbound, name: string): string | null {
  const found = (mail.Headers ?? []).find((h) => h.Name.toLowerCase() === name.toLowerCase());
  return found ? found.Value.trim() : null;
}

/** `<a@b> <c@d>` → ["<a@b>", "<c@d>"]. */
export function messageIdsIn(value: string | null): string[] {
  return value === null ? [] : (value.match(/<[^<>\s]+>/g) ?? []);
}

function recipient(address: PostmarkRecipient): { local: string; hash: string } {
  const local = (address.Email.split("@")[0] ?? "").toLowerCase();
  const plus = local.indexOf("+");
  const hash = address.MailboxHash ?? (plus >= 0 ? local.slice(plus + 1) : "");
  return { local: plus >= 0 ? local.slice(0, plus) : local, hash };
}

/** HTML mail without a text part: tags dropped, entities for the common characters decoded. */
function textOfHtml(html: string): string {
  return html
    .replace(/<(script|style)[\s\S]*?<\/\1>/gi, "")
    .replace(/<br\s*\/?>|<\/(p|div|li|h\d)>/gi, "\n")
    .replace(/<[^>]+>/g, "")
    .replace(/&nbsp;/g, " ")
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, "&")
    .replace(/\n{3,}/g, "\n\n")
    .trim();
}

/** Whether the text body still needs its quoted history parsed away (Postmark found no reply to strip). */
export function needsReplyParsing(mail: PostmarkInbound): boolean {
  return (mail.StrippedTextReply ?? "").trim() === "" && (mail.TextBody ?? "").trim() !== "";
}

/**
 * The new text: Postmark's `StrippedTextReply` when it found one, else
 * `visibleText` (the text body with quoted history parsed away: replyText.ts),
 * else the whole text (or HTML) body.
 */
function newText(mail: PostmarkInbound, visibleText: string | undefined): string {
  const stripped = (mail.StrippedTextReply ?? "").trim();
  if (stripped !== "") return stripped;
  if (visibleText !== undefined && visibleText.trim() !== "") return visibleText.trim();
  return (mail.TextBody ?? "").trim() || textOfHtml(mail.HtmlBody ?? "");
}

export function isReadableAttachment(attachment: PostmarkAttachment): boolean {
  return TEXT_TYPES.test(attachment.ContentType) || TEXT_NAMES.test(attachment.Name);
}

export function parsePostmarkInbound(json: unknown, visibleText?: string): ParsedMail {
  const mail = json as PostmarkInbound;
  if (typeof mail !== "object" || mail === null || typeof mail.MessageID !== "string" || typeof mail.From !== "string") {
    throw new MalformedMail("The body is not a Postmark inbound message (no MessageID or From).");
  }
  const fromEmail = (mail.FromFull?.Email ?? mail.From).trim().toLowerCase();
  const to = [...(mail.ToFull ?? []), ...(mail.CcFull ?? [])].filter((r) => typeof r?.Email === "string").map(recipient);
  if (to.length === 0 && mail.MailboxHash) to.push({ local: "", hash: mail.MailboxHash });
  const spf = header(mail, "Received-SPF");
  return {
    postmarkMessageId: mail.MessageID,
    fromEmail,
    fromName: (mail.FromFull?.Name ?? mail.FromName ?? "").trim() || fromEmail,
    recipients: to,
    subject: (mail.Subject ?? "").trim(),
    text: newText(mail, visibleText),
    messageId: messageIdsIn(header(mail, "Message-ID"))[0] ?? null,
    inReplyTo: messageIdsIn(header(mail, "In-Reply-To"))[0] ?? null,
    references: messageIdsIn(header(mail, "References")),
    spf: spf === null ? null : (spf.split(/[\s(;]/)[0] ?? "").toLowerCase(),
    attachments: (mail.Attachments ?? []).map((a) => ({ name: a.Name, contentType: a.ContentType, size: a.ContentLength, readable: isReadableAttachment(a) })),
  };
}

/** Text-like attachments decoded (base64 → UTF-8), bounded; the body without any attachment's contents. */
export function splitAttachments(json: PostmarkInbound): { body: string; texts: { name: string; text: string }[] } {
  const texts: { name: string; text: string }[] = [];
  for (const attachment of json.Attachments ?? []) {
    if (texts.length >= MAX_READ_ATTACHMENTS || !isReadableAttachment(attachment) || !attachment.Content) continue;
    const bytes = Uint8Array.from(atob(attachment.Content), (c) => c.charCodeAt(0));
    const text = new TextDecoder("utf-8", { fatal: false }).decode(bytes);
    texts.push({ name: attachment.Name, text: text.length > MAX_ATTACHMENT_TEXT ? `${text.slice(0, MAX_ATTACHMENT_TEXT)}\n[… cut at ${MAX_ATTACHMENT_TEXT.toLocaleString("en-US")} characters]` : text });
  }
  const body = JSON.stringify({ ...json, Attachments: (json.Attachments ?? []).map(({ Content: _content, ...rest }) => rest) });
  return { body, texts };
}

/** "Re: <subject>", without stacking prefixes. */
export function replySubject(subject: string): string {
  const base = subject.trim() === "" ? "Your message" : subject.trim();
  return /^re:/i.test(base) ? base : `Re: ${base}`;
}
