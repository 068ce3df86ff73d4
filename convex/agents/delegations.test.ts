import { expect, test } from "vitest";
import { api } from "../_generated/api";
import type { Id } from "../_generated/dataModel";
import { asMember, codeOf, newHarness, type Harness } from "../test.setup";
import { checkDelegationAtRunTime, delegateMayCall, delegationFor } from "./runtime";

type Client = Awaited<ReturnType<typeof asMember>>["client"];

async function org(t: Harness, orgId = "org_graph") {
  const admin = await asMember(t, orgId, "admin", `Admin ${orgId}`);
  const member = await asMember(t, orgId, "member", `Member ${orgId}`);
  const reader = await asMember(t, orgId, "readonly", `Reader ${orgId}`);
  return { admin, member, reader, accountId: admin.accountId };
}

async function agent(client: Client, accountId: Id<"accounts">, name: string) {
  const created = await client.mutation(api.agents.agents.create, {
    accountId,
    name,
    slug: `agent-${name.toLowerCase()}`,
    instructions: `You are ${name}.`,
  });
  return created.agentId;
}

type Refusal = { code: string; message: string; chain?: { reason: string; agents: { agentId: string; name: string }[] } };

async function refusal(promise: Promise<unknown>): Promise<Refusal> {
  try {
    await promise;
  } catch (error) {
    return (error as { data: Refusal }).data;
  }
  return { code: "no error", message: "" };
}

/** The `chain` a refused composition carries: the agents, in order, for the builder to highlight. */
const chainOf = (reason: string, agents: [Id<"agents">, string][]) => ({ reason, agents: agents.map(([agentId, name]) => ({ agentId, name })) });

async function edgeCount(t: Harness, accountId: Id<"accounts">) {
  return (
    await t.run(async (ctx) =>
      ctx.db
        .query("delegations")
        .withIndex("by_accountId_fromAgentId_toAgentId", (q) => q.eq("accountId", accountId))
        .collect(),
    )
  ).length;
}

test("a new account's Assistant delegates to the Researcher and the Writer; the graph shows it", async () => {
  const t = newHarness();
  const { reader, accountId } = await org(t);
  const graph = await reader.client.query(api.agents.delegations.delegationGraph, { accountId });
  const slugOf = new Map(graph.nodes.map((n) => [n.agentId, n.slug]));
  expect(graph.nodes.map((n) => [n.slug, n.status])).toEqual([
    ["assistant", "active"],
    ["researcher", "active"],
    ["writer", "active"],
  ]);
  const edges = graph.edges.map((e) => [slugOf.get(e.from), slugOf.get(e.to), e.toolSlug].join(" ")).sort();
  expect(edges).toEqual(["assistant researcher delegate_researcher", "assistant writer delegate_writer"]);
  expect(graph.depth).toBe(1);
  expect(graph.maxDepth).toBe(3);
});

