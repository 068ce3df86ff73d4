import { defineSchema } from "convex/server";
import { tenancyTables } from "./tenancy/schema";

/** The app's tables, one domain folder each. */
export default defineSchema({
  ...tenancyTables,
});
