/**
 * Authenticating a request by its API key.
 *
 * The HTTP layer checks the token's shape (a malformed one is refused with
 * no database read), hashes it, and calls `authenticate`: one index lookup by
 * hash, then the key's state (revoked, expired), its creator (still an
 * active admin of the account), and the key's request rate.
 *
 * Failed attempts (well-formed tokens that are not a valid key) are limited
 * in two buckets, both consulted only for requests that carry no valid key:
 * one per presented key prefix (`thk_` + 6 characters, what a key shows in
 * Settings) and one per client address. Past either limit such requests get
 * 429 with `Retry-After`. A valid key is looked up first and never consults
 * them, so nobody can lock API users out by sending bad keys from their
 * address (behind one NAT, proxy or the local engine, everyone shares one):
 * a valid key is refused only by its own rate limit. Guessing stays
 * hopeless: a secret is 256 random bits, and each address / prefix gets 10
 * guesses a minute.
 *
 * Failures are returned, not thrown, so the failed-attempt count commits.
 */
import { v, type Infer } from "convex/values";
import { internal } from "../_generated/api";
import type { Doc, Id } from "../_generated/dataModel";
import { internalMutation, type ActionCtx, type MutationCtx, type QueryCtx } from "../_generated/server";
import { budget } from "../lib/budget";
import { fail } from "../lib/errors";
import { HttpError } from "../lib/http";
import { assertActive, requireMembership } from "../tenancy/identity";
import { keyStatus } from "./keys";
import { displayPrefixOf, hashSecret, isWellFormedSecret } from "./secrets";
import { apiPermits, vApiPermission, type ApiPermission } from "./validators";
import { checkAccountRate, consumeAccountRate } from "../usage/accountRates";

/** Failed attempts one client address, and one presented key prefix, may make: a burst of 10, then 10 a minute. */
export const FAILED_AUTH_RATE = { rate: 10, periodMs: 60_000, capacity: 10 };
/** `lastUsedAt` is written at most this often, so busy keys do not write on every request. */
const LAST_USED_RESOLUTION_MS = 60_000;

const vAuthResult = v.union(
  v.object({
    ok: v.literal(true),
    keyId: v.id("apiKeys"),
    accountId: v.id("accounts"),
    agentId: v.optional(v.id("agents")),
    permission: vApiPermission,
  }),
  v.object({
    ok: v.literal(false),
    code: v.union(v.literal("unauthenticated"), v.literal("rate_limited")),
    message: v.string(),
    retryAfterMs: v.optional(v.number()),
  }),
);
export type ApiKeyCaller = Extract<Infer<typeof vAuthResult>, { ok: true }>;

/** The buckets a failed attempt is counted in: its client address and the key prefix it presented. */
function failedAttemptBuckets(client: string, prefix: string) {
  return [
    { name: "apiAuthFailure", key: client, ...FAILED_AUTH_RATE },
    { name: "apiAuthFailurePrefix", key: prefix, ...FAILED_AUTH_RATE },
  ];
}

const TOO_MANY_FAILURES = "Too many failed authentication attempts; wait before trying again.";

function keyBucket(key: Doc<"apiKeys">) {
  return { name: "apiKey", key: key._id, rate: key.rateLimit.requests, periodMs: key.rateLimit.periodMs, capacity: key.rateLimit.requests };
}

/** Why the key's creator can no longer lend it authority, or null. */
async function ownerProblem(ctx: QueryCtx, key: Doc<"apiKeys">): Promise<string | null> {
  const owner = await ctx.db.get("userProfiles", key.createdBy);
  try {
    if (owner === null) throw new Error("no owner");
    assertActive(owner);
    await requireMembership(ctx, owner, key.accountId, "admin");
    return null;
  } catch {
    return "This API key's creator is no longer an active admin of the account.";
  }
}

