/**
 * Test helpers: Clerk event payloads and Svix-signed deliveries of them,
 * signed with svix's own `Webhook#sign`, posted to the real route.
 */
import { Webhook } from "svix";
import { vi } from "vitest";
import type { Harness } from "../test.setup";

const secretOf = (seed: string) => `whsec_${Buffer.from(`clerk-test-${seed}-0123456789abcdef`).toString("base64")}`;
/** The endpoint's current secret. */
export const TEST_SECRET = secretOf("current");
/** The secret being rotated out. */
export const OLD_SECRET = secretOf("previous");
/** A secret the endpoint never had. */
export const FORGED_SECRET = secretOf("attacker");

/** Configure the endpoint (undone by `vi.unstubAllEnvs()`). */
export function useSecrets(...secrets: string[]) {
  vi.stubEnv("CLERK_WEBHOOK_SECRET", secrets.join(" "));
}

export type Delivery = { svixId: string; body: string; headers: Record<string, string> };

let nextMessage = 0;

/** A delivery of `event` signed with `secrets` (several = several `v1,` signatures, as Svix sends while rotating). */
export function signed(event: object, options: { secrets?: string[]; svixId?: string; at?: Date } = {}): Delivery {
  const svixId = options.svixId ?? `msg_test_${++nextMessage}`;
  const at = options.at ?? new Date();
  const body = JSON.stringify(event);
  const signatures = (options.secrets ?? [TEST_SECRET]).map((secret) => new Webhook(secret).sign(svixId, at, body));
  return {
    svixId,
    body,
    headers: {
      "Content-Type": "application/json",
      "svix-id": svixId,
      "svix-timestamp": String(Math.floor(at.getTime() / 1000)),
      "svix-signature": signatures.join(" "),
    },
  };
}

export async function deliver(t: Harness, delivery: Delivery) {
  const response = await t.fetch("/clerk-webhook", { method: "POST", headers: delivery.headers, body: delivery.body });
  const json = (await response.json()) as { received?: boolean; duplicate?: boolean; error?: { code: string; message: string } };
  return { status: response.status, json };
}

/** Sign and deliver; throws unless the route answered 200. */
export async function send(t: Harness, event: object, options: Parameters<typeof signed>[1] = {}) {
  const result = await deliver(t, signed(event, options));
  if (result.status !== 200) throw new Error(`delivery refused: ${result.status} ${JSON.stringify(result.json)}`);
  return result;
}

// --- Clerk event payloads (the fields Clerk sends that we read, plus a few we don't) ---

function event(type: string, data: object, timestamp = Date.now()) {
  return { object: "event", type, timestamp, instance_id: "ins_test", data };
}

export const clerkEvents = {
  user(type: "user.created" | "user.updated", id: string, fields: { first?: string; last?: string; email?: string; updatedAt?: number }) {
    const emailId = `idn_${id}`;
    return event(type, {
      id,
      object: "user",
      first_name: fields.first ?? null,
      last_name: fields.last ?? null,
      username: null,
      primary_email_address_id: fields.email ? emailId : null,
      email_addresses: fields.email ? [{ id: emailId, object: "email_address", email_address: fields.email }] : [],
      public_metadata: { $weird: "keys Convex documents cannot hold" },
      created_at: 1_700_000_000_000,
      updated_at: fields.updatedAt ?? Date.now(),
    });
  },
  userDeleted(id: string, timestamp = Date.now()) {
    return event("user.deleted", { id, object: "user", deleted: true }, timestamp);
  },
  org(type: "organization.created" | "organization.updated", id: string, fields: { name: string; slug?: string; updatedAt?: number }) {
    return event(type, org(id, fields));
  },
  orgDeleted(id: string, timestamp = Date.now()) {
    return event("organization.deleted", { id, object: "organization", deleted: true }, timestamp);
  },
  membership(
    type: "organizationMembership.created" | "organizationMembership.updated" | "organizationMembership.deleted",
    fields: {
      orgId: string;
      /** The organisation as the membership payload embeds it (default: named after its id, updated long ago). */
      orgName?: string;
      orgUpdatedAt?: number;
      userId: string;
      role: string;
      first?: string;
      email?: string;
      updatedAt?: number;
      timestamp?: number;
    },
  ) {
    return event(
      type,
      {
        id: `orgmem_${fields.orgId}_${fields.userId}`,
        object: "organization_membership",
        role: fields.role,
        organization: org(fields.orgId, { name: fields.orgName ?? fields.orgId, updatedAt: fields.orgUpdatedAt ?? 0 }),
        public_user_data: { user_id: fields.userId, first_name: fields.first ?? null, last_name: null, identifier: fields.email ?? null },
        created_at: 1_700_000_000_000,
        updated_at: fields.updatedAt ?? Date.now(),
      },
      fields.timestamp,
    );
  },
};

function org(id: string, fields: { name: string; slug?: string; updatedAt?: number }) {
  return {
    id,
    object: "organization",
    name: fields.name,
    slug: fields.slug ?? null,
    created_at: 1_700_000_000_000,
    updated_at: fields.updatedAt ?? Date.now(),
  };
}
