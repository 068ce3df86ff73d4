/**
 * The "brain" of the offline model: a pure, deterministic function from the
 * call options a language model receives (prompt, offered tools, tool choice,
 * response format) to what it answers — some text, or some tool calls.
 *
 * Rules, in order:
 *  1. Tool results after the last user message → answer in words from them
 *     (errors and denials said plainly); never new tool calls.
 *  2. Otherwise intents in the last user message, each only if a tool that
 *     serves it is offered:
 *       schedule ("in the background", "schedule …")        → schedule_job (only that)
 *       delegation ("ask the researcher to …", "have the writer …",
 *         "delegate to <name> …", "@name …")                → delegate_<name>, one call per agent named
 *       time ("what time", "current time", "time in X")     → current_time { timezone }
 *       memory ("remember that …")                          → memory_store { fact }
 *       search ("search / look up / what do you know about") → knowledge_search { query }
 *       any offered tool whose name appears verbatim        → that tool, args from its schema
 *                                                             (a URL in the message fills a `url` property)
 *  3. Otherwise a few sentences built from the message (and from retrieved
 *     context entries `[1] …` in the system prompt, cited).
 */
import type {
  JSONValue,
  LanguageModelV4CallOptions,
  LanguageModelV4FunctionTool,
  LanguageModelV4Prompt,
  LanguageModelV4ToolResultOutput,
} from "@ai-sdk/provider";
import { escapeRegExp, snippet, STOP_WORDS, words } from "./text";
import { describeTaskResult, isJobResultPrompt, matchTaskIntent } from "./offlineTasks";
import { MARKDOWN_SAMPLE_REQUEST, markdownSample } from "./offlineMarkdownSample";

export type PlannedToolCall = { toolName: string; input: Record<string, unknown> };

export type OfflinePlan =
  | { kind: "text"; text: string }
  | { kind: "tool-calls"; toolCalls: PlannedToolCall[] };

type OfferedTool = { name: string; description: string; schema: JsonSchema };

/** The subset of JSON Schema the offline model reads. */
type JsonSchema = {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  enum?: unknown[];
  default?: unknown;
  minimum?: number;
  items?: JsonSchema;
};

// ---------------------------------------------------------------------------
// Reading the prompt

type ConversationView = {
  system: string;
  lastUserText: string;
  /** Tool calls (by id) and results after the last user message. */
  toolCallsById: Map<string, { toolName: string; input: unknown }>;
  results: ToolResultView[];
};

type ToolResultView = {
  toolCallId: string;
  toolName: string;
  input: unknown;
  status: "ok" | "error" | "denied";
  value: JSONValue | undefined;
  text: string;
};

function readConversation(prompt: LanguageModelV4Prompt): ConversationView {
  const system = prompt
    .filter((message) => message.role === "system")
    .map((message) => message.content)
    .join("\n");
  let lastUser = -1;
  prompt.forEach((message, index) => {
    if (message.role === "user") lastUser = index;
  });
  const userMessage = lastUser >= 0 ? prompt[lastUser] : undefined;
  const lastUserText =
    userMessage?.role === "user"
      ? userMessage.content
          .map((part) => (part.type === "text" ? part.text : ""))
          .join("\n")
          .trim()
      : "";

  const toolCallsById = new Map<string, { toolName: string; input: unknown }>();
  const rawResults: Array<{ toolCallId: string; toolName: string; output: LanguageModelV4ToolResultOutput }> = [];
  const denials: Array<{ approvalId: string; reason?: string }> = [];
  for (const message of prompt.slice(lastUser + 1)) {
    if (message.role === "assistant") {
      for (const part of message.content) {
        if (part.type === "tool-call") toolCallsById.set(part.toolCallId, { toolName: part.toolName, input: part.input });
        if (part.type === "tool-result") rawResults.push(part);
      }
    } else if (message.role === "tool") {
      for (const part of message.content) {
        if (part.type === "tool-result") rawResults.push(part);
        else if (!part.approved) denials.push({ approvalId: part.approvalId, reason: part.reason });
      }
    }
  }
  const results: ToolResultView[] = rawResults.map((result) => ({
    toolCallId: result.toolCallId,
    toolName: result.toolName,
    input: toolCallsById.get(result.toolCallId)?.input,
    ...describeOutput(result.output),
  }));
  // Provider-executed tools are denied through approval responses; client tools through an
  // `execution-denied` result, which is reported already.
  const deniedAlready = results.some((result) => result.status === "denied");
  for (const denial of deniedAlready ? [] : denials) {
    results.push({
      toolCallId: denial.approvalId,
      toolName: "tool",
      input: undefined,
      status: "denied",
      value: undefined,
      text: denial.reason ?? "denied",
    });
  }
  return { system, lastUserText, toolCallsById, results };
}

