import { useCallback, useState, type Dispatch, type SetStateAction } from "react";

/**
 * State that is back to `initial` whenever `key` changes (the phone menu
 * closes on navigation, a drawer when another conversation opens): the value
 * remembers the key it was set under, so no effect has to reset it afterwards.
 */
export function useStateResetBy<T>(key: unknown, initial: T): [T, Dispatch<SetStateAction<T>>] {
  const [state, setState] = useState<{ key: unknown; value: T }>({ key, value: initial });
  const value = Object.is(state.key, key) ? state.value : initial;
  const set = useCallback(
    (next: SetStateAction<T>) =>
      setState((previous) => {
        const current = Object.is(previous.key, key) ? previous.value : initial;
        return { key, value: typeof next === "function" ? (next as (current: T) => T)(current) : next };
      }),
    [key, initial],
  );
  return [value, set];
}
