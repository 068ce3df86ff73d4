/**
 * The offline model's answer to "show me a markdown sample": a long reply
 * using what chat replies commonly contain (code in two languages, a GFM
 * table, a task list, links — one of them unsafe, which the chat must not
 * make clickable), so the chat's rendering can be seen and tested without
 * a real model.
 */
export const MARKDOWN_SAMPLE_REQUEST = /\bmarkdown\s+(?:sample|example|demo)\b/i;

export function markdownSample(): string {
  return [
    "## Formatting sample",
    "",
    "Here is a reply that uses **Markdown**, so you can check how replies are shown. Inline code looks like `const answer = 42;`.",
    "",
    "A TypeScript function:",
    "",
    "```ts",
    "export function fibonacci(n: number): number {",
    "  // Iterative, so large inputs do not overflow the stack.",
    "  let [previous, current] = [0, 1];",
    "  for (let i = 0; i < n; i++) {",
    "    [previous, current] = [current, previous + current];",
    "  }",
    "  return previous;",
    "}",
    "",
    'console.log(fibonacci(10), "is the tenth Fibonacci number");',
    "```",
    "",
    "The same in Python:",
    "",
    "```python",
    "def fibonacci(n: int) -> int:",
    "    previous, current = 0, 1",
    "    for _ in range(n):",
    "        previous, current = current, previous + current",
    "    return previous",
    "```",
    "",
    "| Language | Typing | First released |",
    "| --- | --- | --- |",
    "| TypeScript | static, structural | 2012 |",
    "| Python | dynamic, gradual hints | 1991 |",
    "| Go | static, nominal | 2009 |",
    "",
    "Things to try next:",
    "",
    "- [x] Render code with syntax highlighting",
    "- [x] Show tables",
    "- [ ] Read the [Markdown guide](https://commonmark.org/help/) for more",
    "",
    "This [suspicious link](javascript:alert(1)) must not run anything when clicked.",
    "",
    "> Replies longer than the screen keep the view at the bottom while they stream, unless you scroll up to read.",
    "",
    "That is the end of the sample: headings, emphasis, inline code, fenced code in two languages, a table, a task list, a quote and links.",
  ].join("\n");
}
