/**
 * The output limit of one model call, enforced on the stream itself. Every
 * call asks the provider for at most `MAX_OUTPUT_TOKENS`, and its budget
 * reservation is sized for that; a server that ignores `max_tokens` (and,
 * often the same one, reports no usage) would otherwise stream on while the
 * budget believes the bound holds. Text beyond the limit is cut off here and
 * the call is charged as a reply of the limit's length.
 */
import { countTokens } from "../models/tokenCount";

/** Count with the tokenizer only every this many new characters (it is not free). */
const RECOUNT_EVERY_CHARS = 512;
/** No tokenizer counts fewer than ~2 characters per token for prose: below that, no need to count. */
const MIN_CHARS_PER_TOKEN = 2;

export class OutputCapReached extends Error {
  constructor(readonly limitTokens: number) {
    super(`the reply passed the output limit of ${limitTokens} tokens`);
    this.name = "OutputCapReached";
  }
}

export function outputCap(modelId: string, limitTokens: number) {
  let text = "";
  let countedAt = 0;
  let reached = false;
  return {
    /** Adds streamed text; true once the text is over the limit. */
    add(delta: string): boolean {
      if (reached) return true;
      text += delta;
      if (text.length < limitTokens * MIN_CHARS_PER_TOKEN || text.length - countedAt < RECOUNT_EVERY_CHARS) return false;
      countedAt = text.length;
      reached = countTokens(modelId, text).tokens > limitTokens;
      return reached;
    },
    get reached() {
      return reached;
    },
    get text() {
      return text;
    },
  };
}
