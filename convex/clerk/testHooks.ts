/**
 * Test-only faults for Clerk event processing. Process memory, set only by
 * test code in the same process; no function, route or environment variable
 * reaches it.
 */
export const clerkProcessingFaults = {
  /** The next n processing attempts throw before applying anything. */
  failNextAttempts: 0,
};
