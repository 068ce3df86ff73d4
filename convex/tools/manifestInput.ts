/**
 * What agent and tool manifests share: they arrive as JSON text or as an
 * object, and must be a plain object before their fields are checked.
 */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** The manifest as an object, or `bad(...)` (which throws) with what is wrong with its form. */
export function readManifestObject(input: unknown, maxChars: number, bad: (message: string) => never): Record<string, unknown> {
  let manifest: unknown = input;
  if (typeof input === "string") {
    if (input.length > maxChars) bad(`it must be at most ${maxChars} characters`);
    try {
      manifest = JSON.parse(input);
    } catch {
      bad("it is not valid JSON");
    }
  }
  if (!isPlainObject(manifest)) bad("it must be a JSON object");
  return manifest;
}
