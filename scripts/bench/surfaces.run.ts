/**
 * The external surfaces' cost (issue 9): documents read and written, index
 * ranges and scheduled functions, counted by convex-test (no timings), for
 *   - API key authentication with 1, 100 and 1,000 keys stored;
 *   - `POST /v1/channels/{agent}/messages` up to the point the turn is
 *     scheduled (`Prefer: respond-async`), next to the SPA's send mutation;
 *   - a `GET /metrics` scrape after 10, 100 and 1,000 turns;
 *   - `POST /clerk-webhook` (the store step) and processing a `user.created`;
 *   - the outbound hooks (`emitRunEnded`, `emitJobStateChanged`) with 0, 1
 *     and 10 webhook subscriptions in the account.
 *
 * The meter listens to every top-level transaction: commits (mutations) and
 * rollbacks (queries end in one in convex-test), components included.
 */
import { TransactionMetricsTracker } from "convex-test/dist/transactionMetrics.js";
import { afterAll, beforeAll, expect, test, vi } from "vitest";
import { api, internal } from "../../convex/_generated/api";
import type { Id } from "../../convex/_generated/dataModel";
import { send, settle, userWithThread } from "../../convex/chat/testkit.testing";
import { clerkEvents, signed, TEST_SECRET, useSecrets } from "../../convex/clerk/signing.testing";
import { adminWithKey, request } from "../../convex/httpApi/testkit.testing";
import { hashSecret } from "../../convex/httpApi/secrets";
import { startJob } from "../../convex/jobs/testkit.testing";
import { loadJob } from "../../convex/jobs/jobRun";
import { addParts, addToMetric, FAMILIES, observe, RUN_END_BUNDLE, type Family } from "../../convex/ops/metrics";
import type { SeriesPart } from "../../convex/ops/seriesParts";
import { emitJobStateChanged, emitRunEnded } from "../../convex/outbound/events";
import { newHarness, type Harness } from "../../convex/test.setup";

// --- the meter ---------------------------------------------------------------------------

type Counts = { documentsRead: number; documentsWritten: number; databaseQueries: number; functionsScheduled: number };
type Transaction = Counts & { kind: "mutation" | "query" };
type TrackerInternals = { _layers: { metrics: Counts }[]; commit(): void; rollback(): void };

const recorded: Transaction[] = [];
let installed = false;

function installMeter(): void {
  if (installed) return;
  installed = true;
  const proto = TransactionMetricsTracker.prototype as unknown as TrackerInternals;
  const { commit, rollback } = proto;
  const record = (layers: TrackerInternals["_layers"], kind: Transaction["kind"]) => {
    const m = layers.length === 1 ? layers[0]?.metrics : undefined;
    if (m) recorded.push({ kind, documentsRead: m.documentsRead, documentsWritten: m.documentsWritten, databaseQueries: m.databaseQueries, functionsScheduled: m.functionsScheduled });
  };
  proto.commit = function (this: TrackerInternals) {
    record(this._layers, "mutation");
    commit.call(this);
  };
  proto.rollback = function (this: TrackerInternals) {
    record(this._layers, "query");
    rollback.call(this);
  };
}

/** The transactions `fn` ran, one by one and summed. */
async function measure(fn: () => Promise<unknown>): Promise<{ transactions: Transaction[]; total: Counts }> {
  const start = recorded.length;
  await fn();
  const transactions = recorded.slice(start);
  const total: Counts = { documentsRead: 0, documentsWritten: 0, databaseQueries: 0, functionsScheduled: 0 };
  for (const txn of transactions) for (const key of Object.keys(total) as (keyof Counts)[]) total[key] += txn[key];
  return { transactions, total };
}

// --- output ----------------------------------------------------------------------------------

type Row = { section: string; what: string; at: string; txns: string } & Counts;
const rows: Row[] = [];

function row(section: string, what: string, at: string | number, m: { transactions: Transaction[]; total: Counts } | Transaction) {
  const counts = "total" in m ? m.total : m;
  const txns = "total" in m ? `${m.transactions.filter((t) => t.kind === "mutation").length}m+${m.transactions.filter((t) => t.kind === "query").length}q` : m.kind === "mutation" ? "1m" : "1q";
  rows.push({ section, what, at: typeof at === "number" ? at.toLocaleString("en") : at, txns, ...counts });
}

