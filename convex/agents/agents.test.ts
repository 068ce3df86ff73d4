import { expect, test } from "vitest";
import { api } from "../_generated/api";
import type { Id } from "../_generated/dataModel";
import { asMember, codeOf, newHarness, type Harness } from "../test.setup";
import { currentVersion, snapshotOf } from "./runtime";

async function org(t: Harness, orgId = "org_builder") {
  const admin = await asMember(t, orgId, "admin", `Admin ${orgId}`);
  const member = await asMember(t, orgId, "member", `Member ${orgId}`);
  const reader = await asMember(t, orgId, "readonly", `Reader ${orgId}`);
  return { admin, member, reader, accountId: admin.accountId };
}

const draft = { name: "Planner", slug: "planner", description: "Plans things.", instructions: "You plan." };

test("an admin creates, reads, edits, pauses, resumes and archives an agent", async () => {
  const t = newHarness();
  const { admin, accountId } = await org(t);
  const created = await admin.client.mutation(api.agents.agents.create, { accountId, ...draft, accentColor: "#123abc" });
  expect(created).toMatchObject({
    name: "Planner",
    slug: "planner",
    status: "active",
    version: 1,
    capabilityLevel: "write",
    accentColor: "#123abc",
    instructions: "You plan.",
    modelLabel: "Offline model (built-in)",
    hasOwnModel: false,
    tools: [],
  });

  const updated = await admin.client.mutation(api.agents.agents.update, {
    accountId,
    agentId: created.agentId,
    instructions: "You plan carefully.",
    modelId: "offline",
  });
  expect(updated).toMatchObject({ version: 2, instructions: "You plan carefully.", modelId: "offline", hasOwnModel: true });
  // An edit that changes nothing is not a new version.
  const same = await admin.client.mutation(api.agents.agents.update, { accountId, agentId: created.agentId, name: "Planner" });
  expect(same.version).toBe(2);

  expect((await admin.client.mutation(api.agents.agents.pause, { accountId, agentId: created.agentId })).status).toBe("paused");
  expect((await admin.client.mutation(api.agents.agents.resume, { accountId, agentId: created.agentId })).status).toBe("active");
  const got = await admin.client.query(api.agents.agents.get, { accountId, agentId: created.agentId });
  expect(got).toMatchObject({ status: "active", version: 2 });

  expect((await admin.client.mutation(api.agents.agents.archive, { accountId, agentId: created.agentId })).status).toBe("archived");
  const listed = await admin.client.query(api.agents.agents.list, { accountId });
  expect(listed.map((a) => a.slug)).toEqual(["assistant", "researcher", "writer"]);
  const all = await admin.client.query(api.agents.agents.list, { accountId, includeArchived: true });
  expect(all.map((a) => a.slug)).toContain("planner");
  // Archived agents are read-only.
  expect(await codeOf(admin.client.mutation(api.agents.agents.update, { accountId, agentId: created.agentId, name: "X" }))).toBe("conflict");
  expect(await codeOf(admin.client.mutation(api.agents.agents.resume, { accountId, agentId: created.agentId }))).toBe("conflict");
});

test("readonly and member roles can read agents but not change them", async () => {
  const t = newHarness();
  const { admin, member, reader, accountId } = await org(t);
  const { agentId } = await admin.client.mutation(api.agents.agents.create, { accountId, ...draft });
  for (const who of [member, reader]) {
    expect((await who.client.query(api.agents.agents.get, { accountId, agentId })).slug).toBe("planner");
    expect((await who.client.query(api.agents.agents.list, { accountId })).length).toBe(4);
    expect(await codeOf(who.client.mutation(api.agents.agents.create, { accountId, ...draft, slug: "other" }))).toBe("forbidden");
    expect(await codeOf(who.client.mutation(api.agents.agents.update, { accountId, agentId, name: "X" }))).toBe("forbidden");
    expect(await codeOf(who.client.mutation(api.agents.agents.pause, { accountId, agentId }))).toBe("forbidden");
    expect(await codeOf(who.client.mutation(api.agents.agents.archive, { accountId, agentId }))).toBe("forbidden");
  }
  const after = await admin.client.query(api.agents.agents.get, { accountId, agentId });
  expect(after).toMatchObject({ name: "Planner", status: "active", version: 1 });
});

