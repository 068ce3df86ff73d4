/**
 * Client of the local engine's sign-in (`POST {localAuthUrl}/token`,
 * `GET {localAuthUrl}/users`) and the token kept in localStorage. Only used
 * when no Clerk key is configured; real deployments never accept these tokens.
 */
import { config } from "../config";
import { readJson, remove, writeJson } from "../lib/storage";

export type LocalUserInput = { name: string; email?: string; orgId?: string; orgRole?: string; orgSlug?: string };

/** A user the engine remembers (one entry per user + organisation). */
export type LocalUser = {
  subject: string;
  name: string;
  email: string;
  orgId: string | null;
  orgRole: string | null;
  orgSlug: string | null;
  lastUsedAt: string;
};

export type LocalSession = { token: string; expiresAt: number; user: LocalUser };

export const LOCAL_SESSION_KEY = "harness.localSession";

export function loadLocalSession(): LocalSession | null {
  const stored = readJson<LocalSession>(LOCAL_SESSION_KEY);
  if (stored === null || typeof stored.token !== "string" || typeof stored.user?.name !== "string") return null;
  return stored;
}

export function saveLocalSession(session: LocalSession): void {
  writeJson(LOCAL_SESSION_KEY, session);
}

export function clearLocalSession(): void {
  remove(LOCAL_SESSION_KEY);
}

/** The form input that signs the same user (and organisation) in again. */
export function inputFor(user: LocalUser): LocalUserInput {
  return {
    name: user.name,
    email: user.email,
    ...(user.orgId !== null ? { orgId: user.orgId } : {}),
    ...(user.orgRole !== null ? { orgRole: user.orgRole } : {}),
    ...(user.orgSlug !== null ? { orgSlug: user.orgSlug } : {}),
  };
}

async function failure(response: Response): Promise<Error> {
  let message = `Sign-in failed (HTTP ${response.status}).`;
  try {
    const body = (await response.json()) as { error?: unknown };
    if (typeof body.error === "string") message = body.error;
  } catch {
    // not JSON
  }
  if (response.status === 404) message = "This server has no local sign-in. Configure Clerk (VITE_CLERK_PUBLISHABLE_KEY) to sign in.";
  return new Error(message);
}

export async function requestLocalToken(input: LocalUserInput): Promise<LocalSession> {
  const response = await fetch(`${config.localAuthUrl}/token`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(input),
  });
  if (!response.ok) throw await failure(response);
  return (await response.json()) as LocalSession;
}

export async function listLocalUsers(): Promise<LocalUser[]> {
  const response = await fetch(`${config.localAuthUrl}/users`, { headers: { accept: "application/json" } });
  if (!response.ok) throw await failure(response);
  const body = (await response.json()) as { users?: LocalUser[] };
  return Array.isArray(body.users) ? body.users : [];
}

/** "Ada (acme, admin)" */
export function describeLocalUser(user: LocalUser): string {
  if (user.orgId === null) return `${user.name} · personal`;
  const role = (user.orgRole ?? "").replace(/^org:/, "");
  return `${user.name} · ${user.orgSlug ?? user.orgId}${role ? ` (${role})` : ""}`;
}
