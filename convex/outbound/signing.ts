/**
 * Standard Webhooks signatures (https://www.standardwebhooks.com), the scheme
 * svix uses: `webhook-signature: v1,<base64 HMAC-SHA256(key, "<id>.<timestamp>.<body>")>`,
 * where the key is the secret's bytes (the base64 after `whsec_`) and the
 * timestamp is Unix seconds of the attempt. Web Crypto only, so it runs in
 * Convex's runtime and in Node alike.
 */

export const SECRET_PREFIX = "whsec_";
const SECRET_BYTES = 24;

function toBase64(bytes: Uint8Array): string {
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary);
}

function fromBase64(text: string): Uint8Array<ArrayBuffer> {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/** A fresh signing secret, `whsec_` + base64 of 24 random bytes. */
export function newSigningSecret(): string {
  return SECRET_PREFIX + toBase64(crypto.getRandomValues(new Uint8Array(SECRET_BYTES)));
}

/** The `webhook-signature` header value for one attempt. */
export async function signatureHeader(secret: string, webhookId: string, timestampSeconds: number, body: string): Promise<string> {
  const keyBytes = fromBase64(secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret);
  const key = await crypto.subtle.importKey("raw", keyBytes, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  const signed = new TextEncoder().encode(`${webhookId}.${timestampSeconds}.${body}`);
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", key, signed));
  return `v1,${toBase64(mac)}`;
}
