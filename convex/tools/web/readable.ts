/**
 * A page's readable text: Mozilla's Readability (Firefox Reader View) picks
 * the article out of the page, parsed by linkedom (a DOM without a browser;
 * both are plain JavaScript and run in Convex's default runtime). The
 * article's DOM becomes text with its paragraphs, headings and list items on
 * their own lines. A page Readability finds no article in is read whole
 * (scripts, styles and other non-text left out).
 */
import { Readability } from "@mozilla/readability";
import { parseHTML } from "linkedom";

export type ReadablePage = { title: string | null; byline: string | null; siteName: string | null; text: string };

const SKIP = new Set(["SCRIPT", "STYLE", "NOSCRIPT", "TEMPLATE", "SVG", "CANVAS", "IFRAME", "OBJECT", "EMBED", "HEAD", "FORM", "BUTTON", "SELECT", "INPUT", "TEXTAREA"]);
const BLOCK = new Set([
  "ADDRESS", "ARTICLE", "ASIDE", "BLOCKQUOTE", "BODY", "DD", "DETAILS", "DIV", "DL", "DT", "FIELDSET", "FIGCAPTION", "FIGURE", "FOOTER",
  "HEADER", "HR", "MAIN", "NAV", "OL", "P", "SECTION", "SUMMARY", "TABLE", "TBODY", "THEAD", "TFOOT", "TR", "UL",
]);

type DomNode = { nodeType: number; nodeName: string; textContent: string | null; childNodes: ArrayLike<DomNode> };

const TEXT_NODE = 3;
const ELEMENT_NODE = 1;

/** The text of a DOM subtree, one line per block, `#` before headings and `- ` before list items. */
export function domText(root: DomNode): string {
  const out: string[] = [];
  const walk = (node: DomNode, pre: boolean) => {
    if (node.nodeType === TEXT_NODE) {
      const text = node.textContent ?? "";
      // Preformatted spaces are kept (as no-break spaces until the lines are tidied below).
      out.push(pre ? text.replace(/[ \t]/g, "\u00a0") : text.replace(/\s+/g, " "));
      return;
    }
    if (node.nodeType !== ELEMENT_NODE && node.nodeType !== 9 && node.nodeType !== 11) return;
    const name = node.nodeName.toUpperCase();
    if (SKIP.has(name)) return;
    if (name === "BR") {
      out.push("\n");
      return;
    }
    const heading = /^H([1-6])$/.exec(name);
    if (heading) out.push(`\n\n${"#".repeat(Number(heading[1]))} `);
    else if (name === "LI") out.push("\n- ");
    else if (name === "TD" || name === "TH") out.push(" | ");
    else if (BLOCK.has(name) || name === "PRE") out.push("\n\n");
    const inPre = pre || name === "PRE";
    for (const child of Array.from(node.childNodes)) walk(child, inPre);
    if (heading || BLOCK.has(name) || name === "PRE") out.push("\n\n");
  };
  walk(root, false);
  return out
    .join("")
    .split("\n")
    .map((line) => line.replace(/[ \t]+$/g, "").replace(/^ +(?=\S)/, ""))
    .join("\n")
    .replace(/\n{3,}/g, "\n\n")
    .trim()
    .replace(/\u00a0/g, " ");
}

function clean(value: string | null | undefined): string | null {
  const text = value?.replace(/\s+/g, " ").trim();
  return text ? text : null;
}

/** The readable text of an HTML page. */
export function readableHtml(html: string): ReadablePage {
  const { document } = parseHTML(html);
  const pageTitle = clean(document.title);
  const article = new Readability(document as unknown as Document, { charThreshold: 200 }).parse();
  if (article?.content) {
    const { document: articleDocument } = parseHTML(`<!doctype html><html><body>${article.content}</body></html>`);
    return {
      title: clean(article.title) ?? pageTitle,
      byline: clean(article.byline),
      siteName: clean(article.siteName),
      text: domText(articleDocument.body as unknown as DomNode),
    };
  }
  // No article: the page as a whole (Readability may have changed the document, so parse it again).
  const { document: whole } = parseHTML(html);
  return { title: pageTitle, byline: null, siteName: null, text: domText(whole.body as unknown as DomNode) };
}
