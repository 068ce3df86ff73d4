import { useId, useRef, useState, type ChangeEvent, type FormEvent } from "react";
import { Link } from "react-router";
import { api } from "../../../convex/_generated/api";
import type { Id } from "../../../convex/_generated/dataModel";
import { useAction, useMutation, useQuery } from "../lib/convex";
import { useRun } from "../lib/useRun";
import { useAccount } from "../shell/AccountProvider";
import { StatusBadge } from "./Documents";
import type { ScopeView } from "./scope";
import "./knowledge.css";

/** The server's limits (convex/knowledge/validators.ts); checked here only to spare sending a huge file. */
const MAX_TEXT_BYTES = 200 * 1024;
const MAX_FILE_BYTES = 8 * 1024 * 1024;
const ACCEPT = ".txt,.md,.markdown,.pdf,.docx,.html,.htm,.csv,text/plain,text/markdown,application/pdf,text/html,text/csv";

function formatOf(name: string, type: string): "text" | "markdown" | "file" | null {
  if (/\.(md|markdown)$/i.test(name) || /markdown/.test(type)) return "markdown";
  if (/\.txt$/i.test(name) || type === "text/plain") return "text";
  if (/\.(pdf|docx|html?|csv)$/i.test(name)) return "file";
  return null;
}

/**
 * Add a document to the scope: paste text, or pick a file. A .txt / .md file
 * is read in the browser into the form; a PDF, Word, HTML or CSV file is sent
 * as it is (`uploads.uploadFile`, its bytes in the call, so it works the same
 * on the local engine and a deployment) and read on the server. Its status
 * then follows live until it is ready.
 */
export function AddDocument({ scope }: { scope: ScopeView }) {
  const { accountId } = useAccount();
  const addText = useMutation(api.knowledge.documents.addText);
  const uploadFile = useAction(api.knowledge.uploads.uploadFile);
  const upload = useRun((file: File) =>
    file.arrayBuffer().then((bytes) => uploadFile({ accountId, scope: scope.scope, name: file.name, contentType: file.type, bytes })),
  );
  const [title, setTitle] = useState("");
  const [text, setText] = useState("");
  const [format, setFormat] = useState<"text" | "markdown">("text");
  const [fileName, setFileName] = useState<string | null>(null);
  const [fileError, setFileError] = useState<string | null>(null);
  const [added, setAdded] = useState<{ documentId: Id<"knowledgeDocuments">; unchanged: boolean } | null>(null);
  const fileRef = useRef<HTMLInputElement>(null);
  const id = useId();
  const { run, pending, error } = useRun(() => addText({ accountId, scope: scope.scope, title: title.trim(), text, format }));

  const onFile = async (event: ChangeEvent<HTMLInputElement>) => {
    setFileError(null);
    const file = event.target.files?.[0];
    if (file === undefined) return;
    const kind = formatOf(file.name, file.type);
    if (kind === null) return setFileError("Upload a PDF, Word (.docx), HTML, CSV, Markdown (.md) or text (.txt) file.");
    if (kind === "file") {
      if (file.size > MAX_FILE_BYTES) return setFileError(`Files are limited to 8 MB; this one is ${(file.size / 1024 / 1024).toFixed(1)} MB.`);
      setAdded(null);
      const result = await upload.run(file);
      if (fileRef.current) fileRef.current.value = "";
      if (result !== undefined) setAdded({ documentId: result.documentId, unchanged: result.unchanged });
      return;
    }
    if (file.size > MAX_TEXT_BYTES) return setFileError(`Text files are limited to 200 KB; this one is ${Math.ceil(file.size / 1024)} KB.`);
    setText(await file.text());
    setFormat(kind);
    setFileName(file.name);
    if (title.trim() === "") setTitle(file.name.replace(/\.[^.]+$/, ""));
  };

  const onSubmit = async (event: FormEvent) => {
    event.preventDefault();
    setAdded(null);
    const result = await run();
    if (result === undefined) return;
    setAdded({ documentId: result.documentId, unchanged: result.unchanged });
    setTitle("");
    setText("");
    setFileName(null);
    if (fileRef.current) fileRef.current.value = "";
  };

  const empty = title.trim() === "" || text.trim() === "";
  return (
    <section aria-labelledby={`${id}-h`} data-testid="add-document">
      <h2 id={`${id}-h`}>Add a document</h2>
      <form className="stack" onSubmit={(e) => void onSubmit(e)}>
        <label className="field">
          <span>Upload a file: PDF, Word (.docx), HTML or CSV up to 8 MB (added at once); .txt or .md up to 200 KB (into the form below)</span>
          <input ref={fileRef} type="file" accept={ACCEPT} disabled={upload.pending} onChange={(e) => void onFile(e)} data-testid="document-file" />
        </label>
        {upload.pending && (
          <p className="muted small" role="status" data-testid="document-uploading">
            Uploading…
          </p>
        )}
        {upload.error !== null && (
          <p className="error small" role="alert" data-testid="document-upload-error">
            Could not add the file: {upload.error}
          </p>
        )}
        {fileError !== null && (
          <p className="error small" role="alert" data-testid="document-file-error">
            {fileError}
          </p>
        )}
        <label className="field">
          <span>Title</span>
          <input value={title} maxLength={200} onChange={(e) => setTitle(e.target.value)} data-testid="document-title" />
        </label>
        <label className="field">
          <span>{fileName === null ? "Or paste the text" : `Text of ${fileName}`}</span>
          <textarea rows={6} value={text} onChange={(e) => setText(e.target.value)} data-testid="document-text" />
        </label>
        <div className="row">
          <label className="checkbox small">
            <input type="checkbox" checked={format === "markdown"} onChange={(e) => setFormat(e.target.checked ? "markdown" : "text")} data-testid="document-markdown" />
            Markdown (split by its headings)
          </label>
          <button type="submit" className="button primary" disabled={pending || empty} data-testid="document-submit">
            {pending ? "Adding…" : "Add document"}
          </button>
        </div>
      </form>
      {error !== null && (
        <p className="error" role="alert" data-testid="document-add-error">
          Could not add the document: {error}
        </p>
      )}
      {added !== null && <Added documentId={added.documentId} unchanged={added.unchanged} />}
    </section>
  );
}

/** The document just added, with its status as ingestion goes on. */
function Added({ documentId, unchanged }: { documentId: Id<"knowledgeDocuments">; unchanged: boolean }) {
  const { accountId } = useAccount();
  const document = useQuery(api.knowledge.documents.get, { accountId, documentId });
  return (
    <p role="status" className="small" data-testid="document-added" data-status={document?.status ?? "pending"}>
      {unchanged ? "That text is already here: " : "Added: "}
      <Link to={`/knowledge?document=${documentId}`}>{document?.title ?? "the document"}</Link> {document !== undefined && <StatusBadge document={document} />}
      {document?.status === "ready" && " — searchable now."}
      {document?.status === "failed" && ` — ${document.error ?? "ingestion failed"}`}
    </p>
  );
}
