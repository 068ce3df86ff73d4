import type { JSONSchema7 } from "@ai-sdk/provider";
import type { Id } from "../../_generated/dataModel";
import type { QueryCtx } from "../../_generated/server";
import { findAccountTool } from "../catalogue";
import type { Permission, ToolStatus } from "../validators";

/** What the turn's policy and the model call need of an account's external HTTP tool. */
export type ExternalToolView = { slug: string; description: string; trustLevel: Permission; parameters: JSONSchema7; status: ToolStatus };

/** The account's external HTTP tool `slug` (kind "http"), or null. */
export async function externalHttpTool(ctx: QueryCtx, accountId: Id<"accounts">, slug: string): Promise<ExternalToolView | null> {
  const tool = await findAccountTool(ctx, accountId, slug);
  if (tool === null || tool.kind !== "http") return null;
  return { slug: tool.slug, description: tool.description, trustLevel: tool.trustLevel, parameters: tool.parameters as JSONSchema7, status: tool.status };
}
