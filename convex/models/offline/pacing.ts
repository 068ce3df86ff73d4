/**
 * How the offline model paces a stream: text cut into deltas of a few words,
 * and pauses that end early, with the caller's abort reason, when aborted.
 */

/** Split `text` into deltas of `chunkWords` words each; their concatenation is `text`. */
export function chunkText(text: string, chunkWords: number): string[] {
  const size = Math.max(1, Math.floor(chunkWords));
  const leading = /^\s*/.exec(text)?.[0] ?? "";
  const tokens = text.slice(leading.length).match(/\S+\s*/g) ?? [];
  const chunks: string[] = [];
  for (let index = 0; index < tokens.length; index += size) chunks.push(tokens.slice(index, index + size).join(""));
  if (chunks.length === 0) return text === "" ? [] : [text];
  chunks[0] = leading + chunks[0];
  return chunks;
}

export function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(abortError(signal));
      return;
    }
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(abortError(signal));
    };
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/** The abort signal's reason when it is an error, else the AbortError fetch would throw. */
export function abortError(signal: AbortSignal | undefined): unknown {
  const reason: unknown = signal?.reason;
  if (reason instanceof Error) return reason;
  const error = new Error("The operation was aborted.");
  error.name = "AbortError";
  return error;
}
