/**
 * Which format an upload is, checked before anything is stored: its declared
 * type (or, when that says nothing, its name), confirmed by its first bytes
 * for the binary formats, so a renamed file is refused in words instead of
 * failing later in extraction. Pure: usable in any runtime.
 */
import { fail } from "../lib/errors";
import { MAX_DOCUMENT_BYTES, MAX_FILE_BYTES, SUPPORTED_CONTENT_TYPES, SUPPORTED_EXTENSIONS, type DocumentFormat } from "./validators";

export const FORMAT_WORDS: Readonly<Record<DocumentFormat, string>> = {
  text: "plain text",
  markdown: "Markdown",
  pdf: "PDF",
  docx: "Word (DOCX)",
  html: "HTML",
  csv: "CSV",
};

const SUPPORTED_LIST = "PDF, DOCX, HTML, Markdown, plain text or CSV";

function kilobytes(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${(bytes / (1024 * 1024)).toFixed(1)} MB` : `${Math.ceil(bytes / 1024)} KB`;
}

/** The format of an upload, from its content type, or its name when the type says nothing. */
export function formatOfUpload(contentType: string, name: string): DocumentFormat {
  const type = contentType.split(";")[0]!.trim().toLowerCase();
  const known = SUPPORTED_CONTENT_TYPES[type];
  if (known) return known;
  if (type === "" || type === "application/octet-stream") {
    const extension = /\.([a-z0-9]+)$/i.exec(name)?.[1]?.toLowerCase();
    const byName = extension === undefined ? undefined : SUPPORTED_EXTENSIONS[extension];
    if (byName) return byName;
  }
  fail("bad_request", `Unsupported file type “${contentType || "unknown"}”${name ? ` (${name})` : ""}: upload ${SUPPORTED_LIST}.`);
}

/** The largest upload of a format: text formats are stored as text, the others as files. */
export function sizeLimitOf(format: DocumentFormat): number {
  return format === "text" || format === "markdown" ? MAX_DOCUMENT_BYTES : MAX_FILE_BYTES;
}

/** Refuses an upload over its format's limit, in words. */
export function checkUploadSize(format: DocumentFormat, bytes: number): void {
  const limit = sizeLimitOf(format);
  if (bytes > limit) fail("bad_request", `${FORMAT_WORDS[format]} files are limited to ${kilobytes(limit)}; this one is ${kilobytes(bytes)}.`);
  if (bytes === 0) fail("bad_request", "The file is empty.");
}

const PDF_MAGIC = [0x25, 0x50, 0x44, 0x46, 0x2d]; // %PDF-
const ZIP_MAGIC = [0x50, 0x4b, 0x03, 0x04]; // PK\3\4: a DOCX is a ZIP package

function startsWith(bytes: Uint8Array, magic: number[]): boolean {
  return magic.every((byte, index) => bytes[index] === byte);
}

/** Refuses a file whose first bytes contradict its format (a renamed file); text formats must be UTF-8. */
export function checkContent(format: DocumentFormat, bytes: Uint8Array): void {
  switch (format) {
    case "pdf":
      // A PDF may have a little junk before its header; the standard allows 1 KB.
      if (!findWithin(bytes, PDF_MAGIC, 1024)) fail("bad_request", "This file is not a PDF (it has no %PDF header).");
      return;
    case "docx":
      if (!startsWith(bytes, ZIP_MAGIC)) fail("bad_request", "This file is not a Word document (.docx files are ZIP packages). Older .doc files are not supported.");
      return;
    default:
      decodeUtf8(bytes);
  }
}

function findWithin(bytes: Uint8Array, magic: number[], window: number): boolean {
  const end = Math.min(bytes.length - magic.length, window);
  for (let start = 0; start <= end; start++) if (magic.every((byte, index) => bytes[start + index] === byte)) return true;
  return false;
}

/** UTF-8 text of a file, without a byte-order mark; refuses other encodings. */
export function decodeUtf8(bytes: Uint8Array): string {
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes).replace(/^\uFEFF/, "");
  } catch {
    fail("bad_request", "The file is not valid UTF-8 text.");
  }
}
