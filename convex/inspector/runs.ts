/**
 * The run inspector's reads, for support staff (platform admins, and account
 * admins for their own account). All queries: the SPA subscribes, and the
 * timeline, tree, costs and streamed text update as the run goes.
 */
import { listUIMessages, syncStreams, vStreamArgs, type SyncStreamsReturnValue } from "@convex-dev/agent";
import { paginationOptsValidator, paginationResultValidator } from "convex/server";
import { v } from "convex/values";
import { components } from "../_generated/api";
import { vUIMessagesPage } from "../lib/threadMessages";
import { redactJson, redactText } from "../runs/stepPayload";
import { Names } from "./names";
import { pageOfRuns, publicRun, runInAccount } from "./runRows";
import { inspectorQuery } from "./staff";
import { loadTimeline } from "./timeline";
import { vRunFilters, vRunRow, vRunTimeline } from "./validators";

/**
 * The account's runs (turns, delegations, jobs), newest first, filtered by
 * agent, user, status, kind and a `createdAt` range. Reads one index range
 * of at most `numItems` (≤ 100) runs; with several filters a page may come
 * back short (see `pageOfRuns`) — keep loading until `isDone`.
 */
export const listRuns = inspectorQuery({
  args: { paginationOpts: paginationOptsValidator, ...vRunFilters },
  returns: paginationResultValidator(vRunRow),
  handler: async (ctx, { accountId, paginationOpts, ...filters }) => {
    const result = await pageOfRuns(ctx, accountId, filters, paginationOpts);
    const names = new Names(ctx);
    const page = [];
    for (const run of result.page) page.push(await publicRun(run, names));
    return { page, isDone: result.isDone, continueCursor: result.continueCursor };
  },
});

/** One run's timeline: steps, delegation tree, messages, agent version, and the workflow journal reconciled with our rows. */
export const getRun = inspectorQuery({
  args: { interactionId: v.id("interactions") },
  returns: vRunTimeline,
  handler: async (ctx, { accountId, interactionId }) => {
    const run = await runInAccount(ctx, accountId, interactionId);
    return await loadTimeline(ctx, run, new Names(ctx));
  },
});

/**
 * A message part, or a streamed chunk, as staff see it: its text (`text`, a
 * chunk's `delta`, a tool input's `inputTextDelta`) and a tool part's input
 * and output, with secrets redacted (runs/stepPayload.ts).
 */
function redactedPart<P extends object>(part: P): P {
  const shown = { ...part } as Record<string, unknown>;
  for (const field of ["text", "delta", "inputTextDelta"] as const) if (typeof shown[field] === "string") shown[field] = redactText(shown[field]);
  for (const field of ["input", "output"] as const) if (field in shown) shown[field] = redactJson(shown[field]);
  return shown as P;
}

/**
 * A reply still streaming, redacted chunk by chunk. Replies are saved as
 * they stream in whole words (`chunking: "word"`, chat/llm.ts), so a key or
 * token, one word, arrives whole in one chunk and is caught there; a secret
 * recognised only with the words before it ("password: …", "Bearer …") is
 * caught only when those words came in the same chunk, and is redacted in
 * full once the message is saved.
 */
function redactedStreams(streams: SyncStreamsReturnValue | undefined): SyncStreamsReturnValue | undefined {
  if (streams?.kind !== "deltas") return streams;
  return { kind: "deltas", deltas: streams.deltas.map((delta) => ({ ...delta, parts: delta.parts.map((part: object) => redactedPart(part)) })) };
}

/**
 * The live text of the run's thread for `useUIMessages(..., { stream: true })`:
 * UI messages newest page first plus the deltas of replies still streaming.
 * The run's own messages are those at its prompt's `order`. Stored messages
 * are redacted like the timeline, and so are the chunks of a reply still
 * streaming (`redactedStreams`).
 */
export const runMessages = inspectorQuery({
  args: { interactionId: v.id("interactions"), paginationOpts: paginationOptsValidator, streamArgs: v.optional(vStreamArgs) },
  returns: vUIMessagesPage,
  handler: async (ctx, { accountId, interactionId, paginationOpts, streamArgs }) => {
    const run = await runInAccount(ctx, accountId, interactionId);
    const thread = run.threadId === undefined ? null : await ctx.db.get("threads", run.threadId);
    if (thread === null) return { page: [], isDone: true, continueCursor: "", streams: undefined };
    const paginated = await listUIMessages(ctx, components.agent, { threadId: thread.agentThreadId, paginationOpts });
    const streams = redactedStreams(await syncStreams(ctx, components.agent, { threadId: thread.agentThreadId, streamArgs }));
    const page = paginated.page.map((message) => ({ ...message, text: redactText(message.text), parts: message.parts.map(redactedPart) }));
    return { ...paginated, page, streams };
  },
});