test("composition assigns the target's agent tool, reused across compositions, with restrictions", async () => {
  const t = newHarness();
  const { admin, reader, accountId } = await org(t);
  const a = await agent(admin.client, accountId, "A");
  const b = await agent(admin.client, accountId, "B");
  const c = await agent(admin.client, accountId, "C");
  await admin.client.mutation(api.tools.assignments.assign, { accountId, agentId: c, toolSlug: "current_time" });
  await admin.client.mutation(api.tools.assignments.assign, { accountId, agentId: c, toolSlug: "save_note" });

  expect(
    (await refusal(admin.client.mutation(api.agents.delegations.compose, { accountId, fromAgentId: a, toAgentId: c, allowedToolSlugs: ["web_search"] })))
      .message,
  ).toBe('allowedToolSlugs[0]: C has no tool "web_search".');

  const first = await admin.client.mutation(api.agents.delegations.compose, {
    accountId,
    fromAgentId: a,
    toAgentId: c,
    allowedToolSlugs: ["current_time"],
  });
  expect(first).toMatchObject({
    toolSlug: "delegate_agent-c",
    created: true,
    assignment: { toolSlug: "delegate_agent-c", permission: "read", needsApproval: false, toolKind: "agent", delegateToAgentId: c, allowedToolSlugs: ["current_time"], usable: true },
  });
  const second = await admin.client.mutation(api.agents.delegations.compose, { accountId, fromAgentId: b, toAgentId: c, permission: "write" });
  expect(second.toolSlug).toBe("delegate_agent-c");
  const agentTools = await reader.client.query(api.tools.tools.list, { accountId, kind: "agent" });
  expect(agentTools.filter((tool) => tool.agentId === c).length).toBe(1);

  // Composing again updates the options instead of duplicating.
  const again = await admin.client.mutation(api.agents.delegations.compose, { accountId, fromAgentId: a, toAgentId: c, needsApproval: true });
  expect(again).toMatchObject({ created: false, assignment: { needsApproval: true, allowedToolSlugs: ["current_time"] } });

  // What the runtime reads for a delegation call.
  const seen = await t.run(async (ctx) => ({
    fromA: await delegationFor(ctx, a, "delegate_agent-c"),
    fromB: await delegationFor(ctx, b, "delegate_agent-c"),
    notDelegation: await delegationFor(ctx, c, "current_time"),
  }));
  expect(seen.fromA).toEqual({ toolSlug: "delegate_agent-c", toAgentId: c, permission: "read", needsApproval: true, allowedToolSlugs: ["current_time"], toolActive: true });
  expect(seen.fromB).toMatchObject({ permission: "write", toolActive: true });
  expect(seen.fromB?.allowedToolSlugs).toBeUndefined();
  expect(seen.notDelegation).toBeNull();
  expect(delegateMayCall(seen.fromA!, "current_time", "read")).toBe(true);
  expect(delegateMayCall(seen.fromA!, "save_note", "write")).toBe(false);
  expect(delegateMayCall(seen.fromB!, "save_note", "write")).toBe(true);
  expect(delegateMayCall({ permission: "read" }, "save_note", "write")).toBe(false);

  // Each composition is a new version of the delegating agent.
  expect((await reader.client.query(api.agents.agents.get, { accountId, agentId: a })).version).toBe(3);
  const snapshot = await reader.client.query(api.agents.agents.getVersion, { accountId, agentId: a, version: 2 });
  expect(snapshot.tools).toEqual([{ toolSlug: "delegate_agent-c", permission: "read", needsApproval: false, delegateToAgentId: c, allowedToolSlugs: ["current_time"] }]);
});

test("a delegation that would close a cycle is refused with conflict naming it (A → B → C → A); nothing is written", async () => {
  const t = newHarness();
  const { admin, accountId } = await org(t);
  const [a, b, c] = [await agent(admin.client, accountId, "A"), await agent(admin.client, accountId, "B"), await agent(admin.client, accountId, "C")];
  await admin.client.mutation(api.agents.delegations.compose, { accountId, fromAgentId: a, toAgentId: b });
  await admin.client.mutation(api.agents.delegations.compose, { accountId, fromAgentId: b, toAgentId: c });
  const before = await edgeCount(t, accountId);

  const cycle = chainOf("cycle", [[a, "A"], [b, "B"], [c, "C"], [a, "A"]]);
  expect(await refusal(admin.client.mutation(api.agents.delegations.compose, { accountId, fromAgentId: c, toAgentId: a }))).toEqual({
    code: "conflict",
    message: "This delegation would create a cycle: A → B → C → A.",
    chain: cycle,
  });
  // The same check applies when the agent tool is assigned directly.
  expect(await refusal(admin.client.mutation(api.tools.assignments.assign, { accountId, agentId: c, toolSlug: "delegate_agent-a" }))).toMatchObject({
    code: "not_found", // A has no agent tool yet: nobody delegates to it
  });
  await admin.client.mutation(api.agents.delegations.compose, { accountId, fromAgentId: (await agent(admin.client, accountId, "D")), toAgentId: a });
  expect(await refusal(admin.client.mutation(api.tools.assignments.assign, { accountId, agentId: c, toolSlug: "delegate_agent-a" }))).toEqual({
    code: "conflict",
    message: "This delegation would create a cycle: A → B → C → A.",
    chain: cycle,
  });
  expect(await refusal(admin.client.mutation(api.agents.delegations.compose, { accountId, fromAgentId: a, toAgentId: a }))).toEqual({
    code: "conflict",
    message: "This delegation would create a cycle: A → A.",
    chain: chainOf("cycle", [[a, "A"], [a, "A"]]),
  });
  expect(await edgeCount(t, accountId)).toBe(before + 1);
  expect((await admin.client.query(api.agents.agents.get, { accountId, agentId: c })).tools).toEqual([]);
});

