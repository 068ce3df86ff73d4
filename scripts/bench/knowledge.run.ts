/**
 * Knowledge benchmark (issue: knowledge). Counts, not timings:
 *   - documents read and written per search (every transaction of one
 *     `searchKnowledge` across the turn's four scopes, components included),
 *     with a small and with a larger knowledge base;
 *   - documents read and written to ingest a ~10-page Markdown document
 *     (the add mutation plus every transaction until the scheduler is idle);
 *   - retrieval quality: recall@5 and MRR of the offline hashing embedding
 *     (the real search path) against an exact keyword baseline, on a small
 *     labelled set written for this benchmark (20 documents, 16 queries).
 */
import { expect, test, vi } from "vitest";
import { api } from "../../convex/_generated/api";
import type { Id } from "../../convex/_generated/dataModel";
import { probe, probeModules } from "../../convex/knowledge/probe.testing";
import { CONTEXT_MIN_SCORE } from "../../convex/knowledge/retrieval";
import { STOP_WORDS, words } from "../../convex/models/text";
import { asMember, newHarness, type Harness } from "../../convex/test.setup";
import { TransactionMetricsTracker } from "convex-test/dist/transactionMetrics.js";
import type { Metrics } from "./transactionMeter";

// --- counting queries too ------------------------------------------------------------
// `transactionMeter.ts` counts committed transactions; a search is mostly
// queries (run from actions), which convex-test ends with a rollback. This
// meter records every top-level transaction, committed or rolled back.

type TrackerInternals = { _layers: { metrics: Metrics }[]; commit(): void; rollback(): void };
const recorded: Metrics[] = [];
let installed = false;

function installMeter(): void {
  if (installed) return;
  installed = true;
  const proto = TransactionMetricsTracker.prototype as unknown as TrackerInternals;
  for (const method of ["commit", "rollback"] as const) {
    const original = proto[method];
    proto[method] = function (this: TrackerInternals) {
      const isTopLevel = this._layers.length === 1;
      const metrics = this._layers[this._layers.length - 1]?.metrics;
      original.call(this);
      if (isTopLevel && metrics) recorded.push({ ...metrics });
    };
  }
}

async function measure(fn: () => Promise<unknown>): Promise<{ transactions: number; total: Metrics }> {
  const start = recorded.length;
  await fn();
  const total: Metrics = { documentsRead: 0, documentsWritten: 0, databaseQueries: 0, functionsScheduled: 0, bytesRead: 0, bytesWritten: 0 };
  for (const m of recorded.slice(start)) for (const key of Object.keys(total) as (keyof Metrics)[]) total[key] += m[key];
  return { transactions: recorded.length - start, total };
}

// --- the labelled set ---------------------------------------------------------------

const DOCS: Record<string, string> = {
  refund: "Customers may request a refund within 30 days of purchase. Refunds go back to the original payment method and take five to ten business days.",
  shipping: "Standard shipping takes three to five working days within the EU. Express delivery arrives the next day when ordered before 2pm.",
  password: "To reset your password, click “Forgot password” on the sign-in page and follow the link we email you. Links expire after one hour.",
  twoFactor: "Two-factor authentication can be turned on under Settings > Security, with an authenticator app or SMS codes.",
  holiday: "Full-time employees receive 28 days of paid annual leave, including public holidays. Unused leave expires at the end of March.",
  expenses: "Submit expense claims within 60 days through the finance portal with receipts attached. Meals are reimbursed up to 40 euros a day.",
  parking: "The office car park opens at 7am and closes at 10pm. Visitors park on level 2 and register at reception.",
  wifi: "The guest Wi-Fi network is called Acme-Guest; its password changes every Monday and is posted at reception.",
  rateLimits: "The public API allows 100 requests per minute per key. Going over the limit returns HTTP 429 with a Retry-After header.",
  retention: "Customer data is retained for seven years for tax purposes, then deleted. Users can request erasure under GDPR at any time.",
  invoices: "Invoices are issued on the first of each month and are payable within 30 days by bank transfer or card.",
  onboarding: "New hires receive a laptop on their first day and complete security training during their first week.",
  offboarding: "When leaving the company, hand your laptop and badge back to IT on your last working day.",
  pricing: "The Starter plan costs 9 euros per user per month; the Business plan costs 25 euros and adds single sign-on and audit logs.",
  cancellation: "You can cancel your subscription at any time from the billing page; access continues until the end of the paid period.",
  supportHours: "Our support team is available Monday to Friday from 8am to 6pm CET, by chat and email.",
  incidents: "Report suspected phishing or other security incidents immediately to security@acme.example or the on-call phone line.",
  remote: "Employees may work from home up to three days a week with their manager's approval.",
  sso: "Single sign-on supports SAML and OpenID Connect identity providers such as Okta and Azure AD.",
  backups: "Databases are backed up every night and the backups are kept for 35 days in a second region.",
};

