/**
 * MarkdownV2 as https://core.telegram.org/bots/api#markdownv2-style
 * specifies it: the reserved characters escaped in text, only ` and \ in
 * code, `)` and \ in link targets; and long replies split under the limit.
 */
import { expect, test } from "vitest";
import { escapeText, splitForTelegram, TELEGRAM_MAX_MESSAGE, toMarkdownV2 } from "./format";
import { decideUpdate } from "./updates";

test("every character the Bot API reserves is escaped in plain text", () => {
  // The docs' list: '_', '*', '[', ']', '(', ')', '~', '`', '>', '#', '+', '-', '=', '|', '{', '}', '.', '!' (and '\').
  expect(escapeText("_*[]()~`>#+-=|{}.!\\")).toBe("\\_\\*\\[\\]\\(\\)\\~\\`\\>\\#\\+\\-\\=\\|\\{\\}\\.\\!\\\\");
  expect(toMarkdownV2("Costs 1.5 USD (approx.) - ok!")).toBe("Costs 1\\.5 USD \\(approx\\.\\) \\- ok\\!");
});

test("bold, italic, strike, inline code, links and fenced code render as the docs' entities", () => {
  expect(toMarkdownV2("**bold *text**")).toBe("*bold \\*text*");
  expect(toMarkdownV2("_italic text_")).toBe("_italic text_");
  expect(toMarkdownV2("~~gone~~")).toBe("~gone~");
  expect(toMarkdownV2("run `a_b(1)` now")).toBe("run `a_b(1)` now");
  expect(toMarkdownV2("[inline URL](http://www.example.com/)")).toBe("[inline URL](http://www.example.com/)");
  expect(toMarkdownV2("```python\nprint('a.b') # \\ `x`\n```")).toBe("```python\nprint('a.b') # \\\\ \\`x\\`\n```");
  expect(toMarkdownV2("## Plan\n- one.\n- two!")).toBe("*Plan*\n• one\\.\n• two\\!");
});

test("a long reply splits at paragraph breaks under 4,096 characters, and a cut code block is closed and reopened", () => {
  const paragraph = "Words. ".repeat(150).trim(); // ~1,050 characters, ~1,200 once escaped
  const text = Array.from({ length: 8 }, () => paragraph).join("\n\n");
  const pieces = splitForTelegram(text);
  expect(pieces.length).toBeGreaterThan(1);
  for (const piece of pieces) expect(toMarkdownV2(piece).length).toBeLessThanOrEqual(TELEGRAM_MAX_MESSAGE);
  expect(pieces.join("\n\n")).toBe(text);

  const code = "```js\n" + Array.from({ length: 400 }, (_, i) => `const value${i} = ${i};`).join("\n") + "\n```";
  const codePieces = splitForTelegram(code);
  expect(codePieces.length).toBeGreaterThan(1);
  for (const piece of codePieces) {
    expect(piece.startsWith("```js")).toBe(true);
    expect(piece.trimEnd().endsWith("```")).toBe(true);
    expect(toMarkdownV2(piece).length).toBeLessThanOrEqual(TELEGRAM_MAX_MESSAGE);
  }
  // One unbroken line longer than the limit is cut by characters.
  expect(splitForTelegram("x".repeat(10_000)).every((p) => toMarkdownV2(p).length <= TELEGRAM_MAX_MESSAGE)).toBe(true);
});

test("updates decided from the documented shapes", () => {
  const bot = { username: "harness_bot", telegramBotId: 42 };
  const from = { id: 7, is_bot: false, first_name: "Ada" };
  const chat = { id: 7, type: "private" as const, first_name: "Ada" };
  const group = { id: -100, type: "supergroup" as const, title: "Team" };
  const message = (extra: object, c: object = chat) => ({ update_id: 1, message: { message_id: 9, from, chat: c, date: 1, ...extra } }) as never;
  expect(decideUpdate(message({ text: "/start ABC123" }), bot)).toMatchObject({ kind: "start", code: "ABC123" });
  expect(decideUpdate(message({ text: "/start" }), bot)).toMatchObject({ kind: "start", code: null });
  expect(decideUpdate(message({ text: "hello" }), bot)).toMatchObject({ kind: "text", text: "hello", group: false });
  expect(decideUpdate(message({ sticker: { file_id: "x" } }), bot)).toMatchObject({ kind: "unsupported", what: "a sticker" });
  expect(decideUpdate(message({ text: "hello all" }, group), bot)).toMatchObject({ kind: "ignore" });
  expect(decideUpdate(message({ text: "/start@harness_bot XYZ", entities: [{ offset: 0, length: 18, type: "bot_command" }] }, group), bot)).toMatchObject({ kind: "start", code: "XYZ" });
  expect(decideUpdate(message({ text: "thanks", reply_to_message: { message_id: 8, from: { id: 42, is_bot: true, first_name: "Bot" }, chat: group, date: 1 } }, group), bot)).toMatchObject({ kind: "text", text: "thanks", group: true });
  expect(decideUpdate({ update_id: 2, callback_query: { id: "1" } } as never, bot)).toMatchObject({ kind: "ignore" });
  expect(decideUpdate(message({ text: "hi", from: { id: 8, is_bot: true, first_name: "Other bot" } }), bot)).toMatchObject({ kind: "ignore", reason: "not from a person" });
});