function describeOutput(output: LanguageModelV4ToolResultOutput): Pick<ToolResultView, "status" | "value" | "text"> {
  switch (output.type) {
    case "text":
      return { status: /\bdenied\b/i.test(output.value) ? "denied" : "ok", value: output.value, text: output.value };
    case "json": {
      const text = typeof output.value === "string" ? output.value : JSON.stringify(output.value);
      return { status: /\bdenied\b/i.test(text) ? "denied" : "ok", value: output.value, text };
    }
    case "execution-denied":
      return { status: "denied", value: undefined, text: output.reason ?? "" };
    case "error-text":
      return { status: "error", value: output.value, text: output.value };
    case "error-json":
      return { status: "error", value: output.value, text: JSON.stringify(output.value) };
    case "content": {
      const text = output.value.map((part) => (part.type === "text" ? part.text : "")).join("\n");
      return { status: /\bdenied\b/i.test(text) ? "denied" : "ok", value: text, text };
    }
  }
}

function offeredTools(options: LanguageModelV4CallOptions): OfferedTool[] {
  return (options.tools ?? [])
    .filter((tool): tool is LanguageModelV4FunctionTool => tool.type === "function")
    .map((tool) => ({ name: tool.name, description: tool.description ?? "", schema: asSchema(tool.inputSchema) }));
}

function asSchema(value: unknown): JsonSchema {
  return typeof value === "object" && value !== null ? (value as JsonSchema) : {};
}

// ---------------------------------------------------------------------------
// Planning

export function planOfflineReply(options: LanguageModelV4CallOptions): OfflinePlan {
  const conversation = readConversation(options.prompt);
  const tools = offeredTools(options);

  if (options.responseFormat?.type === "json") {
    const reply = conversation.results.length > 0 ? answerFromResults(conversation) : composeReply(conversation, tools);
    return { kind: "text", text: JSON.stringify(jsonFromSchema(asSchema(options.responseFormat.schema), reply)) };
  }

  if (conversation.results.length > 0) return { kind: "text", text: answerFromResults(conversation) };

  const choice = options.toolChoice ?? { type: "auto" };
  if (choice.type === "none" || tools.length === 0) return { kind: "text", text: composeReply(conversation, tools) };

  let calls = matchIntents(conversation.lastUserText, tools);
  if (choice.type === "tool") {
    calls = calls.filter((call) => call.toolName === choice.toolName);
    const forced = tools.find((tool) => tool.name === choice.toolName);
    if (calls.length === 0 && forced) calls = [{ toolName: forced.name, input: deriveArgs(forced, conversation.lastUserText, {}) }];
  } else if (choice.type === "required" && calls.length === 0) {
    const first = tools[0];
    if (first) calls = [{ toolName: first.name, input: deriveArgs(first, conversation.lastUserText, {}) }];
  }
  return calls.length > 0 ? { kind: "tool-calls", toolCalls: calls } : { kind: "text", text: composeReply(conversation, tools) };
}

// ---------------------------------------------------------------------------
// Intents

const DELEGATE_PREFIX = /^(?:delegate|ask|handoff|hand_off)_(?:to_)?/;

