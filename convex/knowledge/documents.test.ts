import { afterEach, beforeEach, expect, test, vi } from "vitest";
import { api } from "../_generated/api";
import type { Id } from "../_generated/dataModel";
import { failNext, passes } from "../lib/faults.testing";
import { asMember, asUser, codeOf, newHarness, type Harness } from "../test.setup";
import { probe, probeModules } from "./probe.testing";
import { MAX_DOCUMENT_BYTES } from "./validators";

beforeEach(() => {
  vi.useFakeTimers();
  failNext("knowledge.embed", 0);
});
afterEach(() => {
  vi.useRealTimers();
  failNext("knowledge.embed", 0);
});

async function settle(t: Harness) {
  await t.finishAllScheduledFunctions(vi.runAllTimers);
}

type Caller = Awaited<ReturnType<typeof asUser>>;

const REFUNDS = `# Refund policy

Customers can ask for a refund within 30 days of purchase. Refunds are paid back to the original card.

## Timing

A refund takes five to ten business days to reach the customer's bank account.`;

const PARKING = "The office parking garage opens at 7am and closes at 10pm. Visitors park on level 2.";

async function addText(user: Caller, text: string, extra: { title?: string; scope?: { kind: "account" } | { kind: "user" } } = {}) {
  return await user.client.mutation(api.knowledge.documents.addText, {
    accountId: user.accountId,
    scope: extra.scope ?? { kind: "user" },
    title: extra.title ?? "Notes",
    text,
    format: "markdown",
  });
}

async function search(t: Harness, user: Caller, query: string) {
  return await t.action(probe.search, { accountId: user.accountId, userId: user.userId, query, limit: 5 });
}

async function documentRows(t: Harness) {
  return await t.run(async (ctx) => ctx.db.query("knowledgeDocuments").collect());
}

test("a document is ingested, found by search, deleted, and no longer found", async () => {
  const t = newHarness(probeModules);
  const user = await asUser(t);
  const added = await addText(user, REFUNDS, { title: "Refunds" });
  expect(added).toMatchObject({ status: "queued", unchanged: false });
  await settle(t);

  const document = await user.client.query(api.knowledge.documents.get, { accountId: user.accountId, documentId: added.documentId });
  expect(document).toMatchObject({ status: "ready", scope: "user", title: "Refunds", modelId: "offline-hash-256" });
  expect(document.chunkCount).toBeGreaterThanOrEqual(1);

  const hits = await search(t, user, "how long does a refund take to reach my bank?");
  expect(hits[0]).toMatchObject({ documentId: added.documentId, title: "Refunds", scope: "user", source: "text" });
  expect(hits[0]!.text).toContain("five to ten business days");
  expect(hits[0]!.score).toBeGreaterThan(0.2);

  await user.client.mutation(api.knowledge.documents.remove, { accountId: user.accountId, documentId: added.documentId });
  // Gone from search at once, before its vectors are deleted...
  expect(await search(t, user, "how long does a refund take to reach my bank?")).toEqual([]);
  await settle(t);
  // ...and the vectors, the row and the text are gone afterwards.
  expect(await t.action(probe.entryCount, { scope: { kind: "user", accountId: user.accountId, userId: user.userId } })).toBe(0);
  expect(await documentRows(t)).toEqual([]);
  expect(await t.run(async (ctx) => ctx.db.query("knowledgeDocumentBodies").collect())).toEqual([]);
});

test("re-adding identical content is a no-op", async () => {
  const t = newHarness(probeModules);
  const user = await asUser(t);
  const first = await addText(user, REFUNDS);
  await settle(t);
  const again = await addText(user, REFUNDS, { title: "Another title" });
  expect(again).toEqual({ documentId: first.documentId, status: "ready", unchanged: true });
  expect(await documentRows(t)).toHaveLength(1);
  expect(await t.action(probe.entryCount, { scope: { kind: "user", accountId: user.accountId, userId: user.userId } })).toBe(1);
});

