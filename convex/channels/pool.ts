import { Workpool } from "@convex-dev/workpool";
import { components } from "../_generated/api";

/**
 * The channels' work — applying Telegram updates and inbound mail, delivering
 * replies and sending mail — runs on the webhook pool (shared with Clerk events
 * and outbound webhooks, each with its own client; no pool-wide options are
 * set here, so this client overrides none).
 */
export const channelPool = new Workpool(components.webhookPool, {});
