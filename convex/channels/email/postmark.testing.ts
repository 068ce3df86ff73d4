/**
 * Postmark inbound webhook bodies for tests, in the shape of the example on
 * https://postmarkapp.com/developer/webhooks/inbound-webhook (field names,
 * nesting and the attachment's base64 text as documented there; addresses,
 * subject and bodies changed to this product's). `inboundMail()` fills in a
 * new Postmark MessageID and RFC Message-ID per call.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

let sequence = 0;

export function inboundMail(options: {
  from: string;
  fromName?: string;
  to: string;
  mailboxHash: string;
  subject?: string;
  textBody?: string;
  strippedTextReply?: string;
  inReplyTo?: string;
  references?: string[];
  spf?: string;
  attachments?: { Name: string; Content: string; ContentType: string; ContentLength: number }[];
  messageId?: string;
}) {
  sequence += 1;
  const messageId = options.messageId ?? `<CAE${sequence}x7Y=mail@mail.gmail.example>`;
  return {
    FromName: options.fromName ?? "Postmarkapp Support",
    MessageStream: "inbound",
    From: options.from,
    FromFull: { Email: options.from, Name: options.fromName ?? "Postmarkapp Support", MailboxHash: "" },
    To: `"Agent" <${options.to}>`,
    ToFull: [{ Email: options.to, Name: "Agent", MailboxHash: options.mailboxHash }],
    Cc: "",
    CcFull: [],
    Bcc: "",
    BccFull: [],
    OriginalRecipient: options.to,
    Subject: options.subject ?? "Test subject",
    MessageID: `73e6d360-66eb-11e1-8e72-a8904824${String(sequence).padStart(4, "0")}`,
    ReplyTo: "",
    MailboxHash: options.mailboxHash,
    Date: "Fri, 1 Aug 2014 16:45:32 -04:00",
    TextBody: options.textBody ?? "This is a test text body.",
    HtmlBody: `<html><body><p>${options.textBody ?? "This is a test html body."}</p></body></html>`,
    StrippedTextReply: options.strippedTextReply ?? "",
    Tag: "TestTag",
    Headers: [
      { Name: "X-Header-Test", Value: "" },
      { Name: "X-Spam-Status", Value: "No" },
      { Name: "X-Spam-Score", Value: "-0.1" },
      { Name: "X-Spam-Tests", Value: "DKIM_SIGNED,DKIM_VALID,DKIM_VALID_AU,SPF_PASS" },
      { Name: "Received-SPF", Value: options.spf ?? "Pass (sender SPF authorized) identity=mailfrom; client-ip=209.85.160.180; helo=mail-gy0-f180.google.com;" },
      { Name: "Message-ID", Value: messageId },
      ...(options.inReplyTo !== undefined ? [{ Name: "In-Reply-To", Value: options.inReplyTo }] : []),
      ...(options.references !== undefined ? [{ Name: "References", Value: options.references.join(" ") }] : []),
    ],
    Attachments: options.attachments ?? [],
  };
}

/** The docs' example attachment: "This is attachment contents, base-64 encoded." */
export const DOCS_ATTACHMENT = { Name: "test.txt", Content: "VGhpcyBpcyBhdHRhY2htZW50IGNvbnRlbnRzLCBiYXNlLTY0IGVuY29kZWQu", ContentType: "text/plain", ContentLength: 45 };

/**
 * Postmark's send API for tests (https://postmarkapp.com/developer/api/email-api):
 * `POST /email` with `X-Postmark-Server-Token`, answered like the docs'
 * example, or 422 `{ErrorCode, Message}` for the next `failNext` requests.
 */
export async function startPostmarkApi(token: string) {
  const requests: { headers: Record<string, string | string[] | undefined>; body: Record<string, unknown> }[] = [];
  let failures = 0;
  const server: Server = createServer((req, res) => {
    let raw = "";
    req.on("data", (chunk: Buffer) => (raw += chunk.toString("utf8")));
    req.on("end", () => {
      const body = JSON.parse(raw || "{}") as Record<string, unknown>;
      requests.push({ headers: req.headers, body });
      res.setHeader("Content-Type", "application/json");
      if (req.headers["x-postmark-server-token"] !== token) {
        res.writeHead(401).end(JSON.stringify({ ErrorCode: 10, Message: "Request does not contain a valid Server token." }));
        return;
      }
      if (failures > 0) {
        failures -= 1;
        res.writeHead(500).end(JSON.stringify({ ErrorCode: 500, Message: "Internal server error" }));
        return;
      }
      res.writeHead(200).end(JSON.stringify({ To: body.To, SubmittedAt: "2014-02-17T07:25:01.4178645-05:00", MessageID: "0a129aee-e1cd-480d-b08d-4f48548ff48d", ErrorCode: 0, Message: "OK" }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    failNext: (n: number) => (failures = n),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