function table(section: string): string {
  const mine = rows.filter((r) => r.section === section);
  const header = ["measure", "at", "txns", "docs read", "docs written", "index ranges", "scheduled"];
  const lines = mine.map((r) => [r.what, r.at, r.txns, String(r.documentsRead), String(r.documentsWritten), String(r.databaseQueries), String(r.functionsScheduled)]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  const fmt = (cells: string[]) => cells.map((c, i) => (i < 2 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(" | ");
  return [`## ${section}`, fmt(header), widths.map((w) => "-".repeat(w)).join("-|-"), ...lines.map(fmt)].join("\n");
}

// The functions under test log every step; keep the bench's output to its tables. Errors still
// show, except the workpool monitor's notices that fake timers jumped past its loop.
const quiet = (["log", "info", "warn", "debug"] as const).map((method) => vi.spyOn(console, method).mockImplementation(() => {}));
const consoleError = console.error.bind(console);
quiet.push(
  vi.spyOn(console, "error").mockImplementation((...args: unknown[]) => {
    if (typeof args[0] === "string" && args[0].startsWith("[monitor]")) return;
    consoleError(...args);
  }),
);
const print = (text: string) => process.stdout.write(`\n${text}\n`);

beforeAll(() => installMeter());
afterAll(() => {
  for (const spy of quiet) spy.mockRestore();
  vi.unstubAllEnvs();
});

function pickRows(section: string, what: string) {
  return rows.filter((r) => r.section === section && r.what === what);
}

// --- API key authentication ------------------------------------------------------------------

const KEY_COUNTS = [1, 100, 1_000];
const AUTH = "API key authentication by keys stored";

/** `count` more keys in the account: rows like `keys:create` writes, all but a few revoked (50 active at most). */
async function insertKeys(t: Harness, accountId: Id<"accounts">, createdBy: Id<"userProfiles">, count: number) {
  for (let done = 0; done < count; done += 250) {
    const batch = Math.min(250, count - done);
    await t.run(async (ctx) => {
      for (let i = done; i < done + batch; i++) {
        await ctx.db.insert("apiKeys", {
          accountId,
          name: `key ${i}`,
          secretHash: await hashSecret(`thk_bench_${i}`),
          displayPrefix: "thk_bench0",
          permission: "read_write",
          rateLimit: { requests: 60, periodMs: 60_000 },
          createdBy,
          createdAt: Date.now(),
          ...(i >= 40 ? { revokedAt: Date.now(), revokedBy: createdBy } : {}),
        });
      }
    });
  }
}

test("API key authentication reads the same documents whatever the number of keys", async () => {
  for (const n of KEY_COUNTS) {
    const t = newHarness();
    const { admin, secret } = await adminWithKey(t, { orgId: "org_bench_keys", permission: "read", rateLimit: { requests: 1000, periodSeconds: 60 } });
    await insertKeys(t, admin.accountId, admin.userId, n - 1);
    expect(await t.run(async (ctx) => (await ctx.db.query("apiKeys").collect()).length)).toBe(n);
    const secretHash = await hashSecret(secret);
    const unknownHash = await hashSecret(`thk_${"Z".repeat(43)}`);
    // Warm-up: the first use creates the key's rate bucket and stamps lastUsedAt (then at most once a minute).
    await t.mutation(internal.httpApi.auth.authenticate, { secretHash, client: "bench" });
    await t.mutation(internal.httpApi.auth.authenticate, { secretHash: unknownHash, client: "bench" });

    row(AUTH, "authenticate: valid key", n, await measure(() => t.mutation(internal.httpApi.auth.authenticate, { secretHash, client: "bench" })));
    row(AUTH, "authenticate: unknown key (counted)", n, await measure(() => t.mutation(internal.httpApi.auth.authenticate, { secretHash: unknownHash, client: "bench" })));
    const whole = await measure(async () => expect((await request(t, "GET", "/v1/capabilities/agent:assistant", { key: secret })).status).toBe(200));
    row(AUTH, "GET /v1/capabilities/agent:assistant (whole request)", n, whole);
  }
  print(table(AUTH));
  for (const what of new Set(rows.filter((r) => r.section === AUTH).map((r) => r.what))) {
    const reads = pickRows(AUTH, what).map((r) => r.documentsRead);
    expect(new Set(reads).size, `${what}: ${reads.join(", ")}`).toBe(1);
  }
});

// --- POST /v1/channels/{agent}/messages --------------------------------------------------------

const CHANNEL = "POST /v1/channels/assistant/messages until the turn is scheduled (Prefer: respond-async)";
const CONVERSATION_LENGTHS = [1, 20];

test("a channel message: what the request does before the turn starts", async () => {
  vi.useFakeTimers();
  const t = newHarness();
  const { admin, secret } = await adminWithKey(t, { orgId: "org_bench_channel", rateLimit: { requests: 1000, periodSeconds: 60 } });
  const post = (body: Record<string, unknown>) => request(t, "POST", "/v1/channels/assistant/messages", { key: secret, body, headers: { Prefer: "respond-async" } });
  // Warm-up: rate buckets, the pools' own bookkeeping.
  const first = await post({ text: "Hello!" });
  expect(first.status).toBe(202);
  await settle(t);

  const labels = ["authenticate (mutation)", "httpApi/turns:sendMessage (mutation)", "httpApi/interactions:view (query)"];
  const breakdown = (at: string, m: Awaited<ReturnType<typeof measure>>) => {
    expect(m.transactions.map((txn) => txn.kind)).toEqual(["mutation", "mutation", "query"]);
    m.transactions.forEach((txn, i) => row(CHANNEL, `  ${labels[i]}`, at, txn));
  };

  const fresh = await measure(async () => expect((await post({ text: "Tell me about durable workflows" })).status).toBe(202));
  row(CHANNEL, "new conversation: whole request", "-", fresh);
  breakdown("-", fresh);
  await settle(t);

  const conversationId = (first.body.data as { conversation_id: string }).conversation_id;
  let turns = 1;
  for (const length of CONVERSATION_LENGTHS) {
    for (; turns < length; turns++) {
      expect((await post({ text: `Message ${turns}`, conversation_id: conversationId })).status).toBe(202);
      await settle(t);
    }
    const continued = await measure(async () => expect((await post({ text: "And then?", conversation_id: conversationId })).status).toBe(202));
    turns++;
    await settle(t);
    row(CHANNEL, "continue a conversation: whole request", `${length} turns`, continued);
    breakdown(`${length} turns`, continued);
  }

  // The SPA's path to the same turn, for comparison.
  const assistant = (await t.run(async (ctx) => ctx.db.query("agents").withIndex("by_accountId_slug", (q) => q.eq("accountId", admin.accountId).eq("slug", "assistant")).unique()))!;
  const thread = await admin.client.mutation(api.chat.threads.create, { accountId: admin.accountId, agentId: assistant._id });
  await send(admin, thread.threadId, "Hello!");
  await settle(t);
  row(CHANNEL, "SPA chat/messages:send (mutation)", "-", await measure(() => send(admin, thread.threadId, "Tell me about durable workflows")));
  await settle(t);
  vi.useRealTimers();
  print(table(CHANNEL));
  const [short, long] = CONVERSATION_LENGTHS.map((length) => pickRows(CHANNEL, "continue a conversation: whole request").find((r) => r.at === `${length} turns`)!);
  expect(long!.documentsRead).toBe(short!.documentsRead);
});

// --- GET /metrics -------------------------------------------------------------------------------

const METRICS = "GET /metrics scrape by turns recorded";
const METRICS_TOKEN = "bench-metrics-token";
/** Turns run for real (a greeting answered by triage, a model call, a tool call, in turn); the rest replay their recordings. */
const REAL_TURNS = 60;
const TURN_COUNTS = [10, 100, 1_000];
const PROMPTS = ["Hello!", "Tell me about durable workflows", "What time is it in Tokyo?"];

/** What a run-end bundle row gained between two readings of it (`before` absent: the row is new). */
function partsAdded(before: SeriesPart[] | undefined, after: SeriesPart[]): SeriesPart[] {
  return after.flatMap((part) => {
    const old = before?.find((p) => p.name === part.name && p.labels === part.labels);
    if (old === undefined) return [part];
    const value = part.value - old.value;
    const count = part.count !== undefined ? part.count - (old.count ?? 0) : undefined;
    if (value === 0 && !count) return [];
    const buckets = part.buckets?.map((n, i) => n - (old.buckets?.[i] ?? 0));
    return [{ name: part.name, labels: part.labels, value, ...(count !== undefined ? { count } : {}), ...(buckets ? { buckets } : {}) }];
  });
}

/** Label values of a stored label string (`model="offline",status="completed"` → ["offline", "completed"]). */
function labelValues(labels: string): string[] {
  return [...labels.matchAll(/\w+="((?:[^"\\]|\\.)*)"/g)].map((match) => match[1]!.replace(/\\"/g, '"').replace(/\\n/g, "\n").replace(/\\\\/g, "\\"));
}

