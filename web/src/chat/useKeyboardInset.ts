import { useEffect } from "react";

/**
 * Keeps `--keyboard-inset` on <html> equal to the part of the layout viewport
 * an on-screen keyboard covers (from `visualViewport`), so the composer can
 * sit above the keyboard on phones whose browsers overlay it instead of
 * resizing the page. 0 on desktops.
 */
export function useKeyboardInset(): void {
  useEffect(() => {
    const viewport = window.visualViewport;
    if (viewport === null) return;
    const root = document.documentElement;
    const update = () => {
      const covered = Math.max(0, window.innerHeight - viewport.height - viewport.offsetTop);
      root.style.setProperty("--keyboard-inset", `${Math.round(covered)}px`);
    };
    update();
    viewport.addEventListener("resize", update);
    viewport.addEventListener("scroll", update);
    return () => {
      viewport.removeEventListener("resize", update);
      viewport.removeEventListener("scroll", update);
      root.style.removeProperty("--keyboard-inset");
    };
  }, []);
}
