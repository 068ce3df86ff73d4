import { defineSchema } from "convex/server";
import { agentTables } from "./agents/schema";
import { auditTables } from "./audit/schema";
import { chatTables } from "./chat/schema";
import { jobTables } from "./jobs/schema";
import { knowledgeTables } from "./knowledge/schema";
import { tenancyTables } from "./tenancy/schema";

/** The app's tables, one domain folder each. */
export default defineSchema({
  ...tenancyTables,
  ...agentTables,
  ...chatTables,
  ...knowledgeTables,
  ...auditTables,
  ...jobTables,
});