test("a delegation whose chain would exceed the account's max depth is refused naming the chain", async () => {
  const t = newHarness();
  const { admin, accountId } = await org(t);
  const ids: Id<"agents">[] = [];
  for (const name of ["A", "B", "C", "D", "E"]) ids.push(await agent(admin.client, accountId, name));
  const [a, b, c, d, e] = ids as [Id<"agents">, Id<"agents">, Id<"agents">, Id<"agents">, Id<"agents">];
  await admin.client.mutation(api.agents.delegations.compose, { accountId, fromAgentId: a, toAgentId: b });
  await admin.client.mutation(api.agents.delegations.compose, { accountId, fromAgentId: b, toAgentId: c });
  await admin.client.mutation(api.agents.delegations.compose, { accountId, fromAgentId: c, toAgentId: d });
  expect((await admin.client.query(api.agents.delegations.delegationGraph, { accountId })).depth).toBe(3);

  expect(await refusal(admin.client.mutation(api.agents.delegations.compose, { accountId, fromAgentId: d, toAgentId: e }))).toEqual({
    code: "conflict",
    message: "This delegation would create a chain of 4 delegations (A → B → C → D → E), over this account's limit of 3.",
    chain: chainOf("depth", [[a, "A"], [b, "B"], [c, "C"], [d, "D"], [e, "E"]]),
  });
  // Adding at the front is measured the same way.
  const front = await refusal(admin.client.mutation(api.agents.delegations.compose, { accountId, fromAgentId: e, toAgentId: a }));
  expect(front.message).toContain("(E → A → B → C → D)");
  expect(front.chain).toEqual(chainOf("depth", [[e, "E"], [a, "A"], [b, "B"], [c, "C"], [d, "D"]]));
  await admin.client.mutation(api.tenancy.accounts.setMaxDelegationDepth, { accountId, maxDelegationDepth: 4 });
  await admin.client.mutation(api.agents.delegations.compose, { accountId, fromAgentId: d, toAgentId: e });
  expect((await admin.client.query(api.agents.delegations.delegationGraph, { accountId })).depth).toBe(4);
});

test("cross-account composition is refused as not_found, and only admins compose", async () => {
  const t = newHarness();
  const one = await org(t, "org_one");
  const two = await org(t, "org_two");
  const mine = await agent(one.admin.client, one.accountId, "Mine");
  const theirs = await agent(two.admin.client, two.accountId, "Theirs");
  const before = await edgeCount(t, one.accountId);
  expect(await codeOf(one.admin.client.mutation(api.agents.delegations.compose, { accountId: one.accountId, fromAgentId: mine, toAgentId: theirs }))).toBe(
    "not_found",
  );
  expect(await codeOf(one.admin.client.mutation(api.agents.delegations.compose, { accountId: one.accountId, fromAgentId: theirs, toAgentId: mine }))).toBe(
    "not_found",
  );
  expect(await codeOf(one.admin.client.mutation(api.agents.delegations.compose, { accountId: two.accountId, fromAgentId: theirs, toAgentId: mine }))).toBe(
    "not_found",
  );
  expect(await edgeCount(t, one.accountId)).toBe(before);
  const other = await agent(one.admin.client, one.accountId, "Other");
  for (const who of [one.member, one.reader]) {
    expect(await codeOf(who.client.mutation(api.agents.delegations.compose, { accountId: one.accountId, fromAgentId: mine, toAgentId: other }))).toBe(
      "forbidden",
    );
  }
  expect((await one.reader.client.query(api.agents.delegations.delegationGraph, { accountId: one.accountId })).nodes.length).toBe(5);
  expect(await codeOf(two.admin.client.query(api.agents.delegations.delegationGraph, { accountId: one.accountId }))).toBe("not_found");
});

