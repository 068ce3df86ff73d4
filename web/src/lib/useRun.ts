import { useCallback, useState } from "react";
import { errorText } from "./errors";
import { useLatest } from "./useLatest";

/**
 * Run an async action from an event handler: tracks whether it is pending and
 * turns a failure into words. `run` never rejects (it resolves to undefined on failure).
 */
export function useRun<Args extends unknown[], R>(action: (...args: Args) => Promise<R>) {
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const actionRef = useLatest(action);
  const run = useCallback(async (...args: Args): Promise<R | undefined> => {
    setPending(true);
    setError(null);
    try {
      return await actionRef.current(...args);
    } catch (e) {
      setError(errorText(e));
      return undefined;
    } finally {
      setPending(false);
    }
  }, [actionRef]);
  const clearError = useCallback(() => setError(null), []);
  return { run, pending, error, clearError };
}
