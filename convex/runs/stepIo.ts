/**
 * What each kind of step shows as its input and output, before the step
 * writers redact and bound it (stepPayload.ts). Pure functions over plain
 * values; the runtime passes what it has at hand (never a connection's key).
 *
 *   model call   input: the prompt (user message or handover), a note of the instructions,
 *                       the tools offered, how many knowledge entries were added
 *                output: the reply text, or the tool calls it asked for (with any text)
 *   tool call    input: the arguments         output: the result, or the error
 *   delegation   input: the handover          output: the delegate's answer
 */

/** Characters of the agent's instructions quoted in a model call's input (the rest is the agent version's). */
export const INSTRUCTIONS_NOTE_CHARS = 200;

type ModelCallContext = { promptText: string; instructions: string; tools: { slug: string }[] };

function instructionsNote(instructions: string): string {
  const text = instructions.trim();
  if (text.length <= INSTRUCTIONS_NOTE_CHARS) return text;
  return `${text.slice(0, INSTRUCTIONS_NOTE_CHARS)}… (${text.length.toLocaleString("en-US")} characters in all)`;
}

/**
 * A model call's input: not the whole thread — the message it answers, what
 * it was told to be, what it could use. `contextEntries` once known (the
 * knowledge retrieved for the call); `call` counts from 0 (`llm#k`).
 */
export function modelCallInput(context: ModelCallContext, call: number, contextEntries?: number): string {
  return JSON.stringify({
    prompt: context.promptText,
    ...(call > 0 ? { after: `the tool results of model call ${call}` } : {}),
    instructions: instructionsNote(context.instructions),
    tools: context.tools.map((tool) => tool.slug),
    ...(contextEntries !== undefined ? { contextEntries } : {}),
  });
}

function parsedOrText(json: string): unknown {
  try {
    return JSON.parse(json) as unknown;
  } catch {
    return json;
  }
}

/** A model call's output: its reply as text, or — when it asked for tools — the calls (arguments parsed) and any text. */
export function modelCallOutput(text: string, toolCalls: { toolName: string; input: string }[]): string {
  if (toolCalls.length === 0) return text;
  return JSON.stringify({
    ...(text.trim() !== "" ? { text } : {}),
    toolCalls: toolCalls.map((call) => ({ tool: call.toolName, args: parsedOrText(call.input) })),
  });
}
