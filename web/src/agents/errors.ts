/**
 * The structured parts of the builder's refusals: the chain of agents a
 * refused delegation would cycle through or make too deep (the error's
 * `chain`), and the field a validation error names (the backend prefixes its
 * message with the field's path: "name must be …", "tools[2].permission: …").
 */
import type { RefusedChain } from "../../../convex/lib/errors";
import { errorText, isHarnessError } from "../lib/errors";

export type { RefusedChain };

/** The chain a refused composition carries, or null for any other error. */
export function refusedChainOf(error: unknown): RefusedChain | null {
  return isHarnessError(error) && error.data.chain !== undefined ? error.data.chain : null;
}

/** An error about one field: `field` is its path ("" = the whole manifest). */
export type FieldError = { field: string; message: string };

const MANIFEST_PREFIX = "Invalid agent manifest: ";
const PATH = /^([A-Za-z_][A-Za-z0-9_]*(?:\[\d+\])*(?:\.[A-Za-z_][A-Za-z0-9_]*(?:\[\d+\])*)*)(?::\s+|\s+)/;

/**
 * The field an error names, when its path starts at one of `roots`
 * (so "This delegation would…" is not read as a field called "This").
 * Manifest errors that name no field ("it is not valid JSON") belong to the
 * whole manifest.
 */
export function fieldErrorOf(error: unknown, roots: readonly string[]): FieldError | null {
  if (!isHarnessError(error)) return null;
  const full = error.data.message;
  const manifest = full.startsWith(MANIFEST_PREFIX);
  const rest = manifest ? full.slice(MANIFEST_PREFIX.length) : full;
  const match = PATH.exec(rest);
  const root = match?.[1]?.split(/[.[]/)[0];
  if (match && root !== undefined && roots.includes(root)) return { field: match[1]!, message: rest };
  if (manifest && error.data.code === "bad_request") return { field: "", message: rest };
  return null;
}

/** Split an error into the field it names (if any) and words for everything else. */
export function splitError(error: unknown, roots: readonly string[]): { field: FieldError | null; general: string | null } {
  const field = fieldErrorOf(error, roots);
  return field ? { field, general: null } : { field: null, general: errorText(error) };
}
