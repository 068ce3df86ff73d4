import { internal } from "../../_generated/api";
import type { ToolDefinition } from "../types";
import { ToolInputError } from "../toolInputError";

const MAX_NOTE_LENGTH = 2_000;

/**
 * `save_note`: a write-level tool (so it asks for approval by default) that
 * stores a note for the user. Its write is keyed by the call's idempotency
 * key, so a retried call stores one note.
 */
export const saveNote: ToolDefinition = {
  slug: "save_note",
  description: "Save a short note for the user to read later.",
  trustLevel: "write",
  idempotent: true,
  parameters: {
    type: "object",
    properties: { text: { type: "string", description: "The note to save" } },
    required: ["text"],
    additionalProperties: false,
  },
  execute: async (run, args) => {
    const text = typeof args.text === "string" ? args.text.trim() : "";
    if (text === "" || text.length > MAX_NOTE_LENGTH) {
      throw new ToolInputError(`A note must be 1 to ${MAX_NOTE_LENGTH} characters.`);
    }
    const noteId: string = await run.ctx.runMutation(internal.tools.notes.insert, {
      accountId: run.accountId,
      userId: run.userId,
      idempotencyKey: run.idempotencyKey,
      text,
    });
    return { saved: true, noteId };
  },
};
