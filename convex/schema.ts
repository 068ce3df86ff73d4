import { defineSchema } from "convex/server";
import { agentTables } from "./agents/schema";
import { auditTables } from "./audit/schema";
import { accountRateTables } from "./usage/accountRatesSchema";
import { chatTables } from "./chat/schema";
import { runTables } from "./runs/schema";
import { jobTables } from "./jobs/schema";
import { knowledgeTables } from "./knowledge/schema";
import { tenancyTables } from "./tenancy/schema";
import { clerkTables } from "./clerk/schema";
import { httpApiTables } from "./httpApi/schema";
import { outboundTables } from "./outbound/schema";
import { opsTables } from "./ops/schema";
import { modelTables } from "./models/schema";
import { mcpTables } from "./mcp/schema";
import { httpToolTables } from "./tools/http/schema";
import { telegramTables } from "./channels/telegram/schema";
import { emailTables } from "./channels/email/schema";
import { feedbackTables } from "./feedback/schema";
import { taskTables } from "./tasks/schema";
import { teamTables } from "./teams/schema";
import { conversationTables } from "./conversations/schema";

/** The app's tables, one domain folder each. */
export default defineSchema({
  ...tenancyTables,
  ...agentTables,
  ...runTables,
  ...chatTables,
  ...knowledgeTables,
  ...auditTables,
  ...accountRateTables,
  ...jobTables,
  ...clerkTables,
  ...httpApiTables,
  ...outboundTables,
  ...opsTables,
  ...modelTables,
  ...mcpTables,
  ...httpToolTables,
  ...telegramTables,
  ...emailTables,
  ...feedbackTables,
  ...taskTables,
  ...teamTables,
  ...conversationTables,
});