test("replace: new content for the same document; the old content is no longer found", async () => {
  const t = newHarness(probeModules);
  const user = await asUser(t);
  const added = await addText(user, REFUNDS, { title: "Policy" });
  await settle(t);
  const replaced = await user.client.mutation(api.knowledge.documents.replace, {
    accountId: user.accountId,
    documentId: added.documentId,
    text: PARKING,
  });
  expect(replaced).toMatchObject({ documentId: added.documentId, status: "queued", unchanged: false });
  // Still searchable with its old content while the new content is ingested.
  expect((await search(t, user, "refund business days"))[0]?.documentId).toBe(added.documentId);
  await settle(t);
  const hits = await search(t, user, "when does the parking garage open?");
  expect(hits[0]).toMatchObject({ documentId: added.documentId });
  expect(hits[0]!.text).toContain("parking garage");
  expect(hits.every((hit) => !hit.text.includes("refund"))).toBe(true);
  expect(await t.action(probe.entryCount, { scope: { kind: "user", accountId: user.accountId, userId: user.userId } })).toBe(1);
});

test("an embedding that fails once is retried and the document becomes ready", async () => {
  const t = newHarness(probeModules);
  const user = await asUser(t);
  failNext("knowledge.embed", 1);
  const calls = passes("knowledge.embed");
  const added = await addText(user, REFUNDS);
  await settle(t);
  expect(passes("knowledge.embed") - calls).toBe(2);
  const document = await user.client.query(api.knowledge.documents.get, { accountId: user.accountId, documentId: added.documentId });
  expect(document.status).toBe("ready");
  expect(document.error).toBeUndefined();
  expect((await search(t, user, "refund within 30 days"))[0]?.documentId).toBe(added.documentId);
});

test("an embedding that keeps failing marks the document failed with the reason; search still works on others", async () => {
  const t = newHarness(probeModules);
  const user = await asUser(t);
  const good = await addText(user, PARKING, { title: "Parking" });
  await settle(t);
  failNext("knowledge.embed", 100);
  const calls = passes("knowledge.embed");
  const bad = await addText(user, REFUNDS, { title: "Refunds" });
  await settle(t);
  failNext("knowledge.embed", 0);
  // The RAG workpool's three attempts, then it gives up.
  expect(passes("knowledge.embed") - calls).toBe(3);

  const page = await user.client.query(api.knowledge.documents.list, {
    accountId: user.accountId,
    scope: { kind: "user" },
    paginationOpts: { numItems: 10, cursor: null },
  });
  const failed = page.page.find((d) => d.documentId === bad.documentId)!;
  expect(failed.status).toBe("failed");
  expect(failed.error).toMatch(/embedding provider is unavailable/);
  expect(page.page.find((d) => d.documentId === good.documentId)!.status).toBe("ready");

  expect((await search(t, user, "parking garage opening hours"))[0]?.documentId).toBe(good.documentId);
  expect((await search(t, user, "refund within 30 days")).some((hit) => hit.documentId === bad.documentId)).toBe(false);
  // The failed attempt left no entry behind.
  expect(await t.action(probe.entryCount, { scope: { kind: "user", accountId: user.accountId, userId: user.userId } })).toBe(1);

  // Adding the same content again retries the failed document.
  const retried = await addText(user, REFUNDS, { title: "Refunds" });
  expect(retried).toMatchObject({ documentId: bad.documentId, status: "queued", unchanged: false });
  await settle(t);
  expect((await search(t, user, "refund within 30 days"))[0]?.documentId).toBe(bad.documentId);
});

test("a document deleted while it is being ingested leaves nothing behind", async () => {
  const t = newHarness(probeModules);
  const user = await asUser(t);
  const added = await addText(user, REFUNDS);
  await user.client.mutation(api.knowledge.documents.remove, { accountId: user.accountId, documentId: added.documentId });
  await settle(t);
  expect(await documentRows(t)).toEqual([]);
  expect(await t.action(probe.entryCount, { scope: { kind: "user", accountId: user.accountId, userId: user.userId } })).toBe(0);
  expect(await search(t, user, "refund within 30 days")).toEqual([]);
});

