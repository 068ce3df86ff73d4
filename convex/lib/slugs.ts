/**
 * Slugs made from names people type ("My OpenRouter" → "my-openrouter"), for
 * the account-level resources that are named by slug in ids and URLs (model
 * connections `@<slug>/…`, MCP servers `mcp_<slug>_…`).
 */

/** Lowercase ASCII letters and digits joined by "-", at most `maxLength` characters; `fallback` when nothing is left. */
export function slugFrom(name: string, { maxLength, fallback }: { maxLength: number; fallback: string }): string {
  const slug = name
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+/, "")
    .slice(0, maxLength)
    .replace(/-+$/, "");
  return slug === "" ? fallback : slug;
}

/** `base` itself when free, else `base-2`, `base-3`… (cut to fit `maxLength`). */
export function uniqueSlug(base: string, taken: ReadonlySet<string>, maxLength: number): string {
  if (!taken.has(base)) return base;
  for (let n = 2; ; n++) {
    const suffix = `-${n}`;
    const candidate = `${base.slice(0, maxLength - suffix.length).replace(/-+$/, "")}${suffix}`;
    if (!taken.has(candidate)) return candidate;
  }
}
