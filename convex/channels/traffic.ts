/**
 * Each channel's traffic for the Usage page: turns started per channel per
 * day, with their tokens (the turn's own) and cost (with its delegates').
 * Derived from the runs themselves — no counter on the turn's hot path — by
 * one bounded index range over the account's recent turns; an account busier
 * than that in the period gets the newest turns and `truncated: true`.
 */
import { v } from "convex/values";
import { vChannel } from "../agents/channels";
import { fail } from "../lib/errors";
import { accountQuery } from "../lib/functions";
import { ThreadChannels } from "./threadChannel";
import { isChatRun } from "../runs/records";

/** Turns read per query: interaction rows carry their prompt, so this stays far below the read limit. */
export const MAX_TURNS_READ = 500;
const DAY_MS = 86_400_000;

const vChannelDay = v.object({ day: v.string(), channel: vChannel, turns: v.number(), tokens: v.number(), costUsd: v.number() });

export const daily = accountQuery({
  args: { days: v.number() },
  returns: v.object({ rows: v.array(vChannelDay), truncated: v.boolean() }),
  handler: async (ctx, { accountId, days }) => {
    if (!Number.isInteger(days) || days < 1 || days > 31) fail("bad_request", "Ask for 1 to 31 days.", { field: "days" });
    const since = new Date(Date.now() - (days - 1) * DAY_MS).setUTCHours(0, 0, 0, 0);
    const turns = await ctx.db
      .query("interactions")
      .withIndex("by_accountId_kind_createdAt", (q) => q.eq("accountId", accountId).eq("kind", "turn").gte("createdAt", since))
      .order("desc")
      .take(MAX_TURNS_READ + 1);
    const channels = new ThreadChannels(ctx);
    const totals = new Map<string, { day: string; channel: Awaited<ReturnType<ThreadChannels["of"]>>; turns: number; tokens: number; micro: number }>();
    for (const turn of turns.slice(0, MAX_TURNS_READ).filter(isChatRun)) {
      const day = new Date(turn.createdAt).toISOString().slice(0, 10);
      const channel = await channels.of(turn.threadId);
      const key = `${day}:${channel}`;
      const row = totals.get(key) ?? { day, channel, turns: 0, tokens: 0, micro: 0 };
      row.turns += 1;
      row.tokens += turn.tokensIn + turn.tokensOut;
      row.micro += turn.treeCostMicroUsd;
      totals.set(key, row);
    }
    const rows = [...totals.values()]
      .sort((a, b) => a.day.localeCompare(b.day) || a.channel.localeCompare(b.channel))
      .map(({ micro, ...row }) => ({ ...row, costUsd: micro / 1_000_000 }));
    return { rows, truncated: turns.length > MAX_TURNS_READ };
  },
});
