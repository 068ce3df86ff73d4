/**
 * The one writer of configuration changes: who (a person, an API key, the
 * CLI, a webhook), when, what (entity type + id), the changed fields before
 * and after with secrets redacted (diff.ts), and from which surface.
 *
 * Call `auditChange` in the mutation that makes the change, after it, with
 * the entity's fields before and after (null for created / removed). A call
 * whose before and after are equal writes nothing: nothing changed.
 */
import type { Doc, Id } from "../_generated/dataModel";
import type { MutationCtx } from "../_generated/server";
import { writeAudit, type AuditEntry } from "./write";
import { fieldChanges } from "./diff";

/** Who made a change, and through what. */
export type ChangeActor =
  | { surface: "spa"; userId: Id<"userProfiles">; role: string }
  | { surface: "api_key"; keyId: Id<"apiKeys">; label: string }
  | { surface: "cli"; label?: string }
  | { surface: "webhook"; label: string }
  | { surface: "system"; label?: string };

/** A signed-in person in the SPA: an account mutation's caller. */
export function spaActor(ctx: { user: Doc<"userProfiles">; membership?: Doc<"memberships"> }): ChangeActor {
  return { surface: "spa", userId: ctx.user._id, role: ctx.membership?.role ?? (ctx.user.isPlatformAdmin ? "platform_admin" : "member") };
}

/** An API key's request (`keyId`, shown as its name and prefix). */
export function apiKeyActor(key: Pick<Doc<"apiKeys">, "_id" | "name" | "displayPrefix">): ChangeActor {
  return { surface: "api_key", keyId: key._id, label: `${key.name} (${key.displayPrefix}…)` };
}

export const CLI_ACTOR: ChangeActor = { surface: "cli", label: "Operator (CLI)" };

export type ConfigChange = {
  accountId: Id<"accounts">;
  /** Dotted verb: `agent.update`, `tool.assign`, `budget.set`, … */
  action: string;
  /** The entity type: `agent`, `tool`, `toolAssignment`, `delegation`, `budget`, `membership`, … */
  targetKind: string;
  targetId: string;
  /** The entity's fields before (null: it did not exist) and after (null: it was removed). */
  before: object | null;
  after: object | null;
  /** Why, when the actor said; else a short summary is written. */
  reason?: string;
};

function actorFields(actor: ChangeActor): Pick<AuditEntry, "actorUserId" | "actorRole" | "surface" | "actorLabel"> {
  switch (actor.surface) {
    case "spa":
      return { actorUserId: actor.userId, actorRole: actor.role, surface: "spa" };
    case "api_key":
      return { actorRole: "api_key", surface: "api_key", actorLabel: actor.label };
    default:
      return { actorRole: actor.surface === "system" ? "system" : "operator", surface: actor.surface, ...(actor.label ? { actorLabel: actor.label } : {}) };
  }
}

/** Record one configuration change; returns its entry id, or null when nothing changed. */
export async function auditChange(ctx: MutationCtx, actor: ChangeActor, change: ConfigChange): Promise<Id<"auditLog"> | null> {
  const changes = fieldChanges(change.before, change.after);
  if (changes.length === 0) return null;
  return await writeAudit(ctx, {
    accountId: change.accountId,
    ...actorFields(actor),
    action: change.action,
    targetKind: change.targetKind,
    targetId: change.targetId,
    reason: change.reason ?? `changed ${changes.map((c) => c.field).join(", ")}`,
    changes,
  });
}
