/**
 * Whether the platform is paused: the one read every part that obeys the
 * pause makes (chat's send, job starts, held turns, maintenance's release).
 * A leaf on purpose — the switch itself (ops/pause.ts) imports the parts it
 * wakes, so the readers must not import the switch.
 */
import type { QueryCtx } from "../_generated/server";

/** One indexed read of the `platformSettings` row. */
export async function isPlatformPaused(ctx: QueryCtx): Promise<boolean> {
  const settings = await ctx.db
    .query("platformSettings")
    .withIndex("by_key", (q) => q.eq("key", "platform"))
    .unique();
  return settings?.paused === true;
}
