import { useEffect, useState } from "react";
import type { Options } from "react-markdown";

/** A rehype plugin with its options, as react-markdown takes it. */
type Highlighter = NonNullable<Options["rehypePlugins"]>[number];

// Loaded once, on the first reply that has a code block: highlight.js is the largest part of the chat's code.
let loaded: Highlighter | null = null;
let loading: Promise<Highlighter> | null = null;

function load(): Promise<Highlighter> {
  loading ??= import("rehype-highlight").then((module) => {
    // Only blocks that name their language (```ts): guessing a language is slow and often wrong.
    loaded = [module.default, { detect: false, plainText: ["text", "txt", "plain"] }];
    return loaded;
  });
  return loading;
}

/** The syntax-highlighting rehype plugin once it is loaded (null until then, or when `wanted` is false). */
export function useHighlighter(wanted: boolean): Highlighter | null {
  const [plugin, setPlugin] = useState<Highlighter | null>(loaded);
  useEffect(() => {
    if (!wanted || plugin !== null) return;
    let live = true;
    load().then(
      (p) => {
        if (live) setPlugin(p);
      },
      // Unhighlighted code is still readable: a failed load only loses the colours.
      () => {},
    );
    return () => {
      live = false;
    };
  }, [wanted, plugin]);
  return wanted ? plugin : null;
}
