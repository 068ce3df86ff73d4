/**
 * API key secrets: `thk_` + 32 random bytes in base64url (43 characters).
 * Only their SHA-256 is stored; a request's key is hashed and looked up by
 * that hash. Generated and hashed in actions (real randomness and Web Crypto),
 * never in a query or mutation.
 */

export const KEY_PREFIX = "thk_";
const SECRET_BYTES = 32;
const SECRET_PATTERN = /^thk_[A-Za-z0-9_-]{43}$/;
/** Characters of the secret kept for display after `thk_` (36 bits: tells keys apart, guesses nothing). */
const DISPLAY_CHARS = 6;

function base64url(bytes: Uint8Array): string {
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

export function generateSecret(): string {
  const bytes = new Uint8Array(SECRET_BYTES);
  crypto.getRandomValues(bytes);
  return `${KEY_PREFIX}${base64url(bytes)}`;
}

/** Whether `token` has the shape of a key; anything else is refused without a database read. */
export function isWellFormedSecret(token: string): boolean {
  return SECRET_PATTERN.test(token);
}

/** Hex SHA-256 of the secret: what is stored and looked up. */
export async function hashSecret(secret: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(secret));
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

export function displayPrefixOf(secret: string): string {
  return secret.slice(0, KEY_PREFIX.length + DISPLAY_CHARS);
}
