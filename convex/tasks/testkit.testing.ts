/**
 * Shared steps for task tests: a user with a Project assistant (the template
 * whose board the task tools work on) and a thread with it.
 */
import { api } from "../_generated/api";
import type { Id } from "../_generated/dataModel";
import { asUser, type Harness } from "../test.setup";
import type { Caller } from "../chat/testkit.testing";

export async function withProjectAssistant(t: Harness, user?: Caller) {
  const owner = user ?? (await asUser(t));
  const { agentId } = await owner.client.mutation(api.agents.templates.instantiate, { accountId: owner.accountId, templateSlug: "project-assistant" });
  const thread = await owner.client.mutation(api.chat.threads.create, { accountId: owner.accountId, agentId });
  return { user: owner, agentId, thread };
}

/** The board as the SPA reads it: `status: title` per card, in column order then card order. */
export async function boardOf(user: Caller, agentId?: Id<"agents">) {
  const cards = await user.client.query(api.tasks.tasks.board, { accountId: user.accountId, ...(agentId ? { agentId } : {}) });
  return cards.map((card) => `${card.status}: ${card.title}`);
}
