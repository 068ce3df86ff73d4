/**
 * Shared steps for HTTP API tests: an account admin with a key, requests with
 * or without one, reading the envelope, counting rows.
 */
import { api } from "../_generated/api";
import type { Id } from "../_generated/dataModel";
import { asMember, asUser, type Harness } from "../test.setup";

export type Caller = Awaited<ReturnType<typeof asUser>>;
export type KeyOptions = {
  permission?: "read" | "read_write" | "admin";
  agentId?: Id<"agents">;
  expiresInDays?: number;
  rateLimit?: { requests: number; periodSeconds: number };
  name?: string;
};

/** Create a key as `admin` (default: read_write, generous rate). */
export async function createKey(admin: Caller, options: KeyOptions = {}) {
  return await admin.client.action(api.httpApi.keys.create, {
    accountId: admin.accountId,
    name: options.name ?? "test key",
    permission: options.permission ?? "read_write",
    rateLimit: options.rateLimit ?? { requests: 1000, periodSeconds: 60 },
    ...(options.agentId ? { agentId: options.agentId } : {}),
    ...(options.expiresInDays !== undefined ? { expiresInDays: options.expiresInDays } : {}),
  });
}

/** A signed-in user (admin of their personal account, or of an organisation) with a key. */
export async function adminWithKey(t: Harness, options: KeyOptions & { orgId?: string } = {}) {
  const admin = options.orgId ? await asMember(t, options.orgId, "admin") : await asUser(t);
  const { key, secret } = await createKey(admin, options);
  return { admin, key, secret };
}

export type ApiAnswer = { status: number; headers: Headers; body: Record<string, unknown> & { data?: unknown; error?: { code: string; message: string; field?: string } } };

/** One request; `key` is sent as a bearer token, `body` as JSON (unless it is a string or stream). */
export async function request(
  t: Harness,
  method: string,
  path: string,
  options: { key?: string; body?: unknown; headers?: Record<string, string>; ip?: string } = {},
): Promise<ApiAnswer> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.key !== undefined) headers.Authorization = `Bearer ${options.key}`;
  let body: BodyInit | undefined;
  if (options.body !== undefined) {
    body = typeof options.body === "string" || options.body instanceof ReadableStream ? (options.body as BodyInit) : JSON.stringify(options.body);
    headers["Content-Type"] ??= "application/json";
  }
  const client = options.ip !== undefined ? t.withRequestMetadata({ ip: options.ip }) : t;
  const response = await client.fetch(path, {
    method,
    headers,
    ...(body !== undefined ? { body } : {}),
    ...(body instanceof ReadableStream ? { duplex: "half" } : {}),
  } as RequestInit);
  const text = await response.text();
  let parsed: Record<string, unknown> = {};
  try {
    parsed = JSON.parse(text) as Record<string, unknown>;
  } catch {
    parsed = { raw: text };
  }
  return { status: response.status, headers: response.headers, body: parsed as ApiAnswer["body"] };
}

export async function agentIdOf(t: Harness, accountId: Id<"accounts">, slug: string): Promise<Id<"agents">> {
  const agent = await t.run(async (ctx) =>
    ctx.db.query("agents").withIndex("by_accountId_slug", (q) => q.eq("accountId", accountId).eq("slug", slug)).unique(),
  );
  return agent!._id;
}

/** How many rows each table has: to show that a refusal wrote nothing. */
export async function rowCounts(t: Harness, tables: readonly ("threads" | "interactions" | "apiKeys" | "apiAgentEvents" | "agents" | "tools" | "jobCallbacks" | "auditLog")[]) {
  return await t.run(async (ctx) => {
    const counts: Record<string, number> = {};
    for (const table of tables) counts[table] = (await ctx.db.query(table).collect()).length;
    return counts;
  });
}
