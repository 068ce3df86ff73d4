/**
 * The membership lookup on its own, for domains that need nothing else of
 * tenancy (conversations/general.ts). It is one of the caller lookups in
 * lib/caller.ts.
 */
export { membershipOf } from "../lib/caller";
