/**
 * Where an agent answers: the app's chat, the HTTP API, a Telegram bot, email.
 * Its manifest (or the builder) lists them; none listed — the manifests of
 * earlier versions say `"channels": []` — means every channel. A message on
 * a channel the agent does not serve is refused on that channel (startTurn).
 */
import { v, type Infer } from "convex/values";
import { fail } from "../lib/errors";

export const CHANNELS = ["app", "api", "telegram", "email"] as const;
export const vChannel = v.union(v.literal("app"), v.literal("api"), v.literal("telegram"), v.literal("email"));
export type Channel = Infer<typeof vChannel>;

export const CHANNEL_NAMES: Record<Channel, string> = { app: "the app", api: "the API", telegram: "Telegram", email: "email" };

export function isChannel(value: unknown): value is Channel {
  return typeof value === "string" && (CHANNELS as readonly string[]).includes(value);
}

/** A manifest's `channels`: names from CHANNELS, no repeats; `[]` or absent = every channel (returned as undefined). */
export function parseChannels(input: unknown, bad: (message: string, field: string) => never): Channel[] | undefined {
  if (input === undefined || input === null) return undefined;
  if (!Array.isArray(input)) bad("channels must be an array", "channels");
  const seen = new Set<Channel>();
  input.forEach((entry: unknown, i) => {
    if (!isChannel(entry)) bad(`channels[${i}] must be one of ${CHANNELS.join(", ")}`, `channels[${i}]`);
    if (seen.has(entry)) bad(`channels[${i}] repeats "${entry}"`, `channels[${i}]`);
    seen.add(entry);
  });
  return seen.size === 0 ? undefined : [...seen];
}

/** A builder's list: the same rules, refused on `channels`. */
export function checkChannels(channels: string[]): Channel[] | undefined {
  return parseChannels(channels, (message, field) => fail("bad_request", `${message[0]!.toUpperCase()}${message.slice(1)}.`, { field }));
}

export function servesChannel(agent: { channels?: Channel[] }, channel: Channel): boolean {
  return agent.channels === undefined || agent.channels.length === 0 || agent.channels.includes(channel);
}

/** Refuse a turn on a channel the agent does not serve (policy_denied, in words for that channel). */
export function assertServesChannel(agent: { name: string; channels?: Channel[] }, channel: Channel): void {
  if (!servesChannel(agent, channel)) {
    fail("policy_denied", `${agent.name} does not answer on ${CHANNEL_NAMES[channel]}; it answers on ${agent.channels!.map((c) => CHANNEL_NAMES[c]).join(", ")}.`);
  }
}
