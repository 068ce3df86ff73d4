/**
 * Reading Clerk's event payloads: only the fields we use, checked, turned
 * into the facts tenancy/lifecycle.ts applies. A payload missing a field we
 * need throws `MalformedEvent` (processing marks the event failed without
 * retrying: the same bytes will not parse better next time).
 *
 * Event times: `data.updated_at` for creates and updates (ms), the event's
 * `timestamp` (or the Svix timestamp) for deletions, whose payload carries
 * only the deleted object's id.
 */
import type { ClerkMembershipFacts, ClerkOrgFacts, ClerkUserFacts } from "../tenancy/lifecycle";
import { roleFromClerk } from "../tenancy/identity";

export type ClerkChange =
  | { kind: "user.upsert"; user: ClerkUserFacts }
  | { kind: "user.delete"; clerkUserId: string; at: number }
  | { kind: "org.upsert"; org: ClerkOrgFacts }
  | { kind: "org.delete"; clerkOrgId: string; at: number }
  | { kind: "membership"; membership: ClerkMembershipFacts };

/** The event types we act on; any other is stored and marked `ignored`. */
export const HANDLED_TYPES = [
  "user.created",
  "user.updated",
  "user.deleted",
  "organization.created",
  "organization.updated",
  "organization.deleted",
  "organizationMembership.created",
  "organizationMembership.updated",
  "organizationMembership.deleted",
] as const;

export function isHandledType(type: string): boolean {
  return (HANDLED_TYPES as readonly string[]).includes(type);
}

export class MalformedEvent extends Error {}

type Json = Record<string, unknown>;

function object(value: unknown, what: string): Json {
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw new MalformedEvent(`${what} is not an object`);
  return value as Json;
}

function id(value: unknown, what: string): string {
  if (typeof value !== "string" || value === "") throw new MalformedEvent(`${what} is missing`);
  return value;
}

function text(value: unknown): string | undefined {
  return typeof value === "string" && value.trim() !== "" ? value.trim() : undefined;
}

function time(value: unknown): number | undefined {
  return typeof value === "number" && Number.isFinite(value) ? value : undefined;
}

function fullName(first: unknown, last: unknown): string | undefined {
  return text([text(first), text(last)].filter((part) => part !== undefined).join(" "));
}

/** The event's `type`, or null when the body is not a Clerk event at all. */
export function eventType(payload: unknown): string | null {
  if (typeof payload !== "object" || payload === null) return null;
  const type = (payload as Json)["type"];
  return typeof type === "string" && type !== "" ? type : null;
}

/** Turn a handled event into the change it describes. `sentAt` is the Svix timestamp (ms). */
export function parseClerkEvent(payload: unknown, sentAt: number): ClerkChange {
  const event = object(payload, "the event");
  const type = id(event["type"], "type");
  const data = object(event["data"], "data");
  const eventAt = time(event["timestamp"]) ?? sentAt;
  const updatedAt = time(data["updated_at"]) ?? eventAt;
  switch (type) {
    case "user.created":
    case "user.updated":
      return { kind: "user.upsert", user: userFacts(data, updatedAt) };
    case "user.deleted":
      return { kind: "user.delete", clerkUserId: id(data["id"], "data.id"), at: eventAt };
    case "organization.created":
    case "organization.updated":
      return { kind: "org.upsert", org: orgFacts(data, updatedAt) };
    case "organization.deleted":
      return { kind: "org.delete", clerkOrgId: id(data["id"], "data.id"), at: eventAt };
    case "organizationMembership.created":
    case "organizationMembership.updated":
    case "organizationMembership.deleted": {
      const active = type !== "organizationMembership.deleted";
      const organization = object(data["organization"], "data.organization");
      const member = object(data["public_user_data"], "data.public_user_data");
      const name = fullName(member["first_name"], member["last_name"]);
      const email = text(member["identifier"]);
      return {
        kind: "membership",
        membership: {
          org: orgFacts(organization, time(organization["updated_at"]) ?? 0),
          user: { clerkUserId: id(member["user_id"], "data.public_user_data.user_id"), ...(name ? { name } : {}), ...(email ? { email } : {}) },
          role: roleFromClerk(data["role"]),
          active,
          // A deletion is as new as the event; a create or update as its `updated_at`.
          at: active ? updatedAt : eventAt,
        },
      };
    }
    default:
      throw new MalformedEvent(`event type ${type} is not handled`);
  }
}

function userFacts(data: Json, updatedAt: number): ClerkUserFacts {
  const name = fullName(data["first_name"], data["last_name"]) ?? text(data["username"]);
  const email = primaryEmail(data);
  return { clerkUserId: id(data["id"], "data.id"), updatedAt, ...(name ? { name } : {}), ...(email ? { email } : {}) };
}

function primaryEmail(data: Json): string | undefined {
  const addresses = Array.isArray(data["email_addresses"]) ? (data["email_addresses"] as unknown[]) : [];
  const entries = addresses.filter((a): a is Json => typeof a === "object" && a !== null);
  const primary = entries.find((a) => a["id"] === data["primary_email_address_id"]) ?? entries[0];
  return primary ? text(primary["email_address"]) : undefined;
}

function orgFacts(data: Json, updatedAt: number): ClerkOrgFacts {
  const clerkOrgId = id(data["id"], "the organisation's id");
  const slug = text(data["slug"]);
  return { clerkOrgId, name: text(data["name"]) ?? slug ?? clerkOrgId, updatedAt, ...(slug ? { slug } : {}) };
}
