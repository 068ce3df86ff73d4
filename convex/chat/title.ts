/** The longest title made from a first message (the rename limit is 120). */
export const MAX_DERIVED_TITLE = 60;

/**
 * A conversation's title from its first message: the first non-empty line,
 * Markdown markers and extra spaces removed, cut at a word boundary with "…".
 */
export function titleFromMessage(text: string): string {
  const line = text
    .split("\n")
    .map((l) => l.replace(/^[#>*\-\s`]+/, "").replace(/[*_`]+/g, "").replace(/\s+/g, " ").trim())
    .find((l) => l !== "");
  if (line === undefined) return "New chat";
  if (line.length <= MAX_DERIVED_TITLE) return line;
  const cut = line.slice(0, MAX_DERIVED_TITLE - 1);
  const space = cut.lastIndexOf(" ");
  return `${(space > MAX_DERIVED_TITLE / 2 ? cut.slice(0, space) : cut).replace(/[\s.,;:!?-]+$/, "")}…`;
}
