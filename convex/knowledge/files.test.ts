/**
 * Files in the formats people have — PDF, DOCX, HTML, CSV — driven through
 * the public upload functions with the real fixtures (scripts/knowledge-fixtures.mjs):
 * extraction keeps each chunk's place, search and context assembly cite it
 * ("report.pdf, p. 6"), the document view opens at it, and bad files are
 * refused in words with nothing half-made.
 */
import { readFileSync } from "node:fs";
import { afterEach, beforeEach, expect, test, vi } from "vitest";
import { api } from "../_generated/api";
import type { Id } from "../_generated/dataModel";
import { failNext } from "../lib/faults.testing";
import { asMember, asUser, newHarness, refusal, type Harness } from "../test.setup";
import { messagesOf, send, userWithThread } from "../chat/testkit.testing";
import { probe, probeModules } from "./probe.testing";
import { MAX_FILE_BYTES } from "./validators";

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

type Caller = Awaited<ReturnType<typeof asUser>>;

const TYPES: Record<string, string> = {
  pdf: "application/pdf",
  docx: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
  html: "text/html",
  csv: "text/csv",
};

function fixture(name: string): ArrayBuffer {
  const bytes = readFileSync(new URL(`./fixtures/${name}`, import.meta.url));
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
}

async function settle(t: Harness) {
  await t.finishAllScheduledFunctions(vi.runAllTimers);
}

async function upload(user: Caller, name: string, extra: { scope?: { kind: "account" } | { kind: "user" }; contentType?: string; bytes?: ArrayBuffer } = {}) {
  return await user.client.action(api.knowledge.uploads.uploadFile, {
    accountId: user.accountId,
    scope: extra.scope ?? { kind: "user" },
    name,
    contentType: extra.contentType ?? TYPES[name.split(".").pop()!]!,
    bytes: extra.bytes ?? fixture(name),
  });
}

async function document(user: Caller, documentId: Id<"knowledgeDocuments">) {
  return await user.client.query(api.knowledge.documents.get, { accountId: user.accountId, documentId });
}

async function search(t: Harness, user: Caller, query: string) {
  return await t.action(probe.search, { accountId: user.accountId, userId: user.userId, query, limit: 5 });
}

const userScope = (user: Caller) => ({ scope: { kind: "user" as const, accountId: user.accountId, userId: user.userId } });

test("a PDF keeps its pages: search names the page, context assembly cites “report.pdf, p. 6”, the view opens at that page", async () => {
  const t = newHarness(probeModules);
  const user = await asUser(t);
  const added = await upload(user, "report.pdf");
  expect(added).toMatchObject({ status: "queued", unchanged: false });
  expect((await document(user, added.documentId)).status).toBe("queued");
  await settle(t);

  const ready = await document(user, added.documentId);
  expect(ready).toMatchObject({ status: "ready", format: "pdf", source: "upload", fileName: "report.pdf", title: "report.pdf", pageCount: 6 });
  expect(ready.chunkCount).toBeGreaterThanOrEqual(6);
  expect(ready.embeddedChunks).toBeUndefined();

  const hits = await search(t, user, "electric truck pilot on the Lisbon routes");
  expect(hits[0]).toMatchObject({ documentId: added.documentId, location: "p. 6", source: "upload" });
  expect(hits[0]!.text).toContain("electric truck pilot");
  expect((await search(t, user, "forklift incidents and lost-time injury rate"))[0]).toMatchObject({ location: "p. 4" });

  const agentId = await t.run(async (ctx) => (await ctx.db.query("agents").withIndex("by_accountId_slug", (q) => q.eq("accountId", user.accountId)).first())!._id);
  const context = await t.action(probe.retrieve, { accountId: user.accountId, userId: user.userId, agentId, query: "What revenue does the board expect for 2026?" });
  expect(context.entries[0]).toMatchObject({ title: "report.pdf, p. 6", documentId: added.documentId });
  expect(context.promptSection).toContain("[1] report.pdf, p. 6:");

  const view = await user.client.query(api.knowledge.documents.content, { accountId: user.accountId, documentId: added.documentId });
  expect(view.blocks.map((block) => block.label)).toEqual(["p. 1", "p. 2", "p. 3", "p. 4", "p. 5", "p. 6"]);
  expect(view.blocks[5]!.text).toContain("53 million euros");
});

