import { defineSchema, defineTable } from "convex/server";
import { v } from "convex/values";
export default defineSchema({ budgets: defineTable({ a: v.string() }) });
