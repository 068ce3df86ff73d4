/**
 * What a thread-messages query returns to the SPA's
 * `useUIMessages(..., { stream: true })`: a page of the agent component's UI
 * messages (`listUIMessages`) plus the deltas of replies still streaming
 * (`syncStreams`). The agent package exports validators for message docs and
 * streams but not for UI messages, so the message envelope is checked here.
 */
import { vPaginationResult, vStreamMessagesReturnValue } from "@convex-dev/agent";
import { vMessageStatus } from "@convex-dev/agent/validators";
import { v } from "convex/values";

/** One UI message as `toUIMessages` builds it: one user message, or one assistant reply with all its steps. */
export const vUIMessage = v.object({
  id: v.string(),
  key: v.string(),
  _creationTime: v.number(),
  order: v.number(),
  stepOrder: v.number(),
  role: v.union(v.literal("system"), v.literal("user"), v.literal("assistant")),
  status: v.union(v.literal("streaming"), vMessageStatus),
  text: v.string(),
  agentName: v.optional(v.string()),
  userId: v.optional(v.string()),
  /**
   * `v.any()`: the AI SDK's message parts (text, reasoning, `tool-<name>`,
   * file, source, `data-<name>`, ...) are defined and versioned by the SDK and
   * read by its client hook; tool parts carry the tool's arbitrary JSON input and output.
   */
  parts: v.array(v.any()),
  /** `v.any()`: whatever metadata was saved with the message, arbitrary JSON. */
  metadata: v.optional(v.any()),
});

/** A page of UI messages and, when asked for with `streamArgs`, the live streams (the agent's own validator). */
export const vUIMessagesPage = v.object({
  ...vPaginationResult(vUIMessage).fields,
  streams: vStreamMessagesReturnValue.fields.streams,
});