test("a /metrics scrape reads pre-aggregated series: flat in the number of turns", async () => {
  vi.useFakeTimers();
  vi.stubEnv("HARNESS_METRICS_TOKEN", METRICS_TOKEN);
  const t = newHarness();
  const { user, thread } = await userWithThread(t, { orgId: "org_bench_metrics", role: "admin" });
  const scrape = async () => {
    const response = await t.fetch("/metrics", { headers: { Authorization: `Bearer ${METRICS_TOKEN}` } });
    expect(response.status).toBe(200);
    await response.text();
  };
  const rowsOf = () => t.run(async (ctx) => (await ctx.db.query("metricSeries").collect()).length);

  // One real turn of each kind records, per series, what replaying it records.
  let turns = 0;
  type Recorded = { family: Family; values: string[]; observation: number | null; amount: number } | { bundle: string[]; parts: SeriesPart[] };
  const perTurn: Recorded[][] = [];
  for (const n of TURN_COUNTS) {
    for (; turns < Math.min(n, REAL_TURNS); turns++) {
      const before = await t.run(async (ctx) => await ctx.db.query("metricSeries").collect());
      await send(user, thread.threadId, PROMPTS[turns % PROMPTS.length]!);
      await settle(t);
      if (turns < PROMPTS.length) {
        // What this kind of turn added to each series (count for histograms, value for the rest).
        const after = await t.run(async (ctx) => await ctx.db.query("metricSeries").collect());
        const sum = (list: typeof after, name: string, labels: string, field: "value" | "count") =>
          list.filter((r) => r.name === name && r.labels === labels).reduce((s, r) => s + (r[field] ?? 0), 0);
        const series = new Map(after.filter((r) => r.name !== RUN_END_BUNDLE.name).map((r) => [`${r.name}\u0000${r.labels}`, r]));
        const recording: Recorded[] = [];
        // The run's end: one bundle row (ops/seriesParts.ts), replayed as the parts it gained.
        for (const r of after.filter((row) => row.name === RUN_END_BUNDLE.name)) {
          const parts = partsAdded(before.find((b) => b._id === r._id)?.parts, r.parts ?? []);
          if (parts.length > 0) recording.push({ bundle: labelValues(r.labels), parts });
        }
        for (const r of series.values()) {
          const family = (Object.values(FAMILIES) as Family[]).find((f) => f.name === r.name)!;
          if (family.type === "histogram") {
            const count = sum(after, r.name, r.labels, "count") - sum(before, r.name, r.labels, "count");
            const seconds = sum(after, r.name, r.labels, "value") - sum(before, r.name, r.labels, "value");
            for (let k = 0; k < count; k++) recording.push({ family, values: labelValues(r.labels), observation: seconds / count, amount: 0 });
          } else {
            const amount = sum(after, r.name, r.labels, "value") - sum(before, r.name, r.labels, "value");
            if (amount !== 0) recording.push({ family, values: labelValues(r.labels), observation: null, amount });
          }
        }
        perTurn.push(recording);
      }
    }
    // Past the real turns: each further turn records what a real turn of its kind recorded, through the same hooks.
    for (; turns < n; ) {
      const batch = Math.min(50, n - turns);
      const first = turns;
      await t.run(async (ctx) => {
        for (let k = first; k < first + batch; k++) {
          for (const r of perTurn[k % perTurn.length]!) {
            if ("bundle" in r) await addParts(ctx, RUN_END_BUNDLE, r.bundle, r.parts);
            else if (r.observation !== null) await observe(ctx, r.family, r.values, r.observation);
            else await addToMetric(ctx, r.family, r.values, r.amount);
          }
        }
      });
      turns += batch;
    }
    const scraped = await measure(scrape);
    expect(scraped.transactions.map((txn) => txn.kind)).toEqual(["query", "query"]);
    row(METRICS, "GET /metrics (snapshot + probe queries)", `${n} turns (${await rowsOf()} series rows)`, scraped);
  }
  vi.useRealTimers();
  print(table(METRICS));
  const reads = pickRows(METRICS, "GET /metrics (snapshot + probe queries)").map((r) => r.documentsRead);
  // Flat once every series has its shards: the scrape reads (series × shards), never the turns. Writers pick
  // a shard at random, so at 100 turns a series may still miss one of its shards: allow 5 % for that.
  const [, at100, at1000] = reads;
  expect(Math.abs(at1000! - at100!), `/metrics scrape: ${at100} documents read at 100 turns, ${at1000} at 1,000 (flat within 5 %)`).toBeLessThanOrEqual(Math.ceil(at100! * 0.05));
});

