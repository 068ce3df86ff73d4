/**
 * Test-only switches for the ops routes. They live in process memory and are
 * set only by test code in the same process; no public function, HTTP route
 * or environment variable can reach them.
 */
export const healthFaults = {
  /** The next n health probes throw, as an unreachable database would. */
  failProbes: 0,
};