/** Each query with the one document that answers it. Some share words with it, some only paraphrase it. */
const QUERIES: { query: string; relevant: string }[] = [
  { query: "How do I get my money back?", relevant: "refund" },
  { query: "how long does delivery take", relevant: "shipping" },
  { query: "I forgot my password", relevant: "password" },
  { query: "enable 2FA with an authenticator", relevant: "twoFactor" },
  { query: "how many vacation days do I get", relevant: "holiday" },
  { query: "reimbursement for meals", relevant: "expenses" },
  { query: "where can visitors park", relevant: "parking" },
  { query: "what is the guest wifi password", relevant: "wifi" },
  { query: "too many requests error 429", relevant: "rateLimits" },
  { query: "how long do you keep customer data", relevant: "retention" },
  { query: "when are invoices due", relevant: "invoices" },
  { query: "what happens to my laptop when I leave", relevant: "offboarding" },
  { query: "price of the business plan", relevant: "pricing" },
  { query: "cancel my subscription", relevant: "cancellation" },
  { query: "Does SSO work with Okta?", relevant: "sso" },
  { query: "report a phishing email", relevant: "incidents" },
];

/** Queries nothing in the set answers: their best score shows where "unrelated" ends. */
const OFF_TOPIC = ["quantum chromodynamics on a lattice", "recipe for sourdough bread", "who won the football world cup", "tide tables for Brest"];

// --- the exact keyword baseline ----------------------------------------------------------------

function keywordRanking(query: string): string[] {
  const terms = new Set(words(query).filter((word) => !STOP_WORDS.has(word)));
  return Object.entries(DOCS)
    .map(([name, text], index) => {
      const present = new Set(words(text));
      return { name, index, score: [...terms].filter((term) => present.has(term)).length };
    })
    .filter((doc) => doc.score > 0)
    .sort((a, b) => b.score - a.score || a.index - b.index)
    .map((doc) => doc.name);
}

type Quality = { recallAt5: number; mrr: number; misses: string[] };

function quality(rankings: { relevant: string; ranked: string[]; query: string }[]): Quality {
  let found = 0;
  let reciprocal = 0;
  const misses: string[] = [];
  for (const { relevant, ranked, query } of rankings) {
    const position = ranked.slice(0, 5).indexOf(relevant);
    if (position >= 0) {
      found++;
      reciprocal += 1 / (position + 1);
    } else {
      misses.push(query);
    }
  }
  return { recallAt5: found / rankings.length, mrr: reciprocal / rankings.length, misses };
}

// --- a ~10-page document ------------------------------------------------------------------------

const SENTENCES = [
  "The service level objective for the public API is 99.9 percent monthly availability.",
  "Incidents are triaged by the on-call engineer within fifteen minutes of the first alert.",
  "Every change to production goes through code review and an automated test suite.",
  "Customer-facing status updates are posted every thirty minutes during an outage.",
  "Post-incident reviews are blameless and published internally within five working days.",
  "Capacity planning is revisited each quarter against the growth forecast.",
  "Secrets are rotated every ninety days and never stored in source control.",
  "Access to production data requires a ticket and is logged for audit.",
];

