/**
 * What an account's lifecycle sets off in the domains above tenancy: the
 * subscriber to tenancy's events (tenancy/events.ts). Tenancy writes the
 * users, accounts and memberships; this module, above every layer it calls,
 * decides what follows, in the same transaction.
 */
import { v } from "convex/values";
import { internalMutation, type MutationCtx } from "../_generated/server";
import { installDefaultAgents } from "../agents/defaults";
import { onMemberJoined, onMemberLeft } from "../conversations/general";
import { deleteUserKnowledge } from "../knowledge/deletion";
import { vTenancyEvent, type TenancyEvent } from "../tenancy/events";

export async function reactTo(ctx: MutationCtx, event: TenancyEvent): Promise<void> {
  switch (event.kind) {
    case "account.created":
      // Every account starts with the Assistant (agents/defaults.ts).
      return await installDefaultAgents(ctx, event.accountId);
    case "member.joined":
      return await onMemberJoined(ctx, event.accountId, event.userId);
    case "member.left":
      return await onMemberLeft(ctx, event.accountId, event.userId);
    case "user.erased":
      // Their user scope in that account is theirs alone, even in accounts they had left.
      return await deleteUserKnowledge(ctx, { accountId: event.accountId, userId: event.userId });
  }
}

export const react = internalMutation({
  args: { event: vTenancyEvent },
  returns: v.null(),
  handler: async (ctx, { event }) => {
    await reactTo(ctx, event);
    return null;
  },
});