// --- Clerk webhooks -------------------------------------------------------------------------------

const CLERK = "POST /clerk-webhook and processing a user.created, by events stored";
const STORED_EVENTS = [0, 1_000];

test("Clerk webhooks: the store step and processing", async () => {
  vi.useFakeTimers();
  useSecrets(TEST_SECRET);
  for (const stored of STORED_EVENTS) {
    const t = newHarness();
    for (let done = 0; done < stored; done += 500) {
      await t.run(async (ctx) => {
        for (let i = done; i < Math.min(stored, done + 500); i++) {
          await ctx.db.insert("clerkEvents", { svixId: `msg_old_${i}`, type: "user.updated", body: "{}", sentAt: 0, receivedAt: 0, status: "processed", attempts: 1, outcome: "user.updated" });
        }
      });
    }
    const deliver = (delivery: ReturnType<typeof signed>) => t.fetch("/clerk-webhook", { method: "POST", headers: delivery.headers, body: delivery.body });
    // Warm-up: the pool's own bookkeeping.
    expect((await deliver(signed(clerkEvents.user("user.created", "user_warm", { first: "Warm", email: "warm@example.test" })))).status).toBe(200);
    await settle(t);

    const delivery = signed(clerkEvents.user("user.created", "user_bench_1", { first: "Bea", email: "bea@example.test" }));
    row(CLERK, "store: new user.created (receive)", stored, await measure(async () => expect((await deliver(delivery)).status).toBe(200)));
    row(CLERK, "store: same svix-id again (duplicate)", stored, await measure(async () => expect((await deliver(delivery)).status).toBe(200)));
    row(CLERK, "process: everything scheduled (pool + applyEvent)", stored, await measure(() => settle(t)));

    // The apply mutation alone, for a second user (the pool's later run finds it processed and does nothing).
    const second = signed(clerkEvents.user("user.created", "user_bench_2", { first: "Cal", email: "cal@example.test" }));
    expect((await deliver(second)).status).toBe(200);
    const eventId = (await t.run(async (ctx) => ctx.db.query("clerkEvents").withIndex("by_svixId", (q) => q.eq("svixId", second.svixId)).unique()))!._id;
    row(CLERK, "process: clerk/process:applyEvent alone", stored, await measure(() => t.mutation(internal.clerk.process.applyEvent, { eventId })));
    await settle(t);
    const profiles = await t.run(async (ctx) => ctx.db.query("userProfiles").collect());
    expect(profiles.map((p) => p.clerkUserId).sort()).toEqual(["user_bench_1", "user_bench_2", "user_warm"]);
  }
  vi.useRealTimers();
  vi.unstubAllEnvs();
  print(table(CLERK));
});

