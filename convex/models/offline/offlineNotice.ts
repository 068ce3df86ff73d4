/**
 * What the offline model says when it cannot really answer: that it is the
 * built-in offline model, what it can do here (the tools offered, said as
 * requests to type), and where a real model is connected — Settings → Models
 * in the app, then the agent's model on the Agents page. Never the user's
 * words: a reply that repeats the question reads as broken.
 */
import type { OfferedTool } from "./conversation";
import { agentOfTool, findTool, INTENT_TOOLS } from "./toolChoice";

/** Where the SPA connects a provider (web/src/settings/Models.tsx) and where an agent picks its model (web/src/agents/). */
export const CONNECT_A_MODEL =
  "To get real answers, an account admin can connect a model provider in Settings → Models, then choose its model for this agent on the Agents page.";

/** "I'm the built-in offline model", or "I'm Atlas, running on the built-in offline model" when the system prompt names the agent. */
export function introduction(system: string): string {
  const persona = /\bYou are ([A-Z][\w-]*(?: [A-Z][\w-]*){0,3})/.exec(system)?.[1];
  return persona ? `I'm ${persona}, running on the built-in offline model` : "I'm the built-in offline model";
}

export function listOf(items: string[]): string {
  if (items.length <= 1) return items.join("");
  return `${items.slice(0, -1).join(", ")} and ${items[items.length - 1]}`;
}

/** What the offline model does with the tools offered, each with a request that triggers it. */
export function capabilities(tools: OfferedTool[]): string[] {
  const can: string[] = [];
  const agents = tools.flatMap((tool) => agentOfTool(tool.name)?.replace(/_/g, " ") || []);
  if (agents.length > 0) can.push(`pass work to ${listOf(agents.map((agent) => `the ${agent}`))} (“ask the ${agents[0]} to …”)`);
  if (findTool(tools, INTENT_TOOLS.time)) can.push("tell the time in a city (“what time is it in Tokyo?”)");
  if (findTool(tools, INTENT_TOOLS.remember)) can.push("remember something for you (“remember that …”)");
  if (findTool(tools, INTENT_TOOLS.search)) can.push("search the knowledge base (“search for …”)");
  if (tools.some((tool) => tool.name === "task_create")) can.push("keep the task board (“add a task: …”, “move … to done”)");
  if (findTool(tools, INTENT_TOOLS.schedule)) can.push("run work in the background (“… in the background”)");
  return can;
}

/** The notice after `opening`: what can be done here, and how to connect a real model. */
export function offlineNotice(opening: string, tools: OfferedTool[]): string {
  const can = capabilities(tools);
  const here =
    can.length > 0
      ? `Here I can ${listOf(can)}. I also pick up facts you tell me about yourself (“I live in Porto”) and quote this agent's documents when they match a question.`
      : "Here I have no tools, but I pick up facts you tell me about yourself (“I live in Porto”), quote this agent's documents when they match a question, and can show a Markdown sample.";
  return [opening, here, CONNECT_A_MODEL].join("\n\n");
}
