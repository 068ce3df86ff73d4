/**
 * The local deployment's admin key: what `CONVEX_SELF_HOSTED_ADMIN_KEY` is to
 * a self-hosted Convex backend. Created once per data folder
 * (`admin_key.txt`, mode 0600, kept across `--reset`), printed at start.
 *
 * It is accepted the way a deployment accepts admin keys:
 *   - HTTP: `Authorization: Convex <key>` (the Convex CLI's `deploymentFetch`
 *     and `ConvexHttpClient.setAdminAuth`), optionally `<key>:<base64 JSON
 *     identity>` to act as a user (`npx convex run --identity …`);
 *   - sync WebSocket: `Authenticate { tokenType: "Admin", value, impersonating? }`.
 * An admin may call internal functions and functions of components, read
 * and set the environment, and push (see deployApi.ts).
 *
 * The key starts with `local-engine|`, which `scripts/start.mjs` reads to
 * tell that `CONVEX_SELF_HOSTED_URL` names this engine rather than a real
 * backend (and starts the engine instead of `npx convex dev`). It unlocks
 * nothing anywhere else: a real deployment only accepts keys it issued.
 */
import { randomBytes, timingSafeEqual } from "node:crypto";
import { readFile } from "node:fs/promises";
import type { UserIdentity } from "convex/server";
import { writeFileAtomic } from "./persistence";

export const ADMIN_KEY_PREFIX = "local-engine|";

/** What an `Authorization` header (or an Authenticate message) asked to be. */
export type PresentedAuth =
  | { type: "none" }
  | { type: "user"; token: string }
  | { type: "admin"; key: string; actingAs: UserIdentity | null }
  | { type: "malformed"; message: string };

/** The identity an admin acts as, filled in the way Convex does (`subject`, `issuer`, `tokenIdentifier`). */
export function actingIdentity(attributes: Record<string, unknown>): UserIdentity {
  const subject = typeof attributes["subject"] === "string" ? attributes["subject"] : String(simpleHash(JSON.stringify(attributes)));
  const issuer = typeof attributes["issuer"] === "string" ? attributes["issuer"] : "https://convex.test";
  const tokenIdentifier = typeof attributes["tokenIdentifier"] === "string" ? attributes["tokenIdentifier"] : `${issuer}|${subject}`;
  return { ...attributes, subject, issuer, tokenIdentifier } as UserIdentity;
}

function simpleHash(text: string): number {
  let hash = 0;
  for (let i = 0; i < text.length; i++) hash = ((hash << 5) - hash + text.charCodeAt(i)) | 0;
  return hash;
}

/** Read an `Authorization` header as a deployment does (`Convex <admin key>[:<identity>]` or `Bearer <token>`). */
export function parseAuthorization(header: string | undefined): PresentedAuth {
  if (header === undefined || header.trim() === "") return { type: "none" };
  const admin = /^convex\s+(.+)$/i.exec(header.trim());
  if (admin !== null) {
    // A deployment-type prefix (`prod:`, `dev:`, `preview:`) may precede the key; then `key[:acting-as identity]`.
    const raw = admin[1]!.replace(/^(prod|dev|preview):/, "");
    const colon = raw.indexOf(":");
    if (colon === -1) return { type: "admin", key: raw, actingAs: null };
    try {
      const attributes = JSON.parse(Buffer.from(raw.slice(colon + 1), "base64").toString("utf8")) as unknown;
      if (typeof attributes !== "object" || attributes === null || Array.isArray(attributes)) throw new Error("not an object");
      return { type: "admin", key: raw.slice(0, colon), actingAs: actingIdentity(attributes as Record<string, unknown>) };
    } catch {
      return { type: "malformed", message: "Malformed Authorization header." };
    }
  }
  const bearer = /^bearer\s+(\S+)\s*$/i.exec(header.trim());
  if (bearer !== null) return { type: "user", token: bearer[1]! };
  return { type: "malformed", message: "Invalid authentication header (expected `Bearer <token>` or `Convex <admin key>`)." };
}

export class AdminKey {
  private constructor(readonly key: string) {}

  /** Load the data folder's key, or create it. */
  static async open(file: string): Promise<AdminKey> {
    let stored: string | null = null;
    try {
      stored = (await readFile(file, "utf8")).trim();
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
    }
    if (stored !== null && stored.startsWith(ADMIN_KEY_PREFIX) && stored.length > ADMIN_KEY_PREFIX.length + 32) return new AdminKey(stored);
    const key = `${ADMIN_KEY_PREFIX}${randomBytes(32).toString("hex")}`;
    await writeFileAtomic(file, `${key}\n`, 0o600);
    return new AdminKey(key);
  }

  /** Constant-time comparison with the presented key. */
  accepts(presented: string): boolean {
    const a = Buffer.from(presented);
    const b = Buffer.from(this.key);
    return a.length === b.length && timingSafeEqual(a, b);
  }
}
