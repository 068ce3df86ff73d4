/**
 * Splitting a document into chunks for embedding: by Markdown headings, then
 * paragraphs, then sentences, aiming at about `maxChars` characters a chunk.
 * Consecutive chunks of one section overlap by about `overlapChars`, and each
 * chunk carries its heading trail ("Refunds > Timing"), so a chunk read on
 * its own still says what it is about. Pure and deterministic.
 */

export type ChunkOptions = {
  /** Soft upper bound of a chunk's length (a single longer word is still cut). */
  maxChars?: number;
  /** Characters of the previous chunk repeated at the start of the next one, within a section. */
  overlapChars?: number;
  /** Chunks shorter than this are merged with their neighbour when both fit. */
  minChars?: number;
};

const DEFAULTS: Required<ChunkOptions> = { maxChars: 1000, overlapChars: 150, minChars: 200 };

type Section = { trail: string; body: string };

const HEADING = /^(#{1,6})\s+(.+?)\s*#*\s*$/;

/** Sections of a text, each with the trail of headings above it. Plain text is one section. */
export function sections(text: string): Section[] {
  const result: Section[] = [];
  const trail: string[] = [];
  let lines: string[] = [];
  let inFence = false;
  const flush = () => {
    const body = lines.join("\n").trim();
    if (body !== "" || trail.length > 0) result.push({ trail: trail.filter(Boolean).join(" > "), body });
    lines = [];
  };
  for (const line of text.replace(/\r\n?/g, "\n").split("\n")) {
    if (/^\s*(```|~~~)/.test(line)) inFence = !inFence;
    const heading = inFence ? null : HEADING.exec(line);
    if (heading?.[1] && heading[2]) {
      flush();
      const level = heading[1].length;
      trail.length = Math.min(trail.length, level - 1);
      while (trail.length < level - 1) trail.push("");
      trail.push(heading[2].trim());
    } else {
      lines.push(line);
    }
  }
  flush();
  return result.filter((section) => section.body !== "");
}

/** Pieces of at most `max` characters: sentences, then words, then hard cuts. */
function splitLong(paragraph: string, max: number): string[] {
  if (paragraph.length <= max) return [paragraph];
  const sentences = paragraph.split(/(?<=[.!?;:])\s+|\n+/).filter((s) => s.trim() !== "");
  const pieces: string[] = [];
  for (const sentence of sentences) {
    if (sentence.length <= max) {
      pieces.push(sentence);
      continue;
    }
    let current = "";
    for (const word of sentence.split(/\s+/)) {
      for (let start = 0; start < Math.max(word.length, 1); start += max) {
        const part = word.slice(start, start + max);
        if (current !== "" && current.length + 1 + part.length > max) {
          pieces.push(current);
          current = "";
        }
        current = current === "" ? part : `${current} ${part}`;
      }
    }
    if (current !== "") pieces.push(current);
  }
  return pieces;
}

/** The last ~`chars` characters of a text, starting at a word boundary. */
function tail(text: string, chars: number): string {
  if (chars <= 0 || text.length <= chars) return chars <= 0 ? "" : text;
  const cut = text.slice(text.length - chars);
  const space = cut.search(/\s/);
  return (space >= 0 ? cut.slice(space) : cut).trim();
}

/** Chunk texts of a document, in order. Empty for a text with no content. */
export function chunkText(text: string, options: ChunkOptions = {}): string[] {
  const { maxChars, overlapChars, minChars } = { ...DEFAULTS, ...options };
  const pieces: { trail: string; text: string }[] = [];
  for (const section of sections(text)) {
    const prefix = section.trail === "" ? "" : `${section.trail}\n\n`;
    const room = Math.max(100, maxChars - prefix.length);
    const units = section.body
      .split(/\n\s*\n/)
      .map((paragraph) => paragraph.trim())
      .filter((paragraph) => paragraph !== "")
      .flatMap((paragraph) => splitLong(paragraph, room));
    let current = "";
    for (const unit of units) {
      if (current !== "" && current.length + 2 + unit.length > room) {
        pieces.push({ trail: prefix, text: current });
        const overlap = tail(current, Math.min(overlapChars, room - unit.length - 2));
        current = overlap === "" ? unit : `${overlap}\n\n${unit}`;
      } else {
        current = current === "" ? unit : `${current}\n\n${unit}`;
      }
    }
    if (current !== "") pieces.push({ trail: prefix, text: current });
  }
  // Merge small neighbours (short sections of an FAQ, a trailing line) when they fit together.
  const chunks: string[] = [];
  for (const piece of pieces.map((p) => p.trail + p.text)) {
    const last = chunks[chunks.length - 1];
    if (last !== undefined && (last.length < minChars || piece.length < minChars) && last.length + 2 + piece.length <= maxChars) {
      chunks[chunks.length - 1] = `${last}\n\n${piece}`;
    } else {
      chunks.push(piece);
    }
  }
  return chunks;
}

/** A chunk and the place in its document it came from. */
export type LocatedChunk = { text: string; page?: number; heading?: string; rows?: { first: number; last: number } };

type Block = { text: string; page?: number; heading?: string; rows?: { first: number; last: number } };

/**
 * Chunks of a document's extracted blocks, each keeping its block's place:
 * a chunk never spans two PDF pages, two sections or two CSV row blocks, so
 * a citation can name exactly one ("p. 4"). A heading trail is repeated at
 * the top of its chunks, as `chunkText` does for Markdown.
 */
export function chunkBlocks(blocks: readonly Block[], options: ChunkOptions = {}): LocatedChunk[] {
  const located: LocatedChunk[] = [];
  for (const block of blocks) {
    const body = block.heading !== undefined ? headed(block.heading, block.text) : block.text;
    for (const text of chunkText(body, { ...options, minChars: 0 })) {
      located.push({
        text,
        ...(block.page !== undefined ? { page: block.page } : {}),
        ...(block.heading !== undefined ? { heading: block.heading } : {}),
        ...(block.rows !== undefined ? { rows: block.rows } : {}),
      });
    }
  }
  return located;
}

/** A section's text under its heading trail, rebuilt as Markdown headings so `chunkText` prefixes each chunk with the trail. */
function headed(trail: string, text: string): string {
  const names = trail.split(" > ");
  return `${names.map((name, index) => `${"#".repeat(index + 1)} ${name}`).join("\n")}\n\n${text}`;
}

/** A chunk's place in words, as citations show it: "p. 4", "rows 2–11", or its heading trail. */
export function locationLabel(location: { page?: number; heading?: string; rows?: { first: number; last: number } }): string | undefined {
  if (location.page !== undefined) return `p. ${location.page}`;
  if (location.rows !== undefined) return location.rows.first === location.rows.last ? `row ${location.rows.first}` : `rows ${location.rows.first}–${location.rows.last}`;
  if (location.heading !== undefined && location.heading !== "") return location.heading;
  return undefined;
}

/** Markdown as blocks, one per section, each with its heading trail. */
export function markdownBlocks(markdown: string): Block[] {
  return sections(markdown).map((section) => ({ text: section.body, ...(section.trail !== "" ? { heading: section.trail } : {}) }));
}
