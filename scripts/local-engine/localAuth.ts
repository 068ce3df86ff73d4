/**
 * Local sign-in for the local engine (used by the SPA when no Clerk key is
 * configured).
 *
 * `POST /local-auth/token` turns a picked or typed user (+ organisation) into
 * a JWT whose claims mirror what Clerk's "convex" JWT template gives
 * (`sub`, `name`, `email`, `org_id`, `org_role`, `org_slug`), signed with
 * HS256 and a random secret that lives only in this engine's data folder.
 *
 * Why this can never sign anyone in to a real deployment: a Convex deployment
 * only accepts tokens from the issuers listed in `convex/auth.config.ts`
 * (Clerk's issuer domain, verified against Clerk's published RS256 keys).
 * These tokens carry `iss: "local-engine"`, which is no configured issuer (and
 * not even a URL a deployment could fetch keys from), and are signed with a
 * symmetric secret no deployment knows. Only this engine, which holds the
 * secret, accepts them.
 */
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import type { UserIdentity } from "convex/server";
import { readJsonFile, writeFileAtomic } from "./persistence";

export const LOCAL_ISSUER = "local-engine";
const TOKEN_TTL_SECONDS = 12 * 60 * 60;
const MAX_USERS_LISTED = 50;

export type LocalUserInput = { name: string; email?: string; orgId?: string; orgRole?: string; orgSlug?: string };

/** A user as the picker lists them (one entry per user + organisation). */
export type LocalUser = {
  subject: string;
  name: string;
  email: string;
  orgId: string | null;
  orgRole: string | null;
  orgSlug: string | null;
  lastUsedAt: string;
};

type Claims = {
  iss: string;
  sub: string;
  aud: string;
  iat: number;
  exp: number;
  jti: string;
  name: string;
  email: string;
  email_verified: boolean;
  org_id?: string;
  org_role?: string;
  org_slug?: string;
};

const b64url = (data: Buffer | string) => Buffer.from(data).toString("base64url");

function slug(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "_")
    .replace(/^_+|_+$/g, "")
    .slice(0, 48);
}

/** Validation of the sign-in form; throws a message fit for a 400. */
export function parseUserInput(body: unknown): LocalUserInput {
  if (typeof body !== "object" || body === null) throw new Error("Expected a JSON object.");
  const record = body as Record<string, unknown>;
  const text = (key: string, max: number, pattern?: RegExp): string | undefined => {
    const value = record[key];
    if (value === undefined || value === null || value === "") return undefined;
    if (typeof value !== "string" || value.trim().length > max) throw new Error(`"${key}" must be a string of at most ${max} characters.`);
    if (pattern !== undefined && !pattern.test(value.trim())) throw new Error(`"${key}" has an unexpected format.`);
    return value.trim();
  };
  const name = text("name", 80);
  if (name === undefined) throw new Error('"name" is required.');
  const email = text("email", 120, /^[^\s@]+@[^\s@]+$/);
  const orgId = text("orgId", 64, /^[A-Za-z0-9_-]+$/);
  const orgRoleRaw = text("orgRole", 32, /^(org:)?[A-Za-z_]+$/);
  const orgSlug = text("orgSlug", 64, /^[A-Za-z0-9_-]+$/);
  if (orgId === undefined && (orgRoleRaw !== undefined || orgSlug !== undefined)) throw new Error('"orgRole" and "orgSlug" need "orgId".');
  return {
    name,
    ...(email !== undefined ? { email } : {}),
    ...(orgId !== undefined
      ? {
          orgId,
          // Clerk's role keys look like `org:admin`; default to a plain member.
          orgRole: orgRoleRaw === undefined ? "org:member" : orgRoleRaw.startsWith("org:") ? orgRoleRaw : `org:${orgRoleRaw}`,
          orgSlug: orgSlug ?? orgId.replace(/^org_/, ""),
        }
      : {}),
  };
}

export class LocalAuth {
  private constructor(
    private readonly secret: Buffer,
    private readonly usersFile: string,
    private users: LocalUser[],
  ) {}

