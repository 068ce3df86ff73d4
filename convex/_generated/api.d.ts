/* eslint-disable */
/**
 * Generated `api` utility.
 *
 * THIS CODE IS AUTOMATICALLY GENERATED.
 *
 * To regenerate, run `npx convex dev`.
 * @module
 */

import type {
  ApiFromModules,
  FilterApi,
  FunctionReference,
} from "convex/server";
import type * as admin_platform from "../admin/platform.js";
import type * as agents_agents from "../agents/agents.js";
import type * as agents_defaults from "../agents/defaults.js";
import type * as chat_access from "../chat/access.js";
import type * as chat_approvals from "../chat/approvals.js";
import type * as chat_llm from "../chat/llm.js";
import type * as chat_messages from "../chat/messages.js";
import type * as chat_runs from "../chat/runs.js";
import type * as chat_stepRows from "../chat/stepRows.js";
import type * as chat_threads from "../chat/threads.js";
import type * as chat_toolSteps from "../chat/toolSteps.js";
import type * as chat_triage from "../chat/triage.js";
import type * as chat_turn from "../chat/turn.js";
import type * as chat_turnSteps from "../chat/turnSteps.js";
import type * as chat_validators from "../chat/validators.js";
import type * as lib_budget from "../lib/budget.js";
import type * as lib_env from "../lib/env.js";
import type * as lib_errors from "../lib/errors.js";
import type * as lib_functions from "../lib/functions.js";
import type * as lib_validators from "../lib/validators.js";
import type * as lib_workflow from "../lib/workflow.js";
import type * as models_embeddings from "../models/embeddings.js";
import type * as models_offlineModel from "../models/offlineModel.js";
import type * as models_offlineReply from "../models/offlineReply.js";
import type * as models_prices from "../models/prices.js";
import type * as models_registry from "../models/registry.js";
import type * as models_testHooks from "../models/testHooks.js";
import type * as models_text from "../models/text.js";
import type * as seed from "../seed.js";
import type * as tenancy_accounts from "../tenancy/accounts.js";
import type * as tenancy_identity from "../tenancy/identity.js";
import type * as tenancy_viewer from "../tenancy/viewer.js";
import type * as tools_builtins_currentTime from "../tools/builtins/currentTime.js";
import type * as tools_builtins_saveNote from "../tools/builtins/saveNote.js";
import type * as tools_notes from "../tools/notes.js";
import type * as tools_registry from "../tools/registry.js";
import type * as tools_testHooks from "../tools/testHooks.js";
import type * as tools_validators from "../tools/validators.js";
import type * as usage_budgets from "../usage/budgets.js";

/**
 * A utility for referencing Convex functions in your app's API.
 *
 * Usage:
 * ```js
 * const myFunctionReference = api.myModule.myFunction;
 * ```
 */
declare const fullApi: ApiFromModules<{
  "admin/platform": typeof admin_platform;
  "agents/agents": typeof agents_agents;
  "agents/defaults": typeof agents_defaults;
  "chat/access": typeof chat_access;
  "chat/approvals": typeof chat_approvals;
  "chat/llm": typeof chat_llm;
  "chat/messages": typeof chat_messages;
  "chat/runs": typeof chat_runs;
  "chat/stepRows": typeof chat_stepRows;
  "chat/threads": typeof chat_threads;
  "chat/toolSteps": typeof chat_toolSteps;
  "chat/triage": typeof chat_triage;
  "chat/turn": typeof chat_turn;
  "chat/turnSteps": typeof chat_turnSteps;
  "chat/validators": typeof chat_validators;
  "lib/budget": typeof lib_budget;
  "lib/env": typeof lib_env;
  "lib/errors": typeof lib_errors;
  "lib/functions": typeof lib_functions;
  "lib/validators": typeof lib_validators;
  "lib/workflow": typeof lib_workflow;
  "models/embeddings": typeof models_embeddings;
  "models/offlineModel": typeof models_offlineModel;
  "models/offlineReply": typeof models_offlineReply;
  "models/prices": typeof models_prices;
  "models/registry": typeof models_registry;
  "models/testHooks": typeof models_testHooks;
  "models/text": typeof models_text;
  seed: typeof seed;
  "tenancy/accounts": typeof tenancy_accounts;
  "tenancy/identity": typeof tenancy_identity;
  "tenancy/viewer": typeof tenancy_viewer;
  "tools/builtins/currentTime": typeof tools_builtins_currentTime;
  "tools/builtins/saveNote": typeof tools_builtins_saveNote;
  "tools/notes": typeof tools_notes;
  "tools/registry": typeof tools_registry;
  "tools/testHooks": typeof tools_testHooks;
  "tools/validators": typeof tools_validators;
  "usage/budgets": typeof usage_budgets;
}>;
export declare const api: FilterApi<
  typeof fullApi,
  FunctionReference<any, "public">
>;
export declare const internal: FilterApi<
  typeof fullApi,
  FunctionReference<any, "internal">
>;

export declare const components: {
  agent: import("@convex-dev/agent/_generated/component.js").ComponentApi<"agent">;
  workflow: import("@convex-dev/workflow/_generated/component.js").ComponentApi<"workflow">;
  toolPool: import("@convex-dev/workpool/_generated/component.js").ComponentApi<"toolPool">;
  rag: import("@convex-dev/rag/_generated/component.js").ComponentApi<"rag">;
  budget: import("../../components/budget/src/component/_generated/component.js").ComponentApi<"budget">;
};
