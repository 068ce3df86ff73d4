/**
 * Comparing a secret a caller presented with the stored one without an early
 * exit on the first differing character (a secret's length is not secret).
 */
export function sameSecret(given: string, expected: string): boolean {
  if (given.length !== expected.length) return false;
  let diff = 0;
  for (let i = 0; i < expected.length; i++) diff |= given.charCodeAt(i) ^ expected.charCodeAt(i);
  return diff === 0;
}
