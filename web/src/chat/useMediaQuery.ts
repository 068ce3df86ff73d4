import { useSyncExternalStore } from "react";

/** Whether a CSS media query matches now (and re-renders when that changes). */
export function useMediaQuery(query: string): boolean {
  return useSyncExternalStore(
    (onChange) => {
      const list = window.matchMedia(query);
      list.addEventListener("change", onChange);
      return () => list.removeEventListener("change", onChange);
    },
    () => window.matchMedia(query).matches,
    () => false,
  );
}

/** The width at which the chat becomes one column with the conversations in a drawer (as in the stylesheets' phone rules, e.g. thread.css). */
export const PHONE = "(max-width: 720px)";