  /** Load (or create) the signing secret and the user list of a data folder. */
  static async open(files: { secret: string; users: string }): Promise<LocalAuth> {
    const stored = await readJsonFile<{ secret: string }>(files.secret);
    let secret: Buffer;
    if (stored !== null && typeof stored.secret === "string" && stored.secret.length >= 43) {
      secret = Buffer.from(stored.secret, "base64url");
    } else {
      secret = randomBytes(32);
      await writeFileAtomic(files.secret, JSON.stringify({ secret: secret.toString("base64url") }), 0o600);
    }
    const users = (await readJsonFile<LocalUser[]>(files.users)) ?? [];
    return new LocalAuth(secret, files.users, Array.isArray(users) ? users : []);
  }

  /** Mint a token for `input`; remembers the user for the picker. */
  async issue(input: LocalUserInput): Promise<{ token: string; expiresAt: number; user: LocalUser }> {
    const email = input.email ?? `${slug(input.name) || "user"}@local.test`;
    const subject = `local_${slug(email)}`;
    const now = Math.floor(Date.now() / 1000);
    const claims: Claims = {
      iss: LOCAL_ISSUER,
      sub: subject,
      aud: "convex",
      iat: now,
      exp: now + TOKEN_TTL_SECONDS,
      jti: randomBytes(9).toString("base64url"),
      name: input.name,
      email,
      email_verified: true,
      ...(input.orgId !== undefined ? { org_id: input.orgId, org_role: input.orgRole!, org_slug: input.orgSlug! } : {}),
    };
    const header = b64url(JSON.stringify({ alg: "HS256", typ: "JWT" }));
    const payload = b64url(JSON.stringify(claims));
    const signature = createHmac("sha256", this.secret).update(`${header}.${payload}`).digest("base64url");
    const user: LocalUser = {
      subject,
      name: input.name,
      email,
      orgId: input.orgId ?? null,
      orgRole: input.orgRole ?? null,
      orgSlug: input.orgSlug ?? null,
      lastUsedAt: new Date().toISOString(),
    };
    this.users = [user, ...this.users.filter((u) => !(u.subject === user.subject && u.orgId === user.orgId))].slice(0, MAX_USERS_LISTED);
    await writeFileAtomic(this.usersFile, JSON.stringify(this.users, null, 2));
    return { token: `${header}.${payload}.${signature}`, expiresAt: claims.exp * 1000, user };
  }

  /** Users signed in before, most recent first. */
  listUsers(): LocalUser[] {
    return this.users;
  }

  /**
   * Verify a token minted by {@link issue} and turn it into the identity a
   * Convex deployment would derive from the equivalent Clerk token.
   */
  verify(token: string): { ok: true; identity: UserIdentity; expiresAt: number } | { ok: false; error: string } {
    const parts = token.split(".");
    if (parts.length !== 3) return { ok: false, error: "Malformed token" };
    const [header, payload, signature] = parts as [string, string, string];
    const expected = createHmac("sha256", this.secret).update(`${header}.${payload}`).digest();
    const actual = Buffer.from(signature, "base64url");
    if (actual.length !== expected.length || !timingSafeEqual(actual, expected)) {
      return { ok: false, error: "Could not verify the token's signature (not issued by this local engine, or its data was reset)" };
    }
    let claims: Partial<Claims>;
    try {
      claims = JSON.parse(Buffer.from(payload, "base64url").toString("utf8")) as Partial<Claims>;
    } catch {
      return { ok: false, error: "Malformed token payload" };
    }
    if (claims.iss !== LOCAL_ISSUER || typeof claims.sub !== "string") return { ok: false, error: "Token has the wrong issuer" };
    if (typeof claims.exp !== "number" || claims.exp * 1000 <= Date.now()) return { ok: false, error: "Token expired" };
    const identity: UserIdentity = {
      issuer: claims.iss,
      subject: claims.sub,
      tokenIdentifier: `${claims.iss}|${claims.sub}`,
      ...(claims.name !== undefined ? { name: claims.name } : {}),
      ...(claims.email !== undefined ? { email: claims.email } : {}),
      ...(claims.email_verified !== undefined ? { emailVerified: claims.email_verified } : {}),
      ...(claims.org_id !== undefined ? { org_id: claims.org_id } : {}),
      ...(claims.org_role !== undefined ? { org_role: claims.org_role } : {}),
      ...(claims.org_slug !== undefined ? { org_slug: claims.org_slug } : {}),
    };
    return { ok: true, identity, expiresAt: claims.exp * 1000 };
  }
}