test("another account's agent is not found, for reads and writes", async () => {
  const t = newHarness();
  const a = await org(t, "org_a");
  const b = await org(t, "org_b");
  const { agentId } = await a.admin.client.mutation(api.agents.agents.create, { accountId: a.accountId, ...draft });
  expect(await codeOf(b.admin.client.query(api.agents.agents.get, { accountId: b.accountId, agentId }))).toBe("not_found");
  expect(await codeOf(b.admin.client.mutation(api.agents.agents.update, { accountId: b.accountId, agentId, name: "X" }))).toBe("not_found");
  expect(await codeOf(b.admin.client.mutation(api.agents.agents.archive, { accountId: b.accountId, agentId }))).toBe("not_found");
  // And through its own account id, the other admin is not a member at all.
  expect(await codeOf(b.admin.client.query(api.agents.agents.get, { accountId: a.accountId, agentId }))).toBe("not_found");
  expect((await a.admin.client.query(api.agents.agents.get, { accountId: a.accountId, agentId })).name).toBe("Planner");
});

test("slugs are validated and unique per account (archived agents keep theirs); other accounts may reuse them", async () => {
  const t = newHarness();
  const a = await org(t, "org_a");
  const b = await org(t, "org_b");
  for (const slug of ["P", "-planner", "a", "has space", "x".repeat(41), "ünï"]) {
    expect(await codeOf(a.admin.client.mutation(api.agents.agents.create, { accountId: a.accountId, ...draft, slug }))).toBe("bad_request");
  }
  const { agentId } = await a.admin.client.mutation(api.agents.agents.create, { accountId: a.accountId, ...draft });
  expect(await codeOf(a.admin.client.mutation(api.agents.agents.create, { accountId: a.accountId, ...draft }))).toBe("conflict");
  // The default agents' slugs are taken too.
  expect(await codeOf(a.admin.client.mutation(api.agents.agents.create, { accountId: a.accountId, ...draft, slug: "assistant" }))).toBe(
    "conflict",
  );
  await a.admin.client.mutation(api.agents.agents.archive, { accountId: a.accountId, agentId });
  expect(await codeOf(a.admin.client.mutation(api.agents.agents.create, { accountId: a.accountId, ...draft }))).toBe("conflict");
  expect((await b.admin.client.mutation(api.agents.agents.create, { accountId: b.accountId, ...draft })).slug).toBe("planner");
});

test("fields are validated: model served by a provider, name, instructions, colour", async () => {
  const t = newHarness();
  const { admin, accountId } = await org(t);
  const create = (extra: Record<string, unknown>) =>
    codeOf(admin.client.mutation(api.agents.agents.create, { accountId, ...draft, ...extra }));
  expect(await create({ modelId: "anthropic/claude-sonnet-4" })).toBe("bad_request");
  expect(await create({ modelId: "not a model!" })).toBe("bad_request");
  expect(await create({ name: "  " })).toBe("bad_request");
  expect(await create({ instructions: "" })).toBe("bad_request");
  expect(await create({ accentColor: "blue" })).toBe("bad_request");
  const { agentId } = await admin.client.mutation(api.agents.agents.create, { accountId, ...draft });
  let message = "";
  try {
    await admin.client.mutation(api.agents.agents.update, { accountId, agentId, modelId: "anthropic/claude-sonnet-4" });
  } catch (error) {
    message = (error as { data: { message: string } }).data.message;
  }
  expect(message).toMatch(/^modelId: No provider serves/);
  // Nothing was written by the refused edits.
  expect((await admin.client.query(api.agents.agents.get, { accountId, agentId })).version).toBe(1);
  const rows = await t.run(async (ctx) => ctx.db.query("agents").withIndex("by_accountId_slug", (q) => q.eq("accountId", accountId)).collect());
  expect(rows.map((r) => r.slug)).toEqual(["assistant", "planner", "researcher", "writer"]);
});

