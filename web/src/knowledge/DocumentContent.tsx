import { useEffect, useRef } from "react";
import { api } from "../../../convex/_generated/api";
import type { Id } from "../../../convex/_generated/dataModel";
import { useQuery } from "../lib/convex";
import { useAccount } from "../shell/AccountProvider";
import "./knowledge.css";

/**
 * A document's text as ingestion read it — a PDF page by page, a Word file or
 * web page by its headings, CSV rows — each block labelled the way citations
 * name it ("p. 4"). `at` (from `?at=` of a citation's link) scrolls to that
 * block and marks it.
 */
export function DocumentContent({ documentId, at }: { documentId: Id<"knowledgeDocuments">; at: string | null }) {
  const { accountId } = useAccount();
  const content = useQuery(api.knowledge.documents.content, { accountId, documentId });
  const target = useRef<HTMLElement>(null);
  const found = content?.blocks.some((block) => block.label === at) ?? false;
  useEffect(() => {
    if (found) target.current?.scrollIntoView({ block: "start" });
  }, [found, at]);
  if (content === undefined) return <p className="muted small">Loading the text…</p>;
  if (content.blocks.length === 0) return <p className="muted small" data-testid="document-content-empty">No text yet: it appears once the file is read.</p>;
  // The first block with the cited label is the one scrolled to and marked.
  const targetIndex = at === null ? -1 : content.blocks.findIndex((block) => block.label === at);
  return (
    <div className="document-content" data-testid="document-content">
      {content.blocks.map((block, index) => {
        const isTarget = index === targetIndex;
        return (
          <section
            key={index}
            ref={isTarget ? target : undefined}
            className={isTarget ? "document-block highlighted" : "document-block"}
            data-testid="document-block"
            data-label={block.label ?? ""}
            data-target={isTarget ? "true" : "false"}
          >
            {block.label !== undefined && <h3 className="small muted">{block.label}</h3>}
            <p className="document-text">{block.text}</p>
          </section>
        );
      })}
      {content.truncated && <p className="muted small">The rest of the document is not shown.</p>}
    </div>
  );
}