test("a Word document keeps its headings, a web page loses its navigation, a CSV reads as rows", async () => {
  const t = newHarness(probeModules);
  const user = await asUser(t);
  const docx = await upload(user, "handbook.docx");
  const html = await upload(user, "onboarding.html");
  const csv = await upload(user, "warehouses.csv");
  await settle(t);
  for (const added of [docx, html, csv]) expect((await document(user, added.documentId)).status).toBe("ready");

  const holiday = await search(t, user, "can unused holiday days be carried over to next year?");
  expect(holiday[0]).toMatchObject({ documentId: docx.documentId, location: "Holidays > Carrying over holiday" });
  expect(holiday[0]!.text).toContain("expire at the end of March");

  const parking = await search(t, user, "where is the staff car park and parking permit?");
  expect(parking[0]).toMatchObject({ documentId: html.documentId, location: "Onboarding guide > Parking" });
  const page = await user.client.query(api.knowledge.documents.content, { accountId: user.accountId, documentId: html.documentId });
  const pageText = page.blocks.map((block) => block.text).join("\n");
  expect(pageText).toContain("parking permit");
  // Readability keeps the article: no menu, footer or script.
  expect(pageText).not.toMatch(/Privacy|tracking|Contact/);

  const valencia = await search(t, user, "Valencia warehouse floor area");
  expect(valencia[0]).toMatchObject({ documentId: csv.documentId, location: "rows 2–8" });
  expect(valencia[0]!.text).toContain("city: Valencia; country: Spain; floor_area_m2: 16000");
});

test("bad files: refused in words, with nothing half-made", async () => {
  const t = newHarness(probeModules);
  const user = await asUser(t);
  // Refused at once, before anything is stored: a renamed file, an unknown type, an oversized file, an empty one.
  expect(await refusal(upload(user, "notes.pdf", { bytes: new TextEncoder().encode("just text").buffer as ArrayBuffer }))).toMatchObject({
    code: "bad_request",
    message: expect.stringMatching(/not a PDF/),
  });
  expect(await refusal(upload(user, "report.docx", { bytes: fixture("report.pdf") }))).toMatchObject({ message: expect.stringMatching(/not a Word document/) });
  expect(await refusal(upload(user, "archive.zip", { contentType: "application/zip", bytes: fixture("handbook.docx") }))).toMatchObject({
    code: "bad_request",
    message: expect.stringMatching(/Unsupported file type “application\/zip”.*PDF, DOCX, HTML, Markdown, plain text or CSV/),
  });
  const huge = new Uint8Array(MAX_FILE_BYTES + 1);
  huge.set(new TextEncoder().encode("%PDF-1.7"));
  expect(await refusal(upload(user, "huge.pdf", { bytes: huge.buffer }))).toMatchObject({ message: "PDF files are limited to 8.0 MB; this one is 8.0 MB." });
  expect(await refusal(upload(user, "empty.csv", { bytes: new ArrayBuffer(0) }))).toMatchObject({ message: "The file is empty." });
  expect(await t.run(async (ctx) => ctx.db.system.query("_storage").collect())).toEqual([]);
  expect(await t.run(async (ctx) => ctx.db.query("knowledgeDocuments").collect())).toEqual([]);

  // Refused when read: the document says why; no text, no chunks, no file remain.
  const encrypted = await upload(user, "encrypted.pdf");
  const scanned = await upload(user, "scanned.pdf");
  const corrupt = await upload(user, "corrupt.pdf");
  await settle(t);
  expect(await document(user, encrypted.documentId)).toMatchObject({ status: "failed", error: expect.stringMatching(/password-protected/) });
  expect(await document(user, scanned.documentId)).toMatchObject({ status: "failed", error: expect.stringMatching(/no text layer.*2 pages are images.*OCR/) });
  expect(await document(user, corrupt.documentId)).toMatchObject({ status: "failed", error: expect.stringMatching(/damaged/) });
  expect(await t.action(probe.entryCount, userScope(user))).toBe(0);
  expect(await t.run(async (ctx) => ctx.db.system.query("_storage").collect())).toEqual([]);
  expect(await t.run(async (ctx) => ctx.db.query("knowledgeDocumentBodies").collect())).toEqual([]);
});

test("who may upload where: read-only members nowhere, members only their own scope, another account's agent is not found", async () => {
  const t = newHarness(probeModules);
  const readonly = await asMember(t, "org_files", "readonly");
  const member = await asMember(t, "org_files", "member");
  const outsider = await asMember(t, "org_elsewhere", "admin");
  const theirAgent = await t.run(async (ctx) => (await ctx.db.query("agents").withIndex("by_accountId_slug", (q) => q.eq("accountId", outsider.accountId)).first())!._id);
  expect((await refusal(upload(readonly, "report.pdf"))).code).toBe("forbidden");
  expect((await refusal(upload(member, "report.pdf", { scope: { kind: "account" } }))).code).toBe("forbidden");
  expect(
    (
      await refusal(
        member.client.action(api.knowledge.uploads.uploadFile, {
          accountId: member.accountId,
          scope: { kind: "agent", agentId: theirAgent },
          name: "report.pdf",
          contentType: "application/pdf",
          bytes: fixture("report.pdf"),
        }),
      )
    ).code,
  ).toBe("not_found");
  const theirs = await upload(outsider, "report.pdf", { scope: { kind: "account" } });
  expect((await refusal(member.client.query(api.knowledge.documents.content, { accountId: member.accountId, documentId: theirs.documentId }))).code).toBe("not_found");
  expect(
    (await refusal(member.client.action(api.knowledge.uploads.replaceFile, { accountId: member.accountId, documentId: theirs.documentId, name: "x.csv", contentType: "text/csv", bytes: fixture("warehouses.csv") })))
      .code,
  ).toBe("not_found");
  expect(await t.run(async (ctx) => ctx.db.system.query("_storage").collect())).toHaveLength(1);
  await settle(t);
});