test("a document still being ingested cannot be replaced", async () => {
  const t = newHarness(probeModules);
  const user = await asUser(t);
  const added = await addText(user, REFUNDS);
  expect(
    await codeOf(user.client.mutation(api.knowledge.documents.replace, { accountId: user.accountId, documentId: added.documentId, text: PARKING })),
  ).toBe("conflict");
  await settle(t);
});

test("a text/markdown upload becomes a searchable document", async () => {
  const t = newHarness(probeModules);
  const user = await asUser(t);
  const url = await user.client.mutation(api.knowledge.uploads.generateUploadUrl, { accountId: user.accountId });
  expect(typeof url).toBe("string");
  const storageId = await t.run(async (ctx) => ctx.storage.store(new Blob([REFUNDS], { type: "text/markdown" })));
  const added = await user.client.action(api.knowledge.uploads.addFile, {
    accountId: user.accountId,
    scope: { kind: "user" },
    storageId,
    name: "refunds.md",
    contentType: "text/markdown",
  });
  await settle(t);
  const document = await user.client.query(api.knowledge.documents.get, { accountId: user.accountId, documentId: added.documentId });
  expect(document).toMatchObject({ status: "ready", source: "upload", format: "markdown", fileName: "refunds.md", title: "refunds.md" });
  const hits = await search(t, user, "refund business days");
  expect(hits[0]).toMatchObject({ documentId: added.documentId, source: "upload" });
  // Deleting the document deletes the upload.
  await user.client.mutation(api.knowledge.documents.remove, { accountId: user.accountId, documentId: added.documentId });
  expect(await t.run(async (ctx) => ctx.db.system.get("_storage", storageId))).toBeNull();
});

