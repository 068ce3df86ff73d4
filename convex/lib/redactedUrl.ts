/** A URL as logs and the run timeline show it: no credentials, and the query string's values hidden (they may carry tokens). */
export function redactedUrl(url: string): string {
  try {
    const parsed = new URL(url);
    const names = [...new Set(parsed.searchParams.keys())];
    const query = names.length > 0 ? `?${names.map((n) => `${encodeURIComponent(n)}=…`).join("&")}` : "";
    return `${parsed.origin}${parsed.pathname}${query}`;
  } catch {
    return "(not a URL)";
  }
}
