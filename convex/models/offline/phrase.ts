/** A phrase lifted out of a message: whitespace collapsed, leading glue and closing punctuation dropped. */
export function trimPhrase(text: string): string {
  return text
    .replace(/\s+/g, " ")
    .trim()
    .replace(/^[:,;\-–—\s]+/, "")
    .replace(/[\s.,;:!?]+$/, "");
}