test("a refused create or edit names the field it is about as `field`, for the form to show it there", async () => {
  const t = newHarness();
  const { admin, accountId } = await org(t);
  const refusalOf = async (promise: Promise<unknown>) => {
    try {
      await promise;
    } catch (error) {
      const { code, field } = (error as { data: { code: string; field?: string } }).data;
      return { code, field };
    }
    return { code: "no error" };
  };
  const create = (extra: Record<string, unknown>) => refusalOf(admin.client.mutation(api.agents.agents.create, { accountId, ...draft, ...extra }));
  expect(await create({ name: "  " })).toEqual({ code: "bad_request", field: "name" });
  expect(await create({ slug: "Has Spaces" })).toEqual({ code: "bad_request", field: "slug" });
  expect(await create({ description: "d".repeat(501) })).toEqual({ code: "bad_request", field: "description" });
  expect(await create({ instructions: "   " })).toEqual({ code: "bad_request", field: "instructions" });
  expect(await create({ modelId: "anthropic/claude-sonnet-4" })).toEqual({ code: "bad_request", field: "modelId" });
  expect(await create({ accentColor: "blue" })).toEqual({ code: "bad_request", field: "accentColor" });
  expect(await create({ slug: "assistant" })).toEqual({ code: "conflict", field: "slug" });

  const assistant = (await admin.client.query(api.agents.agents.list, { accountId })).find((a) => a.slug === "assistant")!;
  const update = (edit: Record<string, unknown>) =>
    refusalOf(admin.client.mutation(api.agents.agents.update, { accountId, agentId: assistant.agentId, ...edit }));
  expect(await update({ name: "" })).toEqual({ code: "bad_request", field: "name" });
  expect(await update({ accentColor: "#12" })).toEqual({ code: "bad_request", field: "accentColor" });
  // Its save_note assignment is above read.
  expect(await update({ capabilityLevel: "read" })).toEqual({ code: "conflict", field: "capabilityLevel" });
  // A refusal about no field carries none.
  const { agentId } = await admin.client.mutation(api.agents.agents.create, { accountId, ...draft });
  await admin.client.mutation(api.agents.agents.archive, { accountId, agentId });
  expect(await refusalOf(admin.client.mutation(api.agents.agents.update, { accountId, agentId, name: "Renamed" }))).toEqual({ code: "conflict", field: undefined });
  expect((await admin.client.query(api.agents.agents.get, { accountId, agentId: assistant.agentId })).version).toBe(assistant.version);
});

test("every edit keeps an immutable version snapshot the runtime and inspector can read", async () => {
  const t = newHarness();
  const { admin, reader, accountId } = await org(t);
  const { agentId } = await admin.client.mutation(api.agents.agents.create, { accountId, ...draft });
  await admin.client.mutation(api.agents.agents.update, { accountId, agentId, instructions: "Version two." });
  await admin.client.mutation(api.tools.assignments.assign, { accountId, agentId, toolSlug: "current_time" });
  await admin.client.mutation(api.agents.agents.update, { accountId, agentId, instructions: "Version four." });

  const v1 = await reader.client.query(api.agents.agents.getVersion, { accountId, agentId, version: 1 });
  expect(v1).toMatchObject({ version: 1, instructions: "You plan.", tools: [] });
  const v3 = await reader.client.query(api.agents.agents.getVersion, { accountId, agentId, version: 3 });
  expect(v3).toMatchObject({ version: 3, instructions: "Version two.", tools: [{ toolSlug: "current_time", permission: "read", needsApproval: false }] });
  expect(await codeOf(reader.client.query(api.agents.agents.getVersion, { accountId, agentId, version: 9 }))).toBe("not_found");

  const page = await reader.client.query(api.agents.agents.versions, { accountId, agentId, paginationOpts: { numItems: 10, cursor: null } });
  expect(page.page.map((s) => s.version)).toEqual([4, 3, 2, 1]);

  const fromRuntime = await t.run(async (ctx) => ({
    current: await currentVersion(ctx, agentId as Id<"agents">),
    snapshot: await snapshotOf(ctx, agentId as Id<"agents">),
    old: await snapshotOf(ctx, agentId as Id<"agents">, 2),
  }));
  expect(fromRuntime.current).toBe(4);
  expect(fromRuntime.snapshot).toMatchObject({ version: 4, instructions: "Version four.", name: "Planner" });
  expect(fromRuntime.old).toMatchObject({ version: 2, instructions: "Version two.", tools: [] });
});

test("lowering the capability level below existing assignments is refused", async () => {
  const t = newHarness();
  const { admin, accountId } = await org(t);
  const agents = await admin.client.query(api.agents.agents.list, { accountId });
  const assistant = agents.find((a) => a.slug === "assistant")!;
  expect(assistant.capabilityLevel).toBe("write");
  let message = "";
  try {
    await admin.client.mutation(api.agents.agents.update, { accountId, agentId: assistant.agentId, capabilityLevel: "read" });
  } catch (error) {
    message = (error as { data: { code: string; message: string } }).data.message;
  }
  expect(message).toContain("save_note: write");
});