export const authenticate = internalMutation({
  args: { secretHash: v.string(), client: v.string(), prefix: v.optional(v.string()) },
  returns: vAuthResult,
  handler: async (ctx, { secretHash, client, prefix }) => {
    const key = await ctx.db
      .query("apiKeys")
      .withIndex("by_secretHash", (q) => q.eq("secretHash", secretHash))
      .unique();
    const status = key === null ? null : keyStatus(key);
    const problem =
      key === null
        ? "This API key is not valid."
        : status === "revoked"
          ? "This API key was revoked."
          : status === "expired"
            ? "This API key has expired."
            : await ownerProblem(ctx, key);
    if (key === null || problem !== null) {
      // No valid key: this attempt is limited by its address and by the prefix it presented.
      const buckets = failedAttemptBuckets(client, prefix ?? "none");
      for (const bucket of buckets) {
        const blocked = await budget.checkRate(ctx, bucket);
        if (!blocked.ok) return { ok: false as const, code: "rate_limited" as const, message: TOO_MANY_FAILURES, retryAfterMs: blocked.retryAfterMs };
      }
      for (const bucket of buckets) await budget.consumeRate(ctx, bucket);
      return { ok: false as const, code: "unauthenticated" as const, message: problem ?? "This API key is not valid." };
    }
    // A valid key: its own rate limit and its account's apply, whatever others did from the same address.
    // The account's is checked first so that a refusal charges neither bucket (usage/accountRates.ts).
    const accountCheck = await checkAccountRate(ctx, key.accountId, "api");
    if (!accountCheck.ok) return { ok: false as const, code: "rate_limited" as const, message: accountCheck.message, retryAfterMs: accountCheck.retryAfterMs };
    const rate = await budget.consumeRate(ctx, keyBucket(key));
    if (!rate.ok) {
      return { ok: false as const, code: "rate_limited" as const, message: `This key's limit is ${key.rateLimit.requests} requests per ${key.rateLimit.periodMs / 1000} s.`, retryAfterMs: rate.retryAfterMs };
    }
    await consumeAccountRate(ctx, key.accountId, "api"); // passes: checked above, in this transaction
    const now = Date.now();
    if (key.lastUsedAt === undefined || now - key.lastUsedAt >= LAST_USED_RESOLUTION_MS) await ctx.db.patch("apiKeys", key._id, { lastUsedAt: now });
    return {
      ok: true as const,
      keyId: key._id,
      accountId: key.accountId,
      ...(key.agentId ? { agentId: key.agentId } : {}),
      permission: key.permission,
    };
  },
});

/** The bearer token of `Authorization: Bearer thk_...`, or null. */
function bearerToken(request: Request): string | null {
  const header = request.headers.get("authorization");
  const match = header === null ? null : /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match?.[1] ?? null;
}

/** The client address as the deployment saw it (not a header a client could set); "unknown" when there is none. */
async function clientAddress(ctx: ActionCtx): Promise<string> {
  const metadata = await ctx.meta.getRequestMetadata();
  return metadata.ip ?? "unknown";
}

/**
 * Authenticate the request and check the key holds `needed`; throws the HTTP
 * refusal. Logs which key made the request (its id, never the secret) beside
 * the request's own log line.
 */
export async function authenticateRequest(ctx: ActionCtx, request: Request, requestId: string, needed: ApiPermission): Promise<ApiKeyCaller> {
  const token = bearerToken(request);
  if (token === null) throw new HttpError("unauthenticated", "Send an API key: Authorization: Bearer thk_...");
  if (!isWellFormedSecret(token)) throw new HttpError("unauthenticated", "This is not an API key (they look like thk_ and 43 characters).");
  const result = await ctx.runMutation(internal.httpApi.auth.authenticate, {
    secretHash: await hashSecret(token),
    client: await clientAddress(ctx),
    prefix: displayPrefixOf(token),
  });
  if (!result.ok) throw new HttpError(result.code, result.message, result.retryAfterMs === undefined ? {} : { retryAfterMs: result.retryAfterMs });
  console.log(JSON.stringify({ event: "http.api_key", requestId, keyId: result.keyId, accountId: result.accountId, permission: result.permission }));
  if (!apiPermits(result.permission, needed)) {
    throw new HttpError("forbidden", `This needs a key with ${needed} permission; this key has ${result.permission}.`);
  }
  return result;
}

/**
 * What an operation may use of its key, loaded again inside the operation's
 * own transaction: a key revoked (or expired) since authentication stops here.
 */
export type KeyScope = {
  keyId: Id<"apiKeys">;
  accountId: Id<"accounts">;
  agentId?: Id<"agents">;
  /** The key's creator: the user it acts as. */
  userId: Id<"userProfiles">;
  rateLimit: Doc<"apiKeys">["rateLimit"];
};

export async function loadKeyScope(ctx: QueryCtx | MutationCtx, keyId: Id<"apiKeys">): Promise<KeyScope> {
  const key = await ctx.db.get("apiKeys", keyId);
  if (key === null || keyStatus(key) !== "active") fail("unauthenticated", "This API key is no longer valid.");
  return { keyId, accountId: key.accountId, ...(key.agentId ? { agentId: key.agentId } : {}), userId: key.createdBy, rateLimit: key.rateLimit };
}
