import type { ComponentProps } from "react";
import { COPY_WORDS, useCopy } from "./useCopy";

type HastNode = { type: string; value?: string; properties?: Record<string, unknown>; children?: HastNode[] };

/** The plain text under a node (highlighting splits code into many spans). */
export function textOf(node: HastNode | undefined): string {
  if (node === undefined) return "";
  if (node.type === "text") return node.value ?? "";
  return (node.children ?? []).map(textOf).join("");
}

function languageOf(node: HastNode | undefined): string | null {
  const code = node?.children?.find((child) => child.type === "element");
  const classes = code?.properties?.["className"];
  const names = Array.isArray(classes) ? classes.map(String) : [];
  return names.find((name) => name.startsWith("language-"))?.slice("language-".length) ?? null;
}

/** A fenced code block: its language, a copy button, and the (highlighted) code, scrolling sideways when wide. */
export function CodeBlock({ node, children, ...rest }: ComponentProps<"pre"> & { node?: HastNode }) {
  const { state, copy } = useCopy();
  const language = languageOf(node);
  return (
    <div className="code-block" data-testid="code-block" data-language={language ?? ""}>
      <div className="code-toolbar small">
        <span className="muted">{language ?? "code"}</span>
        <button
          type="button"
          className="button small ghost"
          data-testid="code-copy"
          aria-label={state === "idle" ? `Copy ${language ?? ""} code`.replace("  ", " ") : COPY_WORDS[state]}
          onClick={() => void copy(textOf(node).replace(/\n$/, ""))}
        >
          {COPY_WORDS[state]}
        </button>
      </div>
      <pre {...rest} tabIndex={0}>
        {children}
      </pre>
    </div>
  );
}
