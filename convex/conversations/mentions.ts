/**
 * Addressing an agent in a shared conversation: a message that starts with
 * `@Researcher` (the agent's slug, or its name written without spaces, any
 * case) goes to that agent instead of the conversation's default. An `@`
 * later in the text (an email address, a colleague's name) is just text.
 */
import type { Doc, Id } from "../_generated/dataModel";
import type { QueryCtx } from "../_generated/server";
import { agentBySlug } from "../agents/builder";
import { fail } from "../lib/errors";
import { slugify } from "../tenancy/identity";

/** Agents compared by name when no slug matches (an account has a handful). */
const MAX_AGENTS_COMPARED = 200;

/** The handle after a leading `@`, or null when the message does not start with one. */
export function leadingMention(text: string): string | null {
  const match = /^\s*@([\p{L}\p{N}_-]+)/u.exec(text);
  return match === null ? null : match[1]!;
}

function handleOf(name: string): string {
  return slugify(name).replace(/-/g, "");
}

/**
 * The agent a message addresses, or null when it addresses none. An unknown
 * handle is `bad_request` on `text` (naming the agents there are), so nothing is sent.
 */
export async function addressedAgent(ctx: QueryCtx, accountId: Id<"accounts">, text: string): Promise<Doc<"agents"> | null> {
  const handle = leadingMention(text);
  if (handle === null) return null;
  const bySlug = await agentBySlug(ctx, accountId, handle.toLowerCase());
  if (bySlug !== null && bySlug.status !== "archived") return bySlug;
  const agents = (
    await ctx.db
      .query("agents")
      .withIndex("by_accountId_slug", (q) => q.eq("accountId", accountId))
      .take(MAX_AGENTS_COMPARED)
  ).filter((agent) => agent.status !== "archived");
  const wanted = handleOf(handle);
  const byName = agents.find((agent) => handleOf(agent.name) === wanted || handleOf(agent.slug) === wanted);
  if (byName !== undefined) return byName;
  const known = agents.map((agent) => `@${agent.slug}`).slice(0, 10).join(", ");
  fail("bad_request", `No agent called @${handle} in this account${known ? ` (try ${known})` : ""}; the message was not sent.`, { field: "text" });
}