function matchIntents(message: string, tools: OfferedTool[]): PlannedToolCall[] {
  if (message === "" || isJobResultPrompt(message)) return [];

  const schedule = matchSchedule(message, tools);
  if (schedule) return [schedule];

  const delegations = matchDelegations(message, tools);
  if (delegations.length > 0) return delegations;

  const task = matchTaskIntent(message, tools);
  if (task) return [task];

  const calls: PlannedToolCall[] = [];
  const time = matchTime(message, tools);
  if (time) calls.push(time);
  const memory = matchMemory(message, tools);
  if (memory) calls.push(memory);
  const search = matchSearch(message, tools);
  if (search) calls.push(search);

  for (const tool of tools) {
    if (calls.some((call) => call.toolName === tool.name)) continue;
    if (new RegExp(`(?<![\\w-])${escapeRegExp(tool.name)}(?![\\w-])`, "i").test(message)) {
      const url = /\bhttps?:\/\/[^\s<>"']+/i.exec(message)?.[0]?.replace(/[.,;:!?)]+$/, "");
      calls.push({ toolName: tool.name, input: deriveArgs(tool, message, url ? { url } : {}) });
    }
  }
  return calls;
}

function findTool(tools: OfferedTool[], exact: string, pattern: RegExp): OfferedTool | undefined {
  return tools.find((tool) => tool.name === exact) ?? tools.find((tool) => pattern.test(tool.name));
}

function clean(text: string): string {
  return text
    .replace(/\s+/g, " ")
    .trim()
    .replace(/^[:,;\-–—\s]+/, "")
    .replace(/[\s.,;:!?]+$/, "");
}

// --- schedule

/** "schedule" as a verb ("schedule a report", "schedule it for 9am"), not "my schedule". */
const SCHEDULE =
  /\b(?:in\s+the\s+background|schedule[sd]?\s+(?:a|an|the|this|that|it|to|for|job|task|my|our|me|daily|weekly)|later\s+today|every\s+(?:day|hour|morning|evening|week|monday|tuesday|wednesday|thursday|friday))\b/i;

function matchSchedule(message: string, tools: OfferedTool[]): PlannedToolCall | undefined {
  if (!SCHEDULE.test(message)) return undefined;
  const tool = findTool(tools, "schedule_job", /schedul|background/i);
  if (!tool) return undefined;
  const task =
    clean(
      message
        .replace(/\b(?:please\s+)?schedule[sd]?\s+(?:a\s+)?(?:background\s+)?(?:job|task)?\s*(?:to|for|that)?\b/gi, " ")
        .replace(/\b(?:can\s+you\s+)?(?:do\s+(?:this|that|it)\s+)?in\s+the\s+background\b/gi, " ")
        .replace(/\bin\s+\d+\s*(?:seconds?|secs?|minutes?|mins?|hours?|hrs?)\b/gi, " "),
    ) || clean(message);
  return { toolName: tool.name, input: deriveArgs(tool, message, { task }, "task") };
}

// --- delegation

type Mention = { tool: OfferedTool; start: number; end: number };

function matchDelegations(message: string, tools: OfferedTool[]): PlannedToolCall[] {
  const delegateTools = tools.filter((tool) => DELEGATE_PREFIX.test(tool.name));
  if (delegateTools.length === 0) return [];
  const verb = /\b(?:ask|have|delegate|tell|get|let|hand|send)\b/i;
  const mentions: Mention[] = [];
  for (const tool of delegateTools) {
    const agent = tool.name.replace(DELEGATE_PREFIX, "");
    if (agent === "") continue;
    const aliases = [...new Set([agent.replace(/_/g, " "), agent.replace(/_/g, "-"), agent])];
    // Not a possessive ("the writer's draft" is about the writer, not for them).
    const pattern = new RegExp(`(@)?(?<![\\w-])(?:${aliases.map(escapeRegExp).join("|")})(?![\\w-]|['’]s\\b)`, "i");
    const found = pattern.exec(message);
    // A delegation verb before the name ("ask the researcher", "delegate X to the researcher"), or "@researcher".
    if (!found || (found[1] !== "@" && !verb.test(message.slice(0, found.index)))) continue;
    mentions.push({ tool, start: found.index, end: found.index + found[0].length });
  }
  mentions.sort((a, b) => a.start - b.start);
  return mentions.map((mention, index) => {
    const next = mentions[index + 1];
    const task = delegatedTask(message, mention, next?.start ?? message.length) || clean(message);
    return { toolName: mention.tool.name, input: deriveArgs(mention.tool, message, { task, context: message }, "task") };
  });
}

function delegatedTask(message: string, mention: Mention, stop: number): string {
  let segment = message.slice(mention.end, stop);
  // Trailing glue before the next agent: ", then ask the", " and the", " and have".
  for (let previous = ""; previous !== segment; ) {
    previous = segment;
    segment = segment
      .replace(/[\s,;.]+$/, "")
      .replace(/\b(?:the|and|then|also|plus|while)$/i, "")
      .replace(/\b(?:ask|have|tell|get|let|delegate(?:\s+to)?|send)$/i, "");
  }
  const task = clean(segment.replace(/^\s*[:,\-–—]?\s*(?:to\s+|and\s+)?/i, ""));
  if (task !== "") return task;
  // "delegate <task> to the researcher"
  const before = message.slice(0, mention.start);
  const ahead = /\b(?:delegate|send|hand|give)\s+(.+?)\s+to\s+(?:the\s+)?@?$/i.exec(before);
  return ahead?.[1] ? clean(ahead[1]) : "";
}

// --- time

const TIME = /\bwhat\s+time\b|\bwhat(?:'s|\s+is)\s+the\s+(?:current\s+|local\s+)?time\b|\bcurrent\s+time\b|\b(?:the|local)\s+time\s+(?:is\s+it\s+|now\s+)?in\b/i;
/** "time in Tokyo" counts only when a place or zone the model knows follows ("time in meetings" doesn't). */
const TIME_IN = /\btime\s+(?:is\s+it\s+|now\s+)?in\s+(.+)/i;

/** A small table of cities → IANA zones; anything else is UTC unless a zone is named. */
export const CITY_TIME_ZONES: Readonly<Record<string, string>> = {
  tokyo: "Asia/Tokyo",
  osaka: "Asia/Tokyo",
  seoul: "Asia/Seoul",
  beijing: "Asia/Shanghai",
  shanghai: "Asia/Shanghai",
  "hong kong": "Asia/Hong_Kong",
  singapore: "Asia/Singapore",
  mumbai: "Asia/Kolkata",
  delhi: "Asia/Kolkata",
  "new delhi": "Asia/Kolkata",
  bangalore: "Asia/Kolkata",
  dubai: "Asia/Dubai",
  moscow: "Europe/Moscow",
  istanbul: "Europe/Istanbul",
  cairo: "Africa/Cairo",
  johannesburg: "Africa/Johannesburg",
  nairobi: "Africa/Nairobi",
  lagos: "Africa/Lagos",
  paris: "Europe/Paris",
  berlin: "Europe/Berlin",
  madrid: "Europe/Madrid",
  rome: "Europe/Rome",
  amsterdam: "Europe/Amsterdam",
  zurich: "Europe/Zurich",
  stockholm: "Europe/Stockholm",
  london: "Europe/London",
  dublin: "Europe/Dublin",
  lisbon: "Europe/Lisbon",
  "new york": "America/New_York",
  boston: "America/New_York",
  toronto: "America/Toronto",
  chicago: "America/Chicago",
  denver: "America/Denver",
  "los angeles": "America/Los_Angeles",
  "san francisco": "America/Los_Angeles",
  seattle: "America/Los_Angeles",
  vancouver: "America/Vancouver",
  "mexico city": "America/Mexico_City",
  "sao paulo": "America/Sao_Paulo",
  "buenos aires": "America/Argentina/Buenos_Aires",
  sydney: "Australia/Sydney",
  melbourne: "Australia/Melbourne",
  auckland: "Pacific/Auckland",
  honolulu: "Pacific/Honolulu",
  utc: "UTC",
  gmt: "UTC",
};

export function timeZoneIn(message: string): string {
  const named = /\b((?:Africa|America|Antarctica|Asia|Atlantic|Australia|Europe|Indian|Pacific|Etc)\/[A-Za-z_]+(?:\/[A-Za-z_]+)?)\b/.exec(message);
  if (named?.[1]) return named[1];
  const flat = ` ${words(message).join(" ")} `;
  let best: { city: string; zone: string } | undefined;
  for (const [city, zone] of Object.entries(CITY_TIME_ZONES)) {
    if (flat.includes(` ${city} `) && (!best || city.length > best.city.length)) best = { city, zone };
  }
  return best?.zone ?? "UTC";
}

function matchTime(message: string, tools: OfferedTool[]): PlannedToolCall | undefined {
  const place = TIME_IN.exec(message)?.[1];
  if (!TIME.test(message) && !(place !== undefined && (timeZoneIn(place) !== "UTC" || /^(?:utc|gmt)\b/i.test(place)))) return undefined;
  const tool = findTool(tools, "current_time", /(?:^|_)(?:current_?)?time$|current_?time|get_?time/i);
  if (!tool) return undefined;
  return { toolName: tool.name, input: deriveArgs(tool, message, { timezone: timeZoneIn(message) }, "timezone") };
}

// --- memory

const REMEMBER = /\b(?:remember|memori[sz]e|don'?t\s+forget|note\s+down)(?:\s+that\b|\s*:)\s*(.+)/is;

function matchMemory(message: string, tools: OfferedTool[]): PlannedToolCall | undefined {
  const found = REMEMBER.exec(message);
  const fact = found?.[1] ? clean(found[1]) : "";
  if (fact === "") return undefined;
  const tool = findTool(tools, "memory_store", /memor.*(?:store|save|add|write|remember)|(?:store|save|add|write|remember).*memor|^remember/i);
  if (!tool) return undefined;
  return { toolName: tool.name, input: deriveArgs(tool, message, { fact }, "fact") };
}

// --- knowledge search

const SEARCH =
  /\b(?:search(?:\s+(?:the|my|our|your))?(?:\s+(?:knowledge(?:\s+base)?|kb|docs|documents|documentation|notes|files))?(?:\s+(?:for|about))?|look\s+up|what\s+do\s+(?:you|we)\s+know\s+about|find\s+(?:information|info|docs|documents|anything)\s+(?:about|on))\s+(.+)/is;

function matchSearch(message: string, tools: OfferedTool[]): PlannedToolCall | undefined {
  const found = SEARCH.exec(message);
  const query = found?.[1] ? clean(found[1]) : "";
  if (query === "") return undefined;
  const tool = findTool(tools, "knowledge_search", /knowledge|search|retriev|lookup/i);
  if (!tool) return undefined;
  return { toolName: tool.name, input: deriveArgs(tool, message, { query }, "query") };
}

// ---------------------------------------------------------------------------
// Arguments from a tool's JSON schema

type Role = "task" | "context" | "fact" | "query" | "timezone" | "url";

const ROLE_NAMES: Record<Role, RegExp> = {
  task: /^(?:task|prompt|instructions?|request|goal|job|work|description|what)$/i,
  context: /^(?:context|background|details|notes?)$/i,
  fact: /^(?:fact|memory|content|statement|information|info|value|text|note)$/i,
  query: /^(?:query|q|question|search|search_?query|terms?|keywords?|topic)$/i,
  timezone: /^(?:time_?zone|tz|zone|iana(?:_?zone)?)$/i,
  url: /^(?:url|uri|link|href|page_?url|web_?address)$/i,
};

function roleOf(name: string): Role | undefined {
  return (Object.keys(ROLE_NAMES) as Role[]).find((role) => ROLE_NAMES[role].test(name));
}

function typeOf(schema: JsonSchema): string | undefined {
  return Array.isArray(schema.type) ? schema.type.find((type) => type !== "null") : schema.type;
}

/**
 * Arguments for `tool`: the intent's values go to the properties whose names
 * mean the same thing (`fact` → `fact`, `content`, `text`...); the main value
 * goes to the first string property if no name matched; required properties
 * left over get the message (strings), their default, or an empty value.
 */
export function deriveArgs(
  tool: { schema: JsonSchema },
  message: string,
  values: Partial<Record<Role, string>>,
  primary?: Role,
): Record<string, unknown> {
  const properties = tool.schema.properties ?? {};
  const names = Object.keys(properties);
  if (names.length === 0) return { ...values };
  const required = new Set(tool.schema.required ?? []);
  const args: Record<string, unknown> = {};

  for (const name of names) {
    const property = properties[name] ?? {};
    const role = roleOf(name);
    const type = typeOf(property);
    if (property.enum) {
      const mentioned = property.enum.find((option) => typeof option === "string" && new RegExp(`\\b${escapeRegExp(option)}\\b`, "i").test(message));
      if (mentioned !== undefined) args[name] = mentioned;
    } else if ((type === undefined || type === "string") && role && values[role] !== undefined) {
      args[name] = values[role];
    } else if ((type === "number" || type === "integer") && /delay|after|seconds|minutes|ms$/i.test(name)) {
      const delay = delayIn(message, name);
      if (delay !== undefined) args[name] = delay;
    }
  }

  const main = primary ? values[primary] : undefined;
  if (main !== undefined && !Object.values(args).includes(main)) {
    const stringProps = names.filter((name) => args[name] === undefined && [undefined, "string"].includes(typeOf(properties[name] ?? {})));
    const target = stringProps.find((name) => required.has(name)) ?? stringProps[0];
    if (target !== undefined) args[target] = main;
  }

  for (const name of required) {
    if (args[name] !== undefined) continue;
    const property = properties[name] ?? {};
    args[name] = property.default ?? property.enum?.[0] ?? emptyValue(property, message);
  }
  return args;
}

function emptyValue(schema: JsonSchema, message: string): unknown {
  switch (typeOf(schema)) {
    case "number":
    case "integer":
      return schema.minimum ?? 0;
    case "boolean":
      return false;
    case "array":
      return [];
    case "object":
      return jsonFromSchema(schema, message);
    case "null":
      return null;
    default:
      return message;
  }
}

function delayIn(message: string, propertyName: string): number | undefined {
  const found = /\bin\s+(\d+)\s*(seconds?|secs?|minutes?|mins?|hours?|hrs?)\b/i.exec(message);
  if (!found?.[1] || !found[2]) return undefined;
  const unit = found[2].toLowerCase();
  const ms = Number(found[1]) * (unit.startsWith("h") ? 3_600_000 : unit.startsWith("m") ? 60_000 : 1000);
  if (/ms$|millis/i.test(propertyName)) return ms;
  if (/minute/i.test(propertyName)) return Math.round(ms / 60_000);
  if (/hour/i.test(propertyName)) return Math.round(ms / 3_600_000);
  return Math.round(ms / 1000);
}

/** A value matching `schema`, with `text` in its string fields (for JSON response formats). */
function jsonFromSchema(schema: JsonSchema, text: string): unknown {
  if (schema.enum && schema.enum.length > 0) return schema.enum[0];
  switch (typeOf(schema)) {
    case "object":
    case undefined: {
      const properties = schema.properties;
      if (!properties) return typeOf(schema) === "object" ? {} : { answer: text };
      return Object.fromEntries(Object.entries(properties).map(([name, property]) => [name, jsonFromSchema(property, text)]));
    }
    case "array":
      return schema.items ? [jsonFromSchema(schema.items, text)] : [];
    case "number":
    case "integer":
      return schema.default ?? schema.minimum ?? 0;
    case "boolean":
      return schema.default ?? false;
    case "null":
      return null;
    default:
      return text;
  }
}

// ---------------------------------------------------------------------------
// Answers from tool results

function answerFromResults(conversation: ConversationView): string {
  const sentences = conversation.results.map(describeResult);
  const closing =
    conversation.results.some((result) => result.status !== "ok")
      ? "Tell me if you would like me to try something else."
      : "Let me know if you need anything else.";
  return [...sentences, closing].join("\n\n");
}

function agentOf(toolName: string): string | undefined {
  return DELEGATE_PREFIX.test(toolName) ? toolName.replace(DELEGATE_PREFIX, "").replace(/_/g, " ") : undefined;
}

function field(value: unknown, names: string[]): string | undefined {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return undefined;
  for (const name of names) {
    const found = (value as Record<string, unknown>)[name];
    if (typeof found === "string" && found.trim() !== "") return found.trim();
    if (typeof found === "number") return String(found);
  }
  return undefined;
}

const REPLY_FIELDS = ["reply", "text", "answer", "result", "output", "response", "message", "summary", "content"];

function summarize(value: unknown, max = 400): string {
  if (typeof value === "string") return snippet(value, max);
  const reply = field(value, REPLY_FIELDS);
  if (reply !== undefined) return snippet(reply, max);
  return snippet(JSON.stringify(value) ?? "nothing", max);
}

function describeResult(result: ToolResultView): string {
  const agent = agentOf(result.toolName);
  const tool = result.toolName;
  if (result.status === "denied") {
    const reason = result.text && !/^denied\.?$/i.test(result.text.trim()) ? ` (${snippet(result.text, 200)})` : "";
    return agent
      ? `I couldn't ask the ${agent}: the request was denied${reason}.`
      : `The ${tool} call was denied${reason}, so I did not get a result from it.`;
  }
  if (result.status === "error") {
    return agent
      ? `I couldn't get an answer from the ${agent}: the request failed with an error (${snippet(result.text, 200)}).`
      : `The ${tool} tool failed with an error: ${snippet(result.text, 200)}.`;
  }
  if (agent) return `The ${agent} replied: “${summarize(result.value, 600)}”`;
  if (/time/i.test(tool)) return describeTime(result) ?? `The ${tool} tool says: ${summarize(result.value)}.`;
  if (/memor|remember/i.test(tool)) {
    const fact = field(result.input, ["fact", "content", "text", "memory", "value", "note"]);
    return fact ? `Got it — I'll remember that ${fact}.` : `Got it — I've stored that in memory (${summarize(result.value, 200)}).`;
  }
  if (/knowledge|search|retriev|lookup/i.test(tool)) return describeSearch(result);
  if (/schedul|background|job/i.test(tool)) {
    const id = field(result.value, ["jobId", "id", "runId"]);
    return `I've scheduled that to run in the background${id ? ` (job ${id})` : ""}. You'll see the result when it finishes.`;
  }
  const task = describeTaskResult(tool, result.value);
  if (task !== undefined) return task;
  return `The ${tool} tool returned: ${summarize(result.value)}.`;
}

function describeTime(result: ToolResultView): string | undefined {
  const value = result.value;
  const zone =
    field(value, ["timezone", "timeZone", "zone", "tz"]) ?? field(result.input, ["timezone", "timeZone", "zone", "tz"]) ?? "UTC";
  let time = field(value, ["time", "localTime", "local_time"]);
  let date = field(value, ["date", "localDate", "local_date", "day"]);
  const iso = typeof value === "string" ? value : field(value, ["iso", "isoTime", "now", "datetime", "dateTime", "utc", "timestamp"]);
  if (time === undefined && iso !== undefined) {
    const formatted = formatInZone(iso, zone);
    if (formatted) ({ time, date } = formatted);
  }
  if (time === undefined) return typeof value === "string" ? `The time tool says: ${snippet(value, 200)}.` : undefined;
  return `It is ${time} in ${zone}${date ? ` (${date})` : ""}.`;
}

function formatInZone(iso: string, zone: string): { time: string; date: string } | undefined {
  const instant = /^\d+$/.test(iso) ? new Date(Number(iso)) : new Date(iso);
  if (Number.isNaN(instant.getTime())) return undefined;
  try {
    const parts = new Intl.DateTimeFormat("en-GB", {
      timeZone: zone,
      hour: "2-digit",
      minute: "2-digit",
      hourCycle: "h23",
      weekday: "long",
      day: "numeric",
      month: "long",
      year: "numeric",
    }).formatToParts(instant);
    const part = (type: Intl.DateTimeFormatPartTypes) => parts.find((p) => p.type === type)?.value ?? "";
    return { time: `${part("hour")}:${part("minute")}`, date: `${part("weekday")} ${part("day")} ${part("month")} ${part("year")}` };
  } catch {
    return undefined;
  }
}

function describeSearch(result: ToolResultView): string {
  const query = field(result.input, ["query", "q", "question", "search"]);
  const value = result.value;
  const list = Array.isArray(value)
    ? value
    : typeof value === "object" && value !== null
      ? ((value as Record<string, unknown>).results ?? (value as Record<string, unknown>).entries ?? (value as Record<string, unknown>).hits)
      : undefined;
  if (Array.isArray(list)) {
    if (list.length === 0) return `I searched the knowledge base${query ? ` for “${query}”` : ""} but found nothing relevant.`;
    const cited = list.slice(0, 3).map((item, index) => `[${index + 1}] ${summarize(item, 200)}`);
    return `Here is what I found in the knowledge base${query ? ` about “${query}”` : ""}: ${cited.join(" ")}`;
  }
  const text = summarize(value);
  if (text === "" || /^no (?:results|matches)/i.test(text)) {
    return `I searched the knowledge base${query ? ` for “${query}”` : ""} but found nothing relevant.`;
  }
  return `Here is what I found in the knowledge base${query ? ` about “${query}”` : ""}: ${text}`;
}

// ---------------------------------------------------------------------------
// Plain answers

type ContextEntry = { number: string; text: string };

function contextEntries(system: string): ContextEntry[] {
  const entries: ContextEntry[] = [];
  for (const found of system.matchAll(/^\s*\[(\d+)\]\s*(.*\S)\s*$/gm)) {
    if (found[1] && found[2]) entries.push({ number: found[1], text: found[2] });
  }
  return entries;
}

function keyTerms(text: string, count: number): string[] {
  const seen = new Set<string>();
  for (const word of words(text)) {
    if (word.length < 4 || STOP_WORDS.has(word) || seen.has(word)) continue;
    seen.add(word);
    if (seen.size === count) break;
  }
  return [...seen];
}

function listOf(items: string[]): string {
  if (items.length <= 1) return items.join("");
  return `${items.slice(0, -1).join(", ")} and ${items[items.length - 1]}`;
}

function persona(system: string): string | undefined {
  const found = /\bYou are ([A-Z][\w-]*(?: [A-Z][\w-]*){0,3})/.exec(system);
  return found?.[1];
}

function composeReply(conversation: ConversationView, tools: OfferedTool[]): string {
  const message = conversation.lastUserText;
  const who = persona(conversation.system);
  const intro = who ? `I'm ${who}, running on the built-in offline model` : "I'm the built-in offline model";

  if (message === "") {
    return `I didn't receive any text in your message. ${intro}, so my answers are deterministic and made without any network access. Send me a question or a task and I'll respond.`;
  }
  if (MARKDOWN_SAMPLE_REQUEST.test(message)) return markdownSample();

  const entries = contextEntries(conversation.system);
  if (entries.length > 0) {
    const asked = new Set(keyTerms(message, 12));
    const scored = entries.map((entry, index) => ({ entry, index, score: words(entry.text).filter((word) => asked.has(word)).length }));
    // Entries sharing words with the question; all of them if none does (the retriever chose them).
    const relevant = scored.some((entry) => entry.score > 0) ? scored.filter((entry) => entry.score > 0) : scored;
    const ranked = relevant
      .sort((a, b) => b.score - a.score || a.index - b.index)
      .slice(0, 3)
      .sort((a, b) => a.index - b.index);
    const cited = ranked.map(({ entry }) => `${snippet(entry.text, 240).replace(/[.\s]+$/, "")} [${entry.number}].`);
    return [
      `Here is what I found about “${snippet(message, 120)}” in the knowledge I was given.`,
      ...cited,
      "Let me know if you'd like more detail on any of these sources.",
    ].join(" ");
  }

  if (/^(?:hi|hello|hey|hiya|good\s+(?:morning|afternoon|evening))\b/i.test(message)) {
    return [
      `Hello! ${intro}, which answers deterministically without any network access.`,
      tools.length > 0 ? `I can use these tools here: ${listOf(tools.map((tool) => tool.name))}.` : "I can restate and organise what you tell me.",
      "What would you like to do?",
    ].join(" ");
  }

  const question = /\?\s*$/.test(message) || /^(?:who|what|when|where|why|how|which|can|could|should|is|are|do|does)\b/i.test(message);
  const terms = keyTerms(message, 3);
  return [
    question ? `Good question: “${snippet(message)}”` : `Sure — here is my take on “${snippet(message)}”.`,
    `${intro}, so I work only from what is in this conversation and can't reach external services.`,
    terms.length > 0 ? `The main points I see are ${listOf(terms)}; tell me more about any of them and I'll build on it.` : "",
    tools.length > 0
      ? `I can also help with the tools available here: ${listOf(tools.map((tool) => tool.name))}.`
      : "For a fuller answer, configure a real model provider for this agent.",
  ]
    .filter((sentence) => sentence !== "")
    .join(" ");
}