test("bad input gets clear errors and stores nothing", async () => {
  const t = newHarness(probeModules);
  const admin = await asMember(t, "org_acme", "admin");
  const member = await asMember(t, "org_acme", "member");
  const outsider = await asMember(t, "org_other", "admin");
  const outsiderAgent = await t.run(async (ctx) =>
    ctx.db.query("agents").withIndex("by_accountId_slug", (q) => q.eq("accountId", outsider.accountId)).first(),
  );
  const add = (user: Caller, args: Partial<{ text: string; scope: unknown; title: string }>) =>
    user.client.mutation(api.knowledge.documents.addText, {
      accountId: user.accountId,
      scope: (args.scope ?? { kind: "user" }) as { kind: "user" },
      title: args.title ?? "T",
      text: args.text ?? "text",
    });

  expect(await codeOf(add(member, { text: "  \n " }))).toBe("bad_request");
  const huge = "word ".repeat(MAX_DOCUMENT_BYTES / 5 + 1);
  await expect(add(member, { text: huge })).rejects.toThrow(/limited to 200 KB/);
  expect(await codeOf(add(member, { title: "" }))).toBe("bad_request");
  // Account and agent knowledge: admins only; a member may write only their own scope.
  expect(await codeOf(add(member, { scope: { kind: "account" } }))).toBe("forbidden");
  expect(await codeOf(add(member, { scope: { kind: "platform" } }))).toBe("forbidden");
  // Another account's agent (a namespace of another account) looks like a missing one.
  expect(await codeOf(add(admin, { scope: { kind: "agent", agentId: outsiderAgent!._id } }))).toBe("not_found");
  // Another account in the arguments: not a member, so it answers like a missing account.
  expect(
    await codeOf(
      member.client.mutation(api.knowledge.documents.addText, { accountId: outsider.accountId, scope: { kind: "user" }, title: "T", text: "x" }),
    ),
  ).toBe("not_found");

  // Unsupported, oversized and non-UTF-8 uploads are refused and deleted.
  const store = (blob: Blob) => t.run(async (ctx) => ctx.storage.store(blob));
  const addFile = (storageId: Id<"_storage">, name: string, contentType: string) =>
    member.client.action(api.knowledge.uploads.addFile, { accountId: member.accountId, scope: { kind: "user" }, storageId, name, contentType });
  const pdf = await store(new Blob(["PK\u0003\u0004"], { type: "application/zip" }));
  await expect(addFile(pdf, "a.zip", "application/zip")).rejects.toThrow(/Unsupported file type “application\/zip”/);
  const big = await store(new Blob([huge], { type: "text/plain" }));
  await expect(addFile(big, "big.txt", "text/plain")).rejects.toThrow(/limited to 200 KB/);
  const binary = await store(new Blob([new Uint8Array([0xff, 0xfe, 0x00, 0xc3])], { type: "text/plain" }));
  expect(await codeOf(addFile(binary, "bin.txt", "text/plain"))).toBe("bad_request");
  const empty = await store(new Blob([""], { type: "text/plain" }));
  expect(await codeOf(addFile(empty, "empty.txt", "text/plain"))).toBe("bad_request");
  for (const id of [pdf, big, binary, empty]) {
    expect(await t.run(async (ctx) => ctx.db.system.get("_storage", id))).toBeNull();
  }
  expect(await documentRows(t)).toEqual([]);
  expect(await t.run(async (ctx) => ctx.db.query("knowledgeNamespaces").collect())).toEqual([]);

  // Another account's document: not found, for reading and for writing.
  const theirs = await add(outsider, { scope: { kind: "account" }, text: PARKING });
  for (const call of [
    member.client.query(api.knowledge.documents.get, { accountId: member.accountId, documentId: theirs.documentId }),
    member.client.mutation(api.knowledge.documents.remove, { accountId: member.accountId, documentId: theirs.documentId }),
    member.client.mutation(api.knowledge.documents.replace, { accountId: member.accountId, documentId: theirs.documentId, text: "mine" }),
  ]) {
    expect(await codeOf(call)).toBe("not_found");
  }
  // Another user's document in the same account: not found either.
  const adminsOwn = await add(admin, { text: REFUNDS });
  expect(await codeOf(member.client.query(api.knowledge.documents.get, { accountId: member.accountId, documentId: adminsOwn.documentId }))).toBe(
    "not_found",
  );
  // A member may read account knowledge but not change it.
  const shared = await add(admin, { scope: { kind: "account" }, text: PARKING });
  expect((await member.client.query(api.knowledge.documents.get, { accountId: member.accountId, documentId: shared.documentId })).scope).toBe(
    "account",
  );
  expect(await codeOf(member.client.mutation(api.knowledge.documents.remove, { accountId: member.accountId, documentId: shared.documentId }))).toBe(
    "forbidden",
  );
  await settle(t);
});

test("account A's documents never reach account B; user documents stay with their user", async () => {
  const t = newHarness(probeModules);
  const adminA = await asMember(t, "org_a", "admin");
  const memberA = await asMember(t, "org_a", "member");
  const adminB = await asMember(t, "org_b", "admin");
  await addText(adminA, REFUNDS, { scope: { kind: "account" }, title: "A's refund policy" });
  await addText(adminA, PARKING, { title: "A's private parking notes" });
  await settle(t);

  const query = "refund within 30 days, and parking garage hours";
  const seenByAdminA = await search(t, adminA, query);
  expect(seenByAdminA.map((hit) => hit.title).sort()).toEqual(["A's private parking notes", "A's refund policy"]);
  // Same account, another user: the account's document, not the other user's.
  expect((await search(t, memberA, query)).map((hit) => hit.title)).toEqual(["A's refund policy"]);
  // Another account: nothing at all.
  expect(await search(t, adminB, query)).toEqual([]);
  // The public search action gives the same answer.
  expect(await adminB.client.action(api.knowledge.search.search, { accountId: adminB.accountId, query })).toEqual([]);
  const listedByB = await adminB.client.query(api.knowledge.documents.list, {
    accountId: adminB.accountId,
    scope: { kind: "account" },
    paginationOpts: { numItems: 10, cursor: null },
  });
  expect(listedByB.page).toEqual([]);
});
