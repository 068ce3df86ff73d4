/**
 * What an incoming Telegram Update asks of the bot, decided from the Update
 * alone (https://core.telegram.org/bots/api#update): pure, so each documented
 * shape is tested without a server.
 *
 * - a private text message: a message for the agent (`/start <code>` links the sender);
 * - in a group: only messages that mention the bot (`@bot …`), reply to it, or
 *   are a command addressed to it (`/start@bot`); the mention is removed;
 * - a message with no text (photo, sticker, voice…): a polite "text only" reply;
 * - anything else (edited messages, member updates, callbacks): ignored.
 */
import type { Message, Update, User } from "grammy/types";

export type Sender = { telegramUserId: number; name: string };

export type UpdateDecision =
  | { kind: "start"; chatId: number; messageId: number; from: Sender; code: string | null }
  | { kind: "text"; chatId: number; messageId: number; from: Sender; text: string; group: boolean }
  | { kind: "unsupported"; chatId: number; messageId: number; from: Sender; what: string }
  | { kind: "ignore"; reason: string };

function sender(user: User): Sender {
  const name = [user.first_name, user.last_name].filter(Boolean).join(" ") || user.username || `user ${user.id}`;
  return { telegramUserId: user.id, name };
}

/** What kind of content a message without text carries, in words. */
function contentKind(message: Message): string {
  for (const [key, words] of [
    ["photo", "a photo"],
    ["sticker", "a sticker"],
    ["voice", "a voice message"],
    ["audio", "an audio file"],
    ["video", "a video"],
    ["video_note", "a video message"],
    ["document", "a file"],
    ["animation", "a GIF"],
    ["location", "a location"],
    ["contact", "a contact"],
    ["poll", "a poll"],
  ] as const) {
    if (key in message) return words;
  }
  return "this kind of message";
}

/** Is the group message for this bot, and its text without the mention. */
function addressedText(message: Message & { text: string }, botUsername: string, botUserId: number): string | null {
  const handle = `@${botUsername}`.toLowerCase();
  let addressed = message.reply_to_message?.from?.id === botUserId;
  let text = message.text;
  for (const entity of message.entities ?? []) {
    const part = message.text.slice(entity.offset, entity.offset + entity.length);
    if (entity.type === "mention" && part.toLowerCase() === handle) {
      addressed = true;
      text = text.replace(part, "");
    }
    if (entity.type === "bot_command" && part.toLowerCase().endsWith(handle)) {
      addressed = true;
      text = text.replace(part, part.slice(0, part.length - handle.length));
    }
  }
  return addressed ? text.replace(/\s+/g, " ").trim() : null;
}

export function decideUpdate(update: Update, bot: { username: string; telegramBotId: number }): UpdateDecision {
  if (update.edited_message) return { kind: "ignore", reason: "edited messages are not answered" };
  const message = update.message;
  if (!message) return { kind: "ignore", reason: `update kind not handled (${Object.keys(update).filter((k) => k !== "update_id").join(", ") || "empty"})` };
  if (!message.from || message.from.is_bot) return { kind: "ignore", reason: "not from a person" };
  const group = message.chat.type !== "private";
  const base = { chatId: message.chat.id, messageId: message.message_id, from: sender(message.from) };

  if (typeof message.text !== "string") {
    // In a group, media is for the people there, unless it answers the bot.
    if (group && message.reply_to_message?.from?.id !== bot.telegramBotId) return { kind: "ignore", reason: "group message not addressed to the bot" };
    return { kind: "unsupported", ...base, what: contentKind(message) };
  }
  let text: string | null = message.text;
  if (group) {
    text = addressedText(message as Message & { text: string }, bot.username, bot.telegramBotId);
    if (text === null) return { kind: "ignore", reason: "group message not addressed to the bot" };
  }
  const start = /^\/start(?:\s+(\S+))?\s*$/.exec(text);
  if (start) return { kind: "start", ...base, code: start[1] ?? null };
  if (text === "") return { kind: "ignore", reason: "empty message" };
  return { kind: "text", ...base, text, group };
}
