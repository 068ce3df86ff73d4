/**
 * Fetching one page for `web_reader`, within limits: http(s) only, no
 * credentials in the URL, the private-address rule of outbound webhooks on
 * the URL and on every redirect (followed by hand, at most 5), a time limit
 * for the whole fetch, a byte limit (refused past it, by Content-Length or
 * while reading), and only HTML, text or JSON.
 *
 * Failures that asking again would not fix (a refused URL, a 4xx, a wrong
 * content type, too large, too slow) are `ToolInputError`s: the model reads
 * them and nothing is retried. A 5xx or a network error throws a plain
 * Error, so the tool step's retries apply.
 */
import { privateAddressReason } from "../../lib/privateAddresses";
import { ToolInputError } from "../toolInputError";

export const MAX_REDIRECTS = 5;

export type PageKind = "html" | "text" | "json";

export type FetchedPage = {
  /** The URL asked for. */
  url: string;
  /** Where the page was finally read (after redirects). */
  finalUrl: string;
  status: number;
  contentType: string;
  kind: PageKind;
  body: string;
};

export type FetchLimits = { maxBytes: number; timeoutMs: number; allowPrivate: boolean };

/** The kind of page a Content-Type announces, or null when web_reader does not read it. */
export function pageKind(contentType: string): PageKind | null {
  const type = contentType.split(";")[0]!.trim().toLowerCase();
  if (type === "text/html" || type === "application/xhtml+xml") return "html";
  if (type === "application/json" || type.endsWith("+json")) return "json";
  if (type.startsWith("text/")) return "text";
  return null;
}

/** Why web_reader refuses `url`, or null. */
export function urlRefusal(url: URL, allowPrivate: boolean): string | null {
  if (url.protocol !== "http:" && url.protocol !== "https:") return `Only http and https pages can be read, not ${url.protocol.replace(/:$/, "")}.`;
  if (url.username !== "" || url.password !== "") return "The URL must not carry credentials.";
  if (allowPrivate) return null;
  const reason = privateAddressReason(url);
  return reason === null ? null : `The URL's host ${reason}; web_reader reads only public internet addresses.`;
}

function parseUrl(text: string): URL {
  try {
    return new URL(text);
  } catch {
    throw new ToolInputError(`"${text.slice(0, 200)}" is not an absolute URL.`);
  }
}

function charsetOf(contentType: string): string {
  const found = /charset\s*=\s*"?([^";\s]+)/i.exec(contentType);
  return found?.[1]?.toLowerCase() ?? "utf-8";
}

function decode(bytes: Uint8Array, charset: string): string {
  try {
    return new TextDecoder(charset).decode(bytes);
  } catch {
    return new TextDecoder("utf-8").decode(bytes);
  }
}

function megabytes(bytes: number): string {
  return bytes >= 1_000_000 ? `${Math.round(bytes / 100_000) / 10} MB` : `${Math.round(bytes / 100) / 10} KB`;
}

async function readLimited(response: Response, maxBytes: number, url: string): Promise<Uint8Array> {
  if (response.body === null) return new Uint8Array();
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.length;
      if (total > maxBytes) throw new ToolInputError(`The page ${url} is larger than ${megabytes(maxBytes)}, the most web_reader reads.`);
      chunks.push(value);
    }
  } finally {
    await reader.cancel().catch(() => undefined);
  }
  const bytes = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.length;
  }
  return bytes;
}

export async function fetchPage(requested: string, limits: FetchLimits, fetchImpl: typeof fetch = fetch): Promise<FetchedPage> {
  let url = parseUrl(requested.trim());
  const first = urlRefusal(url, limits.allowPrivate);
  if (first !== null) throw new ToolInputError(first);
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), limits.timeoutMs);
  try {
    for (let hop = 0; ; hop++) {
      let response: Response;
      try {
        response = await fetchImpl(url.toString(), {
          method: "GET",
          redirect: "manual",
          signal: abort.signal,
          headers: {
            Accept: "text/html,application/xhtml+xml,text/plain;q=0.9,application/json;q=0.8,text/*;q=0.5",
            "User-Agent": "harness-web-reader/1",
          },
        });
      } catch (error) {
        if (abort.signal.aborted) throw new ToolInputError(`${url.toString()} did not answer within ${limits.timeoutMs / 1000} s.`);
        throw new Error(`Could not reach ${url.toString()}: ${error instanceof Error ? error.message : String(error)}`);
      }
      if (response.status >= 300 && response.status < 400 && response.headers.get("location")) {
        await response.body?.cancel().catch(() => undefined);
        if (hop >= MAX_REDIRECTS) throw new ToolInputError(`${requested} redirected more than ${MAX_REDIRECTS} times.`);
        const next = new URL(response.headers.get("location")!, url);
        const refusal = urlRefusal(next, limits.allowPrivate);
        if (refusal !== null) throw new ToolInputError(`${url.toString()} redirected to ${next.toString()}: ${refusal}`);
        url = next;
        continue;
      }
      if (response.status >= 500) {
        await response.body?.cancel().catch(() => undefined);
        throw new Error(`${url.toString()} answered HTTP ${response.status}.`);
      }
      if (response.status < 200 || response.status >= 300) {
        await response.body?.cancel().catch(() => undefined);
        throw new ToolInputError(`${url.toString()} answered HTTP ${response.status}.`);
      }
      const contentType = response.headers.get("content-type") ?? "";
      const kind = pageKind(contentType);
      if (kind === null) {
        await response.body?.cancel().catch(() => undefined);
        throw new ToolInputError(
          `${url.toString()} is ${contentType ? `"${contentType.split(";")[0]}"` : "of no declared type"}; web_reader reads only HTML, text and JSON pages.`,
        );
      }
      const declared = Number(response.headers.get("content-length") ?? "");
      if (Number.isFinite(declared) && declared > limits.maxBytes) {
        await response.body?.cancel().catch(() => undefined);
        throw new ToolInputError(`The page ${url.toString()} is ${megabytes(declared)}, over the ${megabytes(limits.maxBytes)} web_reader reads.`);
      }
      let bytes: Uint8Array;
      try {
        bytes = await readLimited(response, limits.maxBytes, url.toString());
      } catch (error) {
        if (error instanceof ToolInputError) throw error;
        if (abort.signal.aborted) throw new ToolInputError(`${url.toString()} did not finish sending within ${limits.timeoutMs / 1000} s.`);
        throw error;
      }
      return { url: requested, finalUrl: url.toString(), status: response.status, contentType, kind, body: decode(bytes, charsetOf(contentType)) };
    }
  } finally {
    clearTimeout(timer);
  }
}