test("replacing a file swaps its chunks at once; a replacement that cannot be read leaves the old version searchable; delete removes everything", async () => {
  const t = newHarness(probeModules);
  const user = await asUser(t);
  const added = await upload(user, "report.pdf");
  await settle(t);
  const replace = (name: string) =>
    user.client.action(api.knowledge.uploads.replaceFile, { accountId: user.accountId, documentId: added.documentId, name, contentType: TYPES[name.split(".").pop()!]!, bytes: fixture(name) });

  expect(await replace("handbook.docx")).toMatchObject({ documentId: added.documentId, status: "queued" });
  // Still searchable with the old version until the new one is ready.
  expect((await search(t, user, "electric truck pilot"))[0]?.documentId).toBe(added.documentId);
  await settle(t);
  expect(await document(user, added.documentId)).toMatchObject({ status: "ready", format: "docx", fileName: "handbook.docx" });
  expect((await search(t, user, "electric truck pilot Lisbon routes")).some((hit) => hit.text.includes("electric truck"))).toBe(false);
  expect((await search(t, user, "unused holiday days carried over"))[0]).toMatchObject({ documentId: added.documentId, location: "Holidays > Carrying over holiday" });
  expect(await t.action(probe.entryCount, userScope(user))).toBe(1);
  expect(await t.run(async (ctx) => ctx.db.system.query("_storage").collect())).toHaveLength(1);

  await replace("encrypted.pdf");
  await settle(t);
  expect(await document(user, added.documentId)).toMatchObject({ status: "failed", error: expect.stringMatching(/password-protected/) });
  expect((await search(t, user, "unused holiday days carried over"))[0]?.documentId).toBe(added.documentId);
  expect(await t.action(probe.entryCount, userScope(user))).toBe(1);

  await user.client.mutation(api.knowledge.documents.remove, { accountId: user.accountId, documentId: added.documentId });
  expect(await search(t, user, "unused holiday days carried over")).toEqual([]);
  await settle(t);
  expect(await t.action(probe.entryCount, userScope(user))).toBe(0);
  expect(await t.run(async (ctx) => ctx.db.system.query("_storage").collect())).toEqual([]);
  expect(await t.run(async (ctx) => ctx.db.query("knowledgeDocumentBodies").collect())).toEqual([]);
});

test("an answer cites the PDF's page: the citation is “report.pdf, p. 6” and carries the place its link opens", async () => {
  const t = newHarness(probeModules);
  const { user, thread } = await userWithThread(t);
  const added = await upload(user, "report.pdf");
  await settle(t);
  const { interactionId } = await send(user, thread.threadId, "Which electric truck pilot is planned for the Lisbon routes?");
  await settle(t);
  const cited = await user.client.query(api.chat.turnView.citations, { accountId: user.accountId, interactionId });
  expect(cited[0]).toMatchObject({ n: 1, title: "report.pdf, p. 6", documentId: added.documentId, documentExists: true, location: "p. 6" });
  const reply = (await messagesOf(user, thread.threadId)).at(-1)!;
  expect(reply.text).toMatch(/\[1\]/);
});

test("status is visible as it goes: queued, extracting, embedding with progress, ready (an extractor crash and an embedding outage retried)", async () => {
  const t = newHarness(probeModules);
  const user = await asUser(t);
  failNext("knowledge.extract", 1);
  failNext("knowledge.embed", 1);
  try {
    const added = await upload(user, "report.pdf");
    const seen: string[] = [];
    for (let tick = 0; tick < 400; tick++) {
      const current = await document(user, added.documentId);
      const label = current.status === "embedding" ? `embedding ${current.embeddedChunks ?? 0}/${current.chunkCount}` : current.status;
      if (seen.at(-1) !== label) seen.push(label);
      if (current.status === "ready" || current.status === "failed") break;
      vi.advanceTimersByTime(50);
      await t.finishInProgressScheduledFunctions();
    }
    expect(seen).toEqual(["queued", "extracting", "embedding 0/6", "ready"]);
    expect(await t.action(probe.entryCount, userScope(user))).toBe(1);
  } finally {
    failNext("knowledge.embed", 0);
    failNext("knowledge.extract", 0);
  }
});
