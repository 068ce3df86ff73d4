/**
 * The email channel end to end: Postmark's inbound webhook JSON posted to
 * the route, a turn as the member who wrote, and the reply leaving as mail
 * with threading headers — through the local outbox, a real SMTP server
 * (`smtp-server`, read back with `mailparser`), or a Postmark API double
 * answering as the docs show. Real timers: turns run on the scheduler.
 */
import { readFileSync } from "node:fs";
import { simpleParser } from "mailparser";
import { SMTPServer } from "smtp-server";
import type { AddressInfo } from "node:net";
import { afterEach, expect, test, vi } from "vitest";
import { api } from "../../_generated/api";
import type { Doc } from "../../_generated/dataModel";
import { asMember, asUser, newHarness, refusal, type Harness } from "../../test.setup";
import { assistantOf } from "../../chat/testkit.testing";
import { emitRunEnded } from "../../outbound/events";
import { DOCS_ATTACHMENT, inboundMail, startPostmarkApi } from "./postmark.testing";

const SECRET = "inbound-secret-0123456789";
const DOMAIN = "mail.example.test";
const cleanups: (() => Promise<void>)[] = [];

afterEach(async () => {
  vi.unstubAllEnvs();
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

async function setup(options: { org?: boolean } = {}) {
  vi.stubEnv("HARNESS_EMAIL_INBOUND_SECRET", SECRET);
  vi.stubEnv("HARNESS_EMAIL_DOMAIN", DOMAIN);
  const t = newHarness();
  const admin = options.org ? await asMember(t, "org_mail", "admin") : await asUser(t);
  const agentId = await assistantOf(t, admin.accountId);
  await admin.client.mutation(api.channels.email.inboxes.configure, { accountId: admin.accountId, enabled: true, defaultAgentId: agentId });
  const mailbox = (await admin.client.query(api.channels.email.inboxes.mailbox, { accountId: admin.accountId }))!;
  const address = mailbox.addresses.find((a) => a.agentId === agentId)!.address;
  const hash = /\+([^@]+)@/.exec(address)![1]!;
  const email = await t.run(async (ctx) => (await ctx.db.get("userProfiles", admin.userId))!.email!);
  return { t, admin, agentId, address, hash, email };
}

async function post(t: Harness, body: unknown, credentials: string | null = `postmark:${SECRET}`) {
  const response = await t.fetch("/email/postmark/inbound", {
    method: "POST",
    headers: { "Content-Type": "application/json", ...(credentials !== null ? { Authorization: `Basic ${btoa(credentials)}` } : {}) },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

async function outbox(t: Harness): Promise<Doc<"emailOutbox">[]> {
  return await t.run(async (ctx) => await ctx.db.query("emailOutbox").collect());
}

/** Wait until `count` mails have left (sent, or held in the local outbox). */
async function mailsOut(t: Harness, count: number, timeout = 30_000) {
  return await vi.waitFor(
    async () => {
      const done = (await outbox(t)).filter((m) => m.status === "sent" || m.status === "held");
      if (done.length < count) throw new Error(`${done.length} of ${count} mails out`);
      return done;
    },
    { timeout, interval: 50 },
  );
}

test("a member's mail is a turn as that member, and the reply goes back as mail threaded under it (local outbox)", async () => {
  const { t, admin, address, hash, email } = await setup();
  const mail = inboundMail({ from: email, to: address, mailboxHash: hash, subject: "Journals", textBody: "Explain what a journal is in a workflow engine" });
  expect(await post(t, mail)).toMatchObject({ status: 200, body: { ok: true, duplicate: false } });
  const [reply] = await mailsOut(t, 1);
  const inboundId = mail.Headers.find((h) => h.Name === "Message-ID")!.Value;
  expect(reply).toMatchObject({ status: "held", transport: "outbox", to: email, from: address, fromName: "Assistant", subject: "Re: Journals", inReplyTo: inboundId, references: [inboundId] });
  expect(reply!.messageId).toMatch(new RegExp(`^<harness\\.[^@]+@${DOMAIN.replace(/\./g, "\\.")}>$`));
  expect(reply!.text.length).toBeGreaterThan(20);
  const runs = await t.run(async (ctx) => await ctx.db.query("interactions").collect());
  expect(runs).toMatchObject([{ userId: admin.userId, status: "completed", promptText: "Explain what a journal is in a workflow engine" }]);
  const thread = await t.run(async (ctx) => await ctx.db.get("threads", runs[0]!.threadId!));
  expect(thread).toMatchObject({ source: "email", title: "Journals", userId: admin.userId });
  // Admins read it in Settings → Email.
  const seen = await admin.client.query(api.channels.email.inboxes.outbox, { accountId: admin.accountId });
  expect(seen).toMatchObject([{ subject: "Re: Journals", status: "held", to: email }]);
});

test("the reply is sent once: the run-end watcher the mail registered is used up, so a run ending again sends nothing more", async () => {
  const { t, address, hash, email } = await setup();
  await post(t, inboundMail({ from: email, to: address, mailboxHash: hash, subject: "Once", textBody: "What is a journal?" }));
  await mailsOut(t, 1);
  const runs = await t.run(async (ctx) => await ctx.db.query("interactions").collect());
  expect(runs).toMatchObject([{ status: "completed" }]);
  expect(await t.run(async (ctx) => await ctx.db.query("runEndWatchers").collect())).toEqual([]);
  // As a retried turn does when it ends again.
  await t.run(async (ctx) => await emitRunEnded(ctx, runs[0]!._id));
  expect(await outbox(t)).toHaveLength(1);
});

test("a reply to the agent's mail continues the same conversation, with the quoted history left out", async () => {
  const { t, address, hash, email } = await setup();
  await post(t, inboundMail({ from: email, to: address, mailboxHash: hash, subject: "Journals", textBody: "Explain what a journal is in a workflow engine" }));
  const [first] = await mailsOut(t, 1);
  const followUp = inboundMail({
    from: email,
    to: address,
    mailboxHash: hash,
    subject: "Re: Journals",
    textBody: `Explain replay in more detail please\n\nOn Fri, 1 Aug 2014 at 16:45, Assistant <${address}> wrote:\n> ${first!.text.split("\n")[0]}\n> more of the old answer`,
    inReplyTo: first!.messageId,
    references: [...first!.references, first!.messageId],
  });
  await post(t, followUp);
  const out = await mailsOut(t, 2);
  const runs = await t.run(async (ctx) => await ctx.db.query("interactions").collect());
  expect(runs).toHaveLength(2);
  expect(runs[1]!.threadId).toBe(runs[0]!.threadId);
  expect(runs[1]!.promptText).toBe("Explain replay in more detail please");
  expect(out[1]!.subject).toBe("Re: Journals");
  expect(out[1]!.references).toContain(first!.messageId);
});

test("the route refuses missing or wrong credentials (and everything when no secret is set), a body that is not Postmark's, and stores a redelivery once", async () => {
  const { t, address, hash, email } = await setup();
  const mail = inboundMail({ from: email, to: address, mailboxHash: hash, textBody: "What time is it?" });
  expect((await post(t, mail, null)).status).toBe(401);
  expect((await post(t, mail, "postmark:wrong")).status).toBe(401);
  expect((await post(t, "{nope")).status).toBe(400);
  expect((await post(t, { Subject: "no sender" })).status).toBe(400);
  expect(await t.run(async (ctx) => (await ctx.db.query("emailInbound").collect()).length)).toBe(0);
  expect((await post(t, mail)).body.duplicate).toBe(false);
  expect((await post(t, mail)).body.duplicate).toBe(true);
  await mailsOut(t, 1);
  await new Promise((resolve) => setTimeout(resolve, 300));
  expect(await t.run(async (ctx) => (await ctx.db.query("interactions").collect()).length)).toBe(1);
  vi.stubEnv("HARNESS_EMAIL_INBOUND_SECRET", "");
  expect((await post(t, inboundMail({ from: email, to: address, mailboxHash: hash }))).status).toBe(403);
});

test("a sender who is not a member gets one notice a day and no turn; a mail failing SPF gets nothing", async () => {
  const { t, address, hash } = await setup();
  await post(t, inboundMail({ from: "stranger@elsewhere.test", to: address, mailboxHash: hash, textBody: "Tell me your secrets" }));
  const [notice] = await mailsOut(t, 1);
  expect(notice).toMatchObject({ to: "stranger@elsewhere.test", subject: "Re: Test subject" });
  expect(notice!.text).toMatch(/not a member/);
  await post(t, inboundMail({ from: "stranger@elsewhere.test", to: address, mailboxHash: hash, textBody: "Again" }));
  await post(t, inboundMail({ from: "spoofed@elsewhere.test", to: address, mailboxHash: hash, spf: "Fail (sender not authorized)" }));
  await vi.waitFor(async () => {
    const rows = await t.run(async (ctx) => await ctx.db.query("emailInbound").collect());
    if (rows.some((r) => r.status === "pending")) throw new Error("still applying");
  });
  const outcomes = await t.run(async (ctx) => (await ctx.db.query("emailInbound").collect()).map((r) => r.outcome));
  expect(outcomes).toEqual(["refused: not a member (notice sent)", "refused: not a member (notice already sent today)", "refused: SPF fail"]);
  expect(await outbox(t)).toHaveLength(1);
  expect(await t.run(async (ctx) => (await ctx.db.query("interactions").collect()).length)).toBe(0);
});

/** A knowledge fixture (convex/knowledge/fixtures) as a Postmark attachment. */
function fixtureAttachment(name: string, contentType: string) {
  const bytes = readFileSync(new URL(`../../knowledge/fixtures/${name}`, import.meta.url));
  return { Name: name, Content: bytes.toString("base64"), ContentType: contentType, ContentLength: bytes.length };
}

test("attachments: text and PDF go to the sender's knowledge (and the text into the prompt); others are listed with why, not dropped", async () => {
  const { t, admin, address, hash, email } = await setup();
  const pdf = fixtureAttachment("report.pdf", "application/pdf");
  const zip = { Name: "archive.zip", Content: btoa("PK\u0003\u0004 not really"), ContentType: "application/zip", ContentLength: 12_288 };
  const fake = { Name: "scan.pdf", Content: btoa("not a pdf at all"), ContentType: "application/pdf", ContentLength: 16 };
  await post(t, inboundMail({ from: email, to: address, mailboxHash: hash, subject: "Q3", textBody: "Summarise the attachment", attachments: [DOCS_ATTACHMENT, pdf, zip, fake] }));
  await mailsOut(t, 1);
  const [run] = await t.run(async (ctx) => await ctx.db.query("interactions").collect());
  expect(run!.promptText).toContain("Attached file test.txt:\n```\nThis is attachment contents, base-64 encoded.\n```");
  expect(run!.promptText).toContain("Saved to your knowledge: test.txt, report.pdf.");
  expect(run!.promptText).toContain(
    "Attachments not read: archive.zip (application/zip, 12 KB): not a format knowledge reads; scan.pdf (application/pdf, 1 KB): This file is not a PDF (it has no %PDF header).",
  );
  const stored = await t.run(async (ctx) => (await ctx.db.query("emailInbound").first())!);
  expect(stored.body).not.toContain(DOCS_ATTACHMENT.Content);
  expect(stored.attachmentFiles).toBeUndefined();

  // In the sender's own knowledge, filed under `email`, and ingested (the PDF's text extracted).
  const documents = await vi.waitFor(
    async () => {
      const page = await admin.client.query(api.knowledge.documents.list, { accountId: admin.accountId, scope: { kind: "user" }, paginationOpts: { numItems: 10, cursor: null } });
      if (page.page.some((d) => d.status !== "ready")) throw new Error("still ingesting");
      return page.page;
    },
    { timeout: 30_000, interval: 100 },
  );
  expect(documents.map((d) => [d.title, d.format, d.category]).sort()).toEqual([
    ["report.pdf — Q3", "pdf", "email"],
    ["test.txt — Q3", "text", "email"],
  ]);
  // Two files kept, both owned by their documents; nothing else left in storage.
  expect(await t.run(async (ctx) => (await ctx.db.system.query("_storage").collect()).length)).toBe(2);
});

test("attachments of a mail that goes nowhere (not a member, a duplicate) leave no stored files", async () => {
  const { t, address, hash } = await setup();
  const mail = inboundMail({ from: "stranger@elsewhere.test", to: address, mailboxHash: hash, textBody: "Read this", attachments: [DOCS_ATTACHMENT] });
  await post(t, mail);
  expect(await post(t, mail)).toMatchObject({ status: 200, body: { duplicate: true } });
  await vi.waitFor(async () => {
    const rows = await t.run(async (ctx) => await ctx.db.query("emailInbound").collect());
    if (rows.some((r) => r.status === "pending")) throw new Error("still applying");
  });
  expect(await t.run(async (ctx) => (await ctx.db.system.query("_storage").collect()).length)).toBe(0);
  expect(await t.run(async (ctx) => (await ctx.db.query("knowledgeDocuments").collect()).length)).toBe(0);
});

test("with SMTP_URL the reply goes out over SMTP with its Message-ID, In-Reply-To and References", async () => {
  const received: string[] = [];
  const smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ["STARTTLS"],
    onData(stream, _session, callback) {
      let raw = "";
      stream.on("data", (chunk: Buffer) => (raw += chunk.toString("utf8")));
      stream.on("end", () => {
        received.push(raw);
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => smtp.listen(0, "127.0.0.1", resolve));
  cleanups.push(() => new Promise<void>((resolve) => smtp.close(() => resolve())));
  const { t, address, hash, email } = await setup();
  vi.stubEnv("SMTP_URL", `smtp://127.0.0.1:${(smtp.server.address() as AddressInfo).port}?ignoreTLS=true`);
  const mail = inboundMail({ from: email, to: address, mailboxHash: hash, subject: "Journals", textBody: "Explain what a journal is in a workflow engine" });
  await post(t, mail);
  const [row] = await mailsOut(t, 1);
  expect(row).toMatchObject({ status: "sent", transport: "smtp" });
  // Found by its Message-ID: an earlier test's notice may still be leaving through this server (real timers).
  const sent = await Promise.all(received.map(async (raw) => await simpleParser(raw)));
  const parsed = sent.find((m) => m.messageId === row!.messageId)!;
  const inboundId = mail.Headers.find((h) => h.Name === "Message-ID")!.Value;
  expect(parsed).toBeDefined();
  expect(parsed.inReplyTo).toBe(inboundId);
  expect(parsed.references).toBe(inboundId);
  expect(parsed.subject).toBe("Re: Journals");
  expect(parsed.from?.value[0]).toMatchObject({ address, name: "Assistant" });
  expect(parsed.text?.trim()).toBe(row!.text.trim());
});

test("with POSTMARK_SERVER_TOKEN the reply goes through Postmark's API: the token header, threading headers, a 500 retried once", async () => {
  const postmark = await startPostmarkApi("server-token-abc");
  cleanups.push(postmark.close);
  const { t, address, hash, email } = await setup();
  vi.stubEnv("POSTMARK_SERVER_TOKEN", "server-token-abc");
  vi.stubEnv("POSTMARK_API_URL", postmark.url);
  postmark.failNext(1);
  await post(t, inboundMail({ from: email, to: address, mailboxHash: hash, subject: "Journals", textBody: "Explain what a journal is in a workflow engine" }));
  const [row] = await mailsOut(t, 1, 45_000);
  expect(row).toMatchObject({ status: "sent", transport: "postmark", providerMessageId: "0a129aee-e1cd-480d-b08d-4f48548ff48d" });
  expect(postmark.requests).toHaveLength(2);
  const sent = postmark.requests[1]!;
  expect(sent.headers["x-postmark-server-token"]).toBe("server-token-abc");
  expect(sent.body).toMatchObject({ From: `"Assistant" <${address}>`, To: email, Subject: "Re: Journals", MessageStream: "outbound" });
  expect(sent.body.Headers).toContainEqual({ Name: "Message-ID", Value: row!.messageId });
  expect(sent.body.Headers).toContainEqual({ Name: "In-Reply-To", Value: row!.inReplyTo });
}, 60_000);

test("only admins configure the mailbox and read the outbox; another account's agent is not_found", async () => {
  const { t, admin } = await setup({ org: true });
  const member = await asMember(t, "org_mail", "member");
  const agentId = await assistantOf(t, admin.accountId);
  expect(await refusal(member.client.mutation(api.channels.email.inboxes.configure, { accountId: admin.accountId, enabled: false, defaultAgentId: agentId }))).toMatchObject({ code: "forbidden" });
  expect(await refusal(member.client.query(api.channels.email.inboxes.outbox, { accountId: admin.accountId }))).toMatchObject({ code: "forbidden" });
  // Members see the addresses, to write to their agents.
  expect((await member.client.query(api.channels.email.inboxes.mailbox, { accountId: admin.accountId }))?.addresses.length).toBeGreaterThan(0);
  const other = await asUser(t);
  const otherAgent = await assistantOf(t, other.accountId);
  expect(await refusal(admin.client.mutation(api.channels.email.inboxes.configure, { accountId: admin.accountId, enabled: true, defaultAgentId: otherAgent }))).toMatchObject({ code: "not_found", field: "defaultAgentId" });
  expect(await refusal(other.client.query(api.channels.email.inboxes.outbox, { accountId: admin.accountId }))).toMatchObject({ code: "not_found" });
});
