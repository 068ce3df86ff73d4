/**
 * Test-only fault injection for knowledge ingestion, in process memory only
 * (see convex/models/testHooks.ts for why production cannot reach it).
 * `embeddingFailures: n` makes the next n embedding calls of document
 * ingestion throw, as a provider outage would; `extractionFailures: n` the
 * next n file extractions.
 */
export const knowledgeFaults = { embeddingFailures: 0, extractionFailures: 0 };

/** `extractionFailures: n` makes the next n file extractions throw (a crash, not a refusal): retried by the workpool. */
export function takeExtractionFault(): boolean {
  if (knowledgeFaults.extractionFailures <= 0) return false;
  knowledgeFaults.extractionFailures--;
  return true;
}

/** Counts embedding calls made by document ingestion, so tests can assert retries. */
export const knowledgeCounters = { ingestionEmbedCalls: 0 };

export function takeEmbeddingFault(): boolean {
  knowledgeCounters.ingestionEmbedCalls++;
  if (knowledgeFaults.embeddingFailures <= 0) return false;
  knowledgeFaults.embeddingFailures--;
  return true;
}
