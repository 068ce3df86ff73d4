/**
 * The structured parts of the builder's refusals: the chain of agents a
 * refused delegation would cycle through or make too deep (the error's
 * `chain`). The field a validation error is about is its `field`
 * (`fieldOf` / `splitFieldError` in ../lib/errors).
 */
import type { RefusedChain } from "../../../convex/lib/errors";
import { isHarnessError } from "../lib/errors";

export type { RefusedChain };
export type { FieldError } from "../lib/errors";

/** The chain a refused composition carries, or null for any other error. */
export function refusedChainOf(error: unknown): RefusedChain | null {
  return isHarnessError(error) && error.data.chain !== undefined ? error.data.chain : null;
}
