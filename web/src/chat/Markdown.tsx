import { memo, useMemo, type ComponentProps } from "react";
import ReactMarkdown, { type Components, type Options } from "react-markdown";
import { Link } from "react-router";
import remarkGfm from "remark-gfm";
import { documentHref, type Citation } from "./citations";
import { CodeBlock } from "./CodeBlock";
import { useHighlighter } from "./useHighlighter";
import "./thread.css";

/** The little of hast (the HTML syntax tree react-markdown renders) this file touches. */
type HastNode = { type: string; tagName?: string; value?: string; properties?: Record<string, unknown>; children?: HastNode[] };

const CITATION = /\[(\d{1,2})\]/g;
const HAS_CITATION = /\[\d{1,2}\]/;
/** Never turn `[1]` into a link inside code or inside another link. */
const KEEP_AS_IS = new Set(["code", "pre", "a"]);

function citationNode(n: number, citation: Citation): HastNode {
  const score = citation.score !== undefined ? ` (score ${citation.score.toFixed(2)})` : "";
  const gone = citation.documentExists === false;
  const properties = {
    className: ["citation"],
    dataTestid: "citation",
    dataN: String(n),
    ...(citation.documentId !== undefined ? { dataDocumentId: citation.documentId } : {}),
    title: `${citation.title}${score}${gone ? " — this document has been deleted" : ""}`,
  };
  const text: HastNode = { type: "text", value: `[${n}]` };
  return citation.documentId !== undefined && !gone
    ? { type: "element", tagName: "a", properties: { ...properties, href: documentHref(citation.documentId, citation.location) }, children: [text] }
    : { type: "element", tagName: "span", properties, children: [text] };
}

/** A rehype plugin: each `[n]` with a known citation becomes a link to its document (or a titled mark for facts). */
function rehypeCitations(options: { citations: ReadonlyMap<number, Citation> }) {
  const visit = (node: HastNode) => {
    if (node.children === undefined || (node.type === "element" && KEEP_AS_IS.has(node.tagName ?? ""))) return;
    const next: HastNode[] = [];
    for (const child of node.children) {
      if (child.type !== "text" || child.value === undefined || !HAS_CITATION.test(child.value)) {
        visit(child);
        next.push(child);
        continue;
      }
      let last = 0;
      for (const found of child.value.matchAll(CITATION)) {
        const citation = options.citations.get(Number(found[1]));
        if (citation === undefined) continue;
        if (found.index > last) next.push({ type: "text", value: child.value.slice(last, found.index) });
        next.push(citationNode(Number(found[1]), citation));
        last = found.index + found[0].length;
      }
      if (last < child.value.length) next.push({ type: "text", value: child.value.slice(last) });
    }
    node.children = next;
  };
  return (tree: HastNode) => visit(tree);
}

function MarkdownLink({ node: _node, href, children, ...rest }: ComponentProps<"a"> & { node?: unknown }) {
  // react-markdown has already emptied unsafe URLs (javascript:, data:, ...): show their text, not a dead link.
  if (href === undefined || href === "") return <span className="unsafe-link">{children}</span>;
  if (href.startsWith("/") && !href.startsWith("//")) {
    return (
      <Link to={href} {...rest}>
        {children}
      </Link>
    );
  }
  return (
    <a href={href} target="_blank" rel="noopener noreferrer" {...rest}>
      {children}
    </a>
  );
}

/** Wide tables scroll inside the reply instead of widening the page. */
function Table({ node: _node, ...rest }: ComponentProps<"table"> & { node?: unknown }) {
  return (
    <div className="table-scroll" tabIndex={0}>
      <table {...rest} />
    </div>
  );
}

const COMPONENTS: Components = { a: MarkdownLink, pre: CodeBlock as Components["pre"], table: Table };
const REMARK_PLUGINS = [remarkGfm];
const FENCE = /^\s*(```|~~~)/m;

/**
 * An agent's reply as Markdown with GitHub's tables, task lists and
 * autolinks (react-markdown: raw HTML is shown as text, never rendered;
 * unsafe link protocols are dropped), code blocks highlighted once the
 * highlighter has loaded, and `[n]` citations linked to the knowledge they
 * came from.
 */
export const Markdown = memo(function Markdown({ text, citations }: { text: string; citations: readonly Citation[] }) {
  const highlighter = useHighlighter(FENCE.test(text));
  const plugins = useMemo(() => {
    const list: NonNullable<Options["rehypePlugins"]> = [[rehypeCitations, { citations: new Map(citations.map((c) => [c.n, c])) }]];
    if (highlighter !== null) list.push(highlighter);
    return list;
  }, [citations, highlighter]);
  return (
    <ReactMarkdown remarkPlugins={REMARK_PLUGINS} rehypePlugins={plugins} components={COMPONENTS}>
      {text}
    </ReactMarkdown>
  );
});