/** About 3,000 characters a page, with headings, like an operations handbook. */
function tenPageDocument(): string {
  const pages: string[] = [];
  for (let page = 1; page <= 10; page++) {
    const sections: string[] = [`# Chapter ${page}`];
    for (let section = 1; section <= 3; section++) {
      sections.push(`## Section ${page}.${section}`);
      for (let paragraph = 0; paragraph < 3; paragraph++) {
        const start = (page * 7 + section * 3 + paragraph) % SENTENCES.length;
        sections.push(
          Array.from({ length: 5 }, (_, i) => SENTENCES[(start + i) % SENTENCES.length]!)
            .join(" ")
            .replace("The ", `In chapter ${page}, the `),
        );
      }
    }
    pages.push(sections.join("\n\n"));
  }
  return pages.join("\n\n");
}

// --- the run ------------------------------------------------------------------------------------

async function settle(t: Harness) {
  await t.finishAllScheduledFunctions(vi.runAllTimers);
}

test("knowledge: documents read per search and per ingestion, recall@5 of the offline embedding", async () => {
  installMeter();
  vi.useFakeTimers();
  const t = newHarness(probeModules);
  const admin = await asMember(t, "org_bench", "admin");
  const agent = await t.run(async (ctx) => ctx.db.query("agents").withIndex("by_accountId_slug", (q) => q.eq("accountId", admin.accountId)).first());
  const agentId = agent!._id as Id<"agents">;
  const scope = { accountId: admin.accountId, userId: admin.userId, agentId };

  // The labelled set, in the account scope, one document each.
  const titleOf = new Map<string, string>();
  for (const [name, text] of Object.entries(DOCS)) {
    titleOf.set(name, name);
    await admin.client.mutation(api.knowledge.documents.addText, { accountId: admin.accountId, scope: { kind: "account" }, title: name, text });
  }
  // A few facts in the user and agent scopes, so every namespace has something.
  await t.action(probe.storeFact, { ...scope, scope: "user", subject: "my team", predicate: "is", value: "platform engineering" });
  await t.action(probe.storeFact, { ...scope, scope: "agent", subject: "this agent", predicate: "answers", value: "HR questions" });
  await settle(t);

  // Warm-up search (first-use bookkeeping), then one measured search.
  await t.action(probe.search, { ...scope, query: "warm up", limit: 5 });
  const smallSearch = await measure(() => t.action(probe.search, { ...scope, query: "how long does delivery take", limit: 5 }));

  // Quality on the labelled set.
  const embedded: { relevant: string; ranked: string[]; query: string }[] = [];
  const relevantScores: number[] = [];
  for (const { query, relevant } of QUERIES) {
    const hits = await t.action(probe.search, { ...scope, query, limit: 5, scopes: ["account"] });
    embedded.push({ query, relevant, ranked: hits.map((hit) => hit.title) });
    const hit = hits.find((candidate) => candidate.title === relevant);
    if (hit) relevantScores.push(hit.score);
  }
  const offTopicScores: number[] = [];
  for (const query of OFF_TOPIC) {
    const hits = await t.action(probe.search, { ...scope, query, limit: 1, scopes: ["account"] });
    offTopicScores.push(hits[0]?.score ?? 0);
  }
  // Context assembly (retrieveContext) on the same queries: is the answer offered, and is noise kept out?
  let contextFound = 0;
  let contextEntries = 0;
  for (const { query, relevant } of QUERIES) {
    const context = await t.action(probe.retrieve, { ...scope, query });
    contextEntries += context.entries.length;
    if (context.entries.some((entry) => entry.title === relevant)) contextFound++;
  }
  let offTopicWithContext = 0;
  for (const query of OFF_TOPIC) {
    if ((await t.action(probe.retrieve, { ...scope, query })).entries.length > 0) offTopicWithContext++;
  }
  const retrieveCost = await measure(() => t.action(probe.retrieve, { ...scope, query: "how long does delivery take" }));

  const keyword = QUERIES.map(({ query, relevant }) => ({ query, relevant, ranked: keywordRanking(query) }));
  const offline = quality(embedded);
  const exact = quality(keyword);

  // Ingestion of a ~10-page document, then a search over the larger base.
  const document = tenPageDocument();
  const ingestion = await measure(async () => {
    await admin.client.mutation(api.knowledge.documents.addText, {
      accountId: admin.accountId,
      scope: { kind: "account" },
      title: "Operations handbook",
      text: document,
      format: "markdown",
    });
    await settle(t);
  });
  const handbook = await admin.client.query(api.knowledge.documents.list, {
    accountId: admin.accountId,
    scope: { kind: "account" },
    paginationOpts: { numItems: 1, cursor: null },
  });
  expect(handbook.page[0]).toMatchObject({ title: "Operations handbook", status: "ready" });
  const bigSearch = await measure(() => t.action(probe.search, { ...scope, query: "how often are secrets rotated", limit: 5 }));
  vi.useRealTimers();

  const sorted = [...relevantScores].sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)] ?? 0;
  const rows = [
    ["measure", "txns", "docs read", "docs written", "index ranges"],
    ["search, 4 scopes, 22 entries", smallSearch],
    [`search, 4 scopes, + 10-page doc`, bigSearch],
    ["retrieveContext (search, limit 10)", retrieveCost],
    [`ingest 10-page doc (${Math.round(document.length / 1000)}k chars, ${handbook.page[0]!.chunkCount} chunks)`, ingestion],
  ].map((row) =>
    typeof row[1] === "object" ? [row[0] as string, String(row[1].transactions), String(row[1].total.documentsRead), String(row[1].total.documentsWritten), String(row[1].total.databaseQueries)] : (row as string[]),
  );
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)));
  const fmt = (cells: string[]) => cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join(" | ");
  const quality2 = [
    ["retrieval (20 docs, 16 queries)", "recall@5", "MRR", "missed"],
    ["offline hashing embedding", offline.recallAt5.toFixed(2), offline.mrr.toFixed(2), offline.misses.join("; ") || "-"],
    ["exact keyword baseline", exact.recallAt5.toFixed(2), exact.mrr.toFixed(2), exact.misses.join("; ") || "-"],
  ];
  const qWidths = quality2[0]!.map((_, i) => Math.max(...quality2.map((row) => row[i]!.length)));
  const qFmt = (cells: string[]) => cells.map((cell, i) => (i === 0 || i === 3 ? cell.padEnd(qWidths[i]!) : cell.padStart(qWidths[i]!))).join(" | ");
  console.log(
    [
      "",
      fmt(rows[0]!),
      widths.map((w) => "-".repeat(w)).join("-|-"),
      ...rows.slice(1).map(fmt),
      "",
      qFmt(quality2[0]!),
      qWidths.map((w) => "-".repeat(w)).join("-|-"),
      ...quality2.slice(1).map(qFmt),
      "",
      `offline scores: relevant hits min ${sorted[0]?.toFixed(2)} / median ${median.toFixed(2)}; off-topic queries' best hit ${offTopicScores.map((x) => x.toFixed(2)).join(", ")}`,
      `retrieveContext (score >= ${CONTEXT_MIN_SCORE.offline} and a shared word): answer offered for ${contextFound}/${QUERIES.length} queries ` +
        `(${(contextEntries / QUERIES.length).toFixed(1)} entries each); context for ${offTopicWithContext}/${OFF_TOPIC.length} off-topic queries`,
      "",
    ].join("\n"),
  );
  expect(offline.recallAt5).toBeGreaterThan(0);
});
