import { v } from "convex/values";

export const vToolCallStatus = v.union(
  v.literal("started"),
  v.literal("committed"),
  v.literal("failed"),
  v.literal("unknown"),
);

/** Longest message a user may send, in characters. */
export const MAX_MESSAGE_LENGTH = 8_000;
/** Most model calls one turn may make before it stops (G3). */
export const MAX_LLM_CALLS_PER_TURN = 6;
