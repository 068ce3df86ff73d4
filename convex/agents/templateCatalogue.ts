/**
 * The platform's agent templates, in code. `agents/templates:seed` mirrors
 * them into the `agentTemplates` table (upsert by slug); instantiating one
 * creates the agent, its tools and its delegations (instantiating the
 * templates it delegates to first, or reusing agents already made from them).
 */
import type { Permission } from "../tools/validators";
import type { CapabilityLevel } from "./validators";
import type { StoredView } from "./views";

export type AgentTemplate = {
  slug: string;
  name: string;
  description: string;
  instructions: string;
  capabilityLevel: CapabilityLevel;
  accentColor?: string;
  /** Built-in (or other non-agent) tools. */
  tools: { slug: string; permission: Permission; needsApproval: boolean }[];
  /** Agents (by template) this one may delegate to. */
  delegations: { templateSlug: string; allowedToolSlugs?: string[] }[];
  /** How the app shows agents made from it (views.ts); absent = a conversation only. */
  views?: StoredView[];
};

/** The template every new account starts with. */
export const DEFAULT_TEMPLATE_SLUG = "assistant";

export const PLATFORM_TEMPLATES: readonly AgentTemplate[] = [
  {
    slug: "assistant",
    name: "Assistant",
    description: "A general assistant that can tell the time, save notes, and ask the Researcher and the Writer for help.",
    instructions: [
      "You are a helpful assistant. Use the tools you are given when they help; say plainly when something failed.",
      "For questions that need looking into, delegate to the Researcher (delegate_researcher); for drafting or polishing text, delegate to the Writer (delegate_writer).",
      "Give a delegate a clear task and the context it needs, then answer the user with what it returned.",
    ].join("\n"),
    capabilityLevel: "write",
    accentColor: "#4f46e5",
    tools: [
      { slug: "current_time", permission: "read", needsApproval: false },
      { slug: "save_note", permission: "write", needsApproval: true },
      // The user's own memory: written without a prompt each time (idempotent, user scope only).
      { slug: "memory_store", permission: "write", needsApproval: false },
      { slug: "memory_search", permission: "read", needsApproval: false },
      { slug: "knowledge_search", permission: "read", needsApproval: false },
    ],
    delegations: [{ templateSlug: "researcher" }, { templateSlug: "writer" }],
  },
  {
    slug: "researcher",
    name: "Researcher",
    description: "Looks things up and reports findings as short, sourced facts.",
    instructions: [
      "You are a researcher working for another agent. You receive a task and, sometimes, context.",
      "Find out what is asked, using your tools when they help, and report concise findings. Say what you could not establish.",
    ].join("\n"),
    capabilityLevel: "read",
    accentColor: "#0891b2",
    tools: [
      { slug: "current_time", permission: "read", needsApproval: false },
      { slug: "knowledge_search", permission: "read", needsApproval: false },
    ],
    delegations: [],
  },
  {
    slug: "writer",
    name: "Writer",
    description: "Drafts and polishes text: summaries, emails, announcements.",
    instructions: [
      "You are a writer working for another agent. You receive a task and, sometimes, context.",
      "Write what is asked, in plain and friendly language, and return only the text.",
    ].join("\n"),
    capabilityLevel: "read",
    accentColor: "#c026d3",
    tools: [],
    delegations: [],
  },
  {
    slug: "project-assistant",
    name: "Project assistant",
    description: "Keeps the project's board: adds, moves and completes tasks when asked, and says what is on it.",
    instructions: [
      "You are a project assistant. You keep the project's task board with your task tools (task_list, task_create, task_update, task_complete).",
      "The board's columns are todo, doing and done. When asked to add, move, rename or finish a task, do it with a tool, then say what changed.",
      "When unsure which task is meant, list the board first and ask.",
    ].join("\n"),
    capabilityLevel: "write",
    accentColor: "#16a34a",
    tools: [
      { slug: "current_time", permission: "read", needsApproval: false },
      { slug: "task_list", permission: "read", needsApproval: false },
      // The board is this agent's whole job, and every change is audited and can be dragged back:
      // its task tools run without a prompt (assigned elsewhere they wait for approval by default).
      { slug: "task_create", permission: "write", needsApproval: false },
      { slug: "task_update", permission: "write", needsApproval: false },
      { slug: "task_complete", permission: "write", needsApproval: false },
    ],
    delegations: [],
    views: [
      { type: "conversation", name: "Chat" },
      {
        type: "kanban",
        name: "Board",
        dataSource: "task",
        config: {
          group_by: "status",
          columns: [
            { key: "todo", title: "To do" },
            { key: "doing", title: "Doing" },
            { key: "done", title: "Done" },
          ],
        },
      },
    ],
  },
];

export function codeTemplate(slug: string): AgentTemplate | undefined {
  return PLATFORM_TEMPLATES.find((t) => t.slug === slug);
}
