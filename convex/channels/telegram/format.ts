/**
 * Replies on Telegram: a model's Markdown rendered as Telegram's MarkdownV2
 * (https://core.telegram.org/bots/api#markdownv2-style), and long replies
 * split under the 4,096-character limit of one message.
 *
 * MarkdownV2 needs every one of `_*[]()~\`>#+-=|{}.!` escaped outside
 * entities; inside `code`/`pre` only ` and \ are escaped. Supported here:
 * fenced code blocks, inline code, **bold**, single-star or underscore italic, ~~strike~~,
 * [links](url) and headings (shown bold). Anything else is plain, escaped text.
 */

/** Telegram's limit for one message's text (after entity parsing). */
export const TELEGRAM_MAX_MESSAGE = 4_096;

const SPECIAL = /[_*[\]()~`>#+\-=|{}.!\\]/g;

export function escapeText(text: string): string {
  return text.replace(SPECIAL, (c) => `\\${c}`);
}

function escapeCode(text: string): string {
  return text.replace(/[`\\]/g, (c) => `\\${c}`);
}

function escapeUrl(url: string): string {
  return url.replace(/[)\\]/g, (c) => `\\${c}`);
}

/** Inline Markdown of one line (no code fences) to MarkdownV2. */
function inline(line: string): string {
  let out = "";
  let rest = line;
  const patterns: { re: RegExp; render: (m: RegExpExecArray) => string }[] = [
    { re: /^`([^`]+)`/, render: (m) => `\`${escapeCode(m[1]!)}\`` },
    { re: /^\[([^\]]+)\]\((https?:\/\/[^)\s]+)\)/, render: (m) => `[${escapeText(m[1]!)}](${escapeUrl(m[2]!)})` },
    { re: /^\*\*(.+?)\*\*/, render: (m) => `*${escapeText(m[1]!)}*` },
    { re: /^__(.+?)__/, render: (m) => `*${escapeText(m[1]!)}*` },
    { re: /^~~(.+?)~~/, render: (m) => `~${escapeText(m[1]!)}~` },
    { re: /^\*([^*\s][^*]*)\*/, render: (m) => `_${escapeText(m[1]!)}_` },
    { re: /^_([^_\s][^_]*)_(?![A-Za-z0-9])/, render: (m) => `_${escapeText(m[1]!)}_` },
  ];
  outer: while (rest.length > 0) {
    for (const { re, render } of patterns) {
      const m = re.exec(rest);
      if (m) {
        out += render(m);
        rest = rest.slice(m[0].length);
        continue outer;
      }
    }
    out += escapeText(rest[0]!);
    rest = rest.slice(1);
  }
  return out;
}

/** A model's Markdown as MarkdownV2. */
export function toMarkdownV2(markdown: string): string {
  const lines = markdown.replace(/\r\n/g, "\n").split("\n");
  const out: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const fence = /^```(\w*)\s*$/.exec(line);
    if (fence) {
      const body: string[] = [];
      i++;
      while (i < lines.length && !/^```\s*$/.test(lines[i]!)) body.push(lines[i++]!);
      out.push(`\`\`\`${fence[1] ?? ""}\n${escapeCode(body.join("\n"))}\n\`\`\``);
      continue;
    }
    const heading = /^#{1,6}\s+(.*)$/.exec(line);
    if (heading) {
      out.push(`*${escapeText(heading[1]!)}*`);
      continue;
    }
    const bullet = /^(\s*)[-*+]\s+(.*)$/.exec(line);
    if (bullet) {
      out.push(`${bullet[1]}• ${inline(bullet[2]!)}`);
      continue;
    }
    out.push(inline(line));
  }
  return out.join("\n");
}

/**
 * Split `markdown` into pieces each of which renders to at most `limit`
 * characters of MarkdownV2: at paragraph breaks, else line breaks, else hard;
 * a code block is never cut inside a line, and a cut one is closed and reopened.
 */
export function splitForTelegram(markdown: string, limit = TELEGRAM_MAX_MESSAGE): string[] {
  const pieces: string[] = [];
  let current = "";
  // Room for a code fence closed at the end of a piece and reopened in the next.
  const budget = limit - 16;
  const fits = (text: string) => toMarkdownV2(text).length <= budget;
  for (const paragraph of markdown.split(/\n{2,}/)) {
    const candidate = current === "" ? paragraph : `${current}\n\n${paragraph}`;
    if (fits(candidate)) {
      current = candidate;
      continue;
    }
    if (current !== "") pieces.push(current);
    current = "";
    if (fits(paragraph)) {
      current = paragraph;
      continue;
    }
    // One paragraph too long on its own: by lines, then by characters.
    for (const line of paragraph.split("\n")) {
      const next = current === "" ? line : `${current}\n${line}`;
      if (fits(next)) {
        current = next;
        continue;
      }
      if (current !== "") pieces.push(current);
      current = "";
      let rest = line;
      while (!fits(rest)) {
        // Escaping at most doubles a character: half the limit always fits.
        let cut = Math.floor(budget / 2);
        while (cut < rest.length && fits(rest.slice(0, cut + 256))) cut += 256;
        pieces.push(rest.slice(0, cut));
        rest = rest.slice(cut);
      }
      current = rest;
    }
  }
  if (current !== "") pieces.push(current);
  return balanceFences(pieces);
}

/** A piece that ends inside a code block closes it, and the next reopens it. */
function balanceFences(pieces: string[]): string[] {
  let open: string | null = null;
  return pieces.map((piece) => {
    let text = open !== null ? `\`\`\`${open}\n${piece}` : piece;
    for (const line of piece.split("\n")) {
      const fence = /^```(\w*)\s*$/.exec(line);
      if (fence) open = open === null ? (fence[1] ?? "") : null;
    }
    if (open !== null) text = `${text}\n\`\`\``;
    return text;
  });
}

/** Plain text (no parse mode) cut to the limit, for the reply while it streams. */
export function plainPreview(text: string, limit = TELEGRAM_MAX_MESSAGE): string {
  return text.length <= limit ? text : `${text.slice(0, limit - 1)}…`;
}
