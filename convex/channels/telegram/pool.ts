import { Workpool } from "@convex-dev/workpool";
import { components } from "../../_generated/api";

/**
 * Telegram updates are applied, and replies delivered, on the webhook pool
 * (shared with Clerk events and outbound webhooks, each with its own client;
 * no pool-wide options are set here, so this client overrides none).
 */
export const telegramPool = new Workpool(components.webhookPool, {});
