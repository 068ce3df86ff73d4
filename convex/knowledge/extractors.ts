"use node";

/**
 * Text out of files, with each piece's place kept: PDF pages (unpdf, the
 * serverless build of pdf.js), DOCX headings (mammoth → HTML → Markdown),
 * web pages (Readability keeps the article, Turndown makes it Markdown) and
 * CSV rows. Runs in Node only (see extractFile.ts, a "use node" action): the
 * libraries need Node's buffers and a DOM implementation.
 *
 * A file that can never be read (password, damage, no text layer, too much
 * text) is refused with an `ExtractionRefusal` whose message is shown to the
 * user as the document's failure reason; anything else is thrown as is and
 * retried by the ingestion workpool.
 */
import { Readability } from "@mozilla/readability";
import { parseHTML } from "linkedom";
import mammoth from "mammoth";
import TurndownService from "turndown";
import { extractText, getDocumentProxy } from "unpdf";
import { markdownBlocks } from "./chunking";
import { decodeUtf8 } from "./formats";
import { MAX_EXTRACTED_CHARS, type DocumentFormat, type TextBlock } from "./validators";

export class ExtractionRefusal extends Error {
  override name = "ExtractionRefusal";
}

export type Extracted = { blocks: TextBlock[]; pageCount?: number };

export async function extractBlocks(format: DocumentFormat, bytes: Uint8Array): Promise<Extracted> {
  const extracted = await extractByFormat(format, bytes);
  const chars = extracted.blocks.reduce((sum, block) => sum + block.text.length, 0);
  if (chars === 0) throw new ExtractionRefusal("The file has no text to index.");
  if (chars > MAX_EXTRACTED_CHARS) {
    throw new ExtractionRefusal(`The file holds ${Math.round(chars / 1000)}k characters of text; documents are limited to ${MAX_EXTRACTED_CHARS / 1000}k. Split it into smaller files.`);
  }
  return extracted;
}

async function extractByFormat(format: DocumentFormat, bytes: Uint8Array): Promise<Extracted> {
  switch (format) {
    case "pdf":
      return await pdfBlocks(bytes);
    case "docx":
      return { blocks: markdownBlocks(htmlToMarkdown(await docxHtml(bytes))) };
    case "html":
      return { blocks: markdownBlocks(articleMarkdown(decodeUtf8(bytes))) };
    case "csv":
      return { blocks: csvBlocks(decodeUtf8(bytes)) };
    case "markdown":
      return { blocks: markdownBlocks(decodeUtf8(bytes)) };
    case "text":
      return { blocks: [{ text: decodeUtf8(bytes).trim() }].filter((block) => block.text !== "") };
  }
}

// --- PDF -----------------------------------------------------------------------

async function pdfBlocks(bytes: Uint8Array): Promise<Extracted> {
  let pages: string[];
  try {
    // pdf.js takes ownership of (detaches) the buffer it is given: hand it a copy.
    const pdf = await getDocumentProxy(new Uint8Array(bytes));
    pages = (await extractText(pdf, { mergePages: false })).text;
  } catch (error) {
    const name = (error as { name?: unknown } | null)?.name;
    if (name === "PasswordException") throw new ExtractionRefusal("This PDF is password-protected. Remove the password (print it to a new PDF) and upload it again.");
    if (name === "InvalidPDFException" || name === "FormatError" || name === "UnknownErrorException") {
      throw new ExtractionRefusal(`This PDF is damaged and cannot be read (${(error as Error).message}).`);
    }
    throw error;
  }
  const blocks = pages.map((text, index) => ({ text: tidy(text), page: index + 1 })).filter((block) => block.text !== "");
  if (blocks.length === 0) {
    throw new ExtractionRefusal(
      `This PDF has no text layer: its ${pages.length === 1 ? "page is an image" : `${pages.length} pages are images`} (a scan?). Text recognition (OCR) is not supported; upload a PDF with selectable text.`,
    );
  }
  return { blocks, pageCount: pages.length };
}

/** Joins lines broken by the PDF's layout back into paragraphs. */
function tidy(text: string): string {
  return text
    .replace(/\r\n?/g, "\n")
    .replace(/-\n(?=\p{Ll})/gu, "")
    .replace(/[ \t]+/g, " ")
    .replace(/\n{3,}/g, "\n\n")
    .trim();
}

// --- DOCX and HTML ---------------------------------------------------------------

async function docxHtml(bytes: Uint8Array): Promise<string> {
  try {
    const result = await mammoth.convertToHtml({ buffer: Buffer.from(bytes) });
    return result.value;
  } catch (error) {
    throw new ExtractionRefusal(`This Word document cannot be read (${(error as Error).message}).`);
  }
}

function htmlToMarkdown(html: string): string {
  const turndown = new TurndownService({ headingStyle: "atx", codeBlockStyle: "fenced", bulletListMarker: "-" });
  turndown.remove(["script", "style", "noscript"]);
  return turndown.turndown(html);
}

/** The article of a web page as Markdown, titled; the whole body when Readability finds no article. */
function articleMarkdown(html: string): string {
  const { document } = parseHTML(html);
  const title = (document.querySelector("title")?.textContent ?? "").trim();
  const article = new Readability(document as unknown as Document).parse();
  const body = article?.content ?? parseHTML(html).document.body?.innerHTML ?? "";
  const markdown = htmlToMarkdown(body);
  const heading = (article?.title ?? title).trim();
  // Readability drops the page's <h1> when it repeats the title: put the title back as the top heading.
  return heading !== "" && !markdown.trimStart().startsWith(`# ${heading}`) ? `# ${heading}\n\n${markdown}` : markdown;
}

// --- CSV -----------------------------------------------------------------------

/** Data rows per block: a block reads as "column: value" lines under the header's names. */
const CSV_ROWS_PER_BLOCK = 10;

export function csvBlocks(text: string): TextBlock[] {
  const rows = parseCsv(text).filter((row) => row.some((cell) => cell.trim() !== ""));
  const [header, ...data] = rows;
  if (header === undefined) return [];
  const names = header.map((name, index) => name.trim() || `column ${index + 1}`);
  const blocks: TextBlock[] = [];
  for (let start = 0; start < data.length; start += CSV_ROWS_PER_BLOCK) {
    const slice = data.slice(start, start + CSV_ROWS_PER_BLOCK);
    const text = slice
      .map((row) => row.map((cell, index) => `${names[index] ?? `column ${index + 1}`}: ${cell.trim()}`).join("; "))
      .join("\n\n");
    // Spreadsheet row numbers: the header is row 1.
    blocks.push({ text, rows: { first: start + 2, last: start + slice.length + 1 } });
  }
  return blocks;
}

/** RFC 4180 CSV: quoted fields, doubled quotes, newlines inside quotes. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = "";
  let quoted = false;
  for (let index = 0; index < text.length; index++) {
    const char = text[index]!;
    if (quoted) {
      if (char === '"' && text[index + 1] === '"') {
        cell += '"';
        index++;
      } else if (char === '"') quoted = false;
      else cell += char;
    } else if (char === '"' && cell === "") quoted = true;
    else if (char === ",") {
      row.push(cell);
      cell = "";
    } else if (char === "\n" || char === "\r") {
      if (char === "\r" && text[index + 1] === "\n") index++;
      row.push(cell);
      rows.push(row);
      row = [];
      cell = "";
    } else cell += char;
  }
  if (cell !== "" || row.length > 0) rows.push([...row, cell]);
  return rows;
}