// --- outbound hooks --------------------------------------------------------------------------------

const OUTBOUND = "outbound hooks by webhook subscriptions in the account";
const SUBSCRIPTION_COUNTS = [0, 1, 10];

test("outbound emit: one index read without subscriptions, a delivery + an enqueue per subscription", async () => {
  vi.useFakeTimers();
  for (const k of SUBSCRIPTION_COUNTS) {
    const t = newHarness();
    const { user, thread } = await userWithThread(t, { orgId: "org_bench_outbound", role: "admin" });
    const { interactionId } = await send(user, thread.threadId, "Tell me about durable workflows");
    await settle(t);
    const jobId = await startJob(user, { type: "summarize", input: "the quarter" });
    await settle(t);
    // Subscribed after the fact, so the hooks below have an event nobody received yet. Never delivered (no settle).
    for (let i = 0; i < k; i++) {
      await user.client.mutation(api.outbound.subscriptions.subscribe, {
        accountId: user.accountId,
        url: `https://hooks.example.test/hook-${i}`,
        events: ["interaction.completed", "message.response", "job.state_changed"],
      });
    }
    row(OUTBOUND, "emitRunEnded (interaction.completed + message.response)", `${k} subs`, await measure(() => t.run((ctx) => emitRunEnded(ctx, interactionId as Id<"interactions">))));
    row(OUTBOUND, "emitJobStateChanged (job.state_changed)", `${k} subs`, await measure(() => t.run(async (ctx) => emitJobStateChanged(ctx, await loadJob(ctx, jobId), "running"))));
    const deliveries = await t.run(async (ctx) => (await ctx.db.query("webhookDeliveries").collect()).length);
    expect(deliveries).toBe(3 * k);
    // Nothing is sent: with the subscriptions disabled each delivery is skipped, and the pool drains before the next instance.
    await t.run(async (ctx) => {
      for (const s of await ctx.db.query("webhookSubscriptions").collect()) await ctx.db.patch("webhookSubscriptions", s._id, { status: "disabled" });
    });
    await settle(t);
  }
  vi.useRealTimers();
  print(table(OUTBOUND));
  const none = pickRows(OUTBOUND, "emitJobStateChanged (job.state_changed)")[0]!;
  expect(none.documentsWritten).toBe(0);
});