test("decompose and archive remove delegations; the graph and the delegating agent follow", async () => {
  const t = newHarness();
  const { admin, reader, accountId } = await org(t);
  const graph = await reader.client.query(api.agents.delegations.delegationGraph, { accountId });
  const id = (slug: string) => graph.nodes.find((n) => n.slug === slug)!.agentId;
  const assistantVersion = (await reader.client.query(api.agents.agents.get, { accountId, agentId: id("assistant") })).version;

  await admin.client.mutation(api.agents.delegations.decompose, { accountId, fromAgentId: id("assistant"), toAgentId: id("writer") });
  expect(await codeOf(admin.client.mutation(api.agents.delegations.decompose, { accountId, fromAgentId: id("assistant"), toAgentId: id("writer") }))).toBe(
    "not_found",
  );
  let assistant = await reader.client.query(api.agents.agents.get, { accountId, agentId: id("assistant") });
  expect(assistant.tools.map((tool) => tool.toolSlug)).toEqual([
    "current_time",
    "delegate_researcher",
    "knowledge_search",
    "memory_search",
    "memory_store",
    "save_note",
  ]);
  expect(assistant.version).toBe(assistantVersion + 1);

  await admin.client.mutation(api.agents.agents.archive, { accountId, agentId: id("researcher") });
  const after = await reader.client.query(api.agents.delegations.delegationGraph, { accountId });
  expect(after.edges).toEqual([]);
  expect(after.nodes.map((n) => n.slug)).toEqual(["assistant", "writer"]);
  assistant = await reader.client.query(api.agents.agents.get, { accountId, agentId: id("assistant") });
  expect(assistant.tools.map((tool) => tool.toolSlug)).toEqual(["current_time", "knowledge_search", "memory_search", "memory_store", "save_note"]);
  const researcherTool = await reader.client.query(api.tools.tools.get, { accountId, slug: "delegate_researcher" });
  expect(researcherTool.status).toBe("disabled");
  expect(await codeOf(admin.client.mutation(api.agents.delegations.compose, { accountId, fromAgentId: id("assistant"), toAgentId: id("researcher") }))).toBe(
    "conflict",
  );
  expect(await codeOf(admin.client.mutation(api.tools.tools.enable, { accountId, slug: "delegate_researcher" }))).toBe("conflict");
  // Unassigning an agent tool is decomposing: the edge goes too.
  await admin.client.mutation(api.agents.delegations.compose, { accountId, fromAgentId: id("assistant"), toAgentId: id("writer") });
  await admin.client.mutation(api.tools.assignments.unassign, { accountId, agentId: id("assistant"), toolSlug: "delegate_writer" });
  expect((await reader.client.query(api.agents.delegations.delegationGraph, { accountId })).edges).toEqual([]);
});

test("the run-time re-check refuses cycles, depth over the limit and paused targets with words for the parent model", async () => {
  const t = newHarness();
  const { admin, accountId } = await org(t);
  const ids: Id<"agents">[] = [];
  for (const name of ["A", "B", "C", "D", "E"]) ids.push(await agent(admin.client, accountId, name));
  const [a, b, c, d, e] = ids as [Id<"agents">, Id<"agents">, Id<"agents">, Id<"agents">, Id<"agents">];
  await admin.client.mutation(api.agents.agents.pause, { accountId, agentId: e });
  const results = await t.run(async (ctx) => ({
    ok: await checkDelegationAtRunTime(ctx, accountId, [a, b], c),
    cycle: await checkDelegationAtRunTime(ctx, accountId, [a, b, c], a),
    deep: await checkDelegationAtRunTime(ctx, accountId, [a, b, c, d], e),
    paused: await checkDelegationAtRunTime(ctx, accountId, [a], e),
  }));
  expect(results.ok).toEqual({ ok: true });
  expect(results.cycle).toEqual({ ok: false, code: "conflict", message: "This delegation would create a cycle: A → B → C → A." });
  expect(results.deep).toEqual({
    ok: false,
    code: "conflict",
    message: "This delegation would create a chain of 4 delegations (A → B → C → D → E), over this account's limit of 3.",
  });
  expect(results.paused).toEqual({ ok: false, code: "policy_denied", message: "E is paused." });
});
