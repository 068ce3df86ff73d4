"use node";
/**
 * The extraction step of file ingestion, in Node's runtime (the PDF, DOCX
 * and HTML libraries need it): read the stored file, return its text blocks
 * with their places, or the reason it can never be read. Called by the
 * ingestion chunker (ingest.ts), which runs in the RAG workpool: a thrown
 * error (storage hiccup, a library crash) is retried there; a refusal is not.
 */
import { v } from "convex/values";
import { internalAction } from "../_generated/server";
import { isHarnessError } from "../lib/errors";
import { faultAt } from "../lib/faults";
import { ExtractionRefusal, extractBlocks } from "./extractors";
import { vDocumentFormat, vTextBlock } from "./validators";

export const vExtraction = v.union(
  v.object({ ok: v.literal(true), blocks: v.array(vTextBlock), pageCount: v.optional(v.number()) }),
  v.object({ ok: v.literal(false), reason: v.string() }),
);

export const extract = internalAction({
  args: { storageId: v.id("_storage"), format: vDocumentFormat },
  returns: vExtraction,
  handler: async (ctx, { storageId, format }) => {
    if (faultAt("knowledge.extract")) throw new Error("The extractor crashed (injected test fault).");
    const blob = await ctx.storage.get(storageId);
    if (blob === null) return { ok: false as const, reason: "The uploaded file is gone from storage." };
    try {
      const extracted = await extractBlocks(format, new Uint8Array(await blob.arrayBuffer()));
      return { ok: true as const, blocks: extracted.blocks, ...(extracted.pageCount !== undefined ? { pageCount: extracted.pageCount } : {}) };
    } catch (error) {
      if (error instanceof ExtractionRefusal) return { ok: false as const, reason: error.message };
      if (isHarnessError(error) && error.data.code === "bad_request") return { ok: false as const, reason: error.data.message };
      throw error;
    }
  },
});
