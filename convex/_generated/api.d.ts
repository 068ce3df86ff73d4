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
import type * as agents_builder from "../agents/builder.js";
import type * as agents_defaults from "../agents/defaults.js";
import type * as agents_delegations from "../agents/delegations.js";
import type * as agents_graph from "../agents/graph.js";
import type * as agents_instantiate from "../agents/instantiate.js";
import type * as agents_manifestFormat from "../agents/manifestFormat.js";
import type * as agents_manifests from "../agents/manifests.js";
import type * as agents_runtime from "../agents/runtime.js";
import type * as agents_templateCatalogue from "../agents/templateCatalogue.js";
import type * as agents_templates from "../agents/templates.js";
import type * as agents_validators from "../agents/validators.js";
import type * as agents_versions from "../agents/versions.js";
import type * as audit_log from "../audit/log.js";
import type * as chat_access from "../chat/access.js";
import type * as chat_approvals from "../chat/approvals.js";
import type * as chat_delegation from "../chat/delegation.js";
import type * as chat_llm from "../chat/llm.js";
import type * as chat_messages from "../chat/messages.js";
import type * as chat_runs from "../chat/runs.js";
import type * as chat_startTurn from "../chat/startTurn.js";
import type * as chat_stepRows from "../chat/stepRows.js";
import type * as chat_threads from "../chat/threads.js";
import type * as chat_toolSteps from "../chat/toolSteps.js";
import type * as chat_triage from "../chat/triage.js";
import type * as chat_turn from "../chat/turn.js";
import type * as chat_turnSteps from "../chat/turnSteps.js";
import type * as chat_validators from "../chat/validators.js";
import type * as clerk_routes from "../clerk/routes.js";
import type * as crons from "../crons.js";
import type * as http from "../http.js";
import type * as httpApi_routes from "../httpApi/routes.js";
import type * as inspector_approvals from "../inspector/approvals.js";
import type * as inspector_controls from "../inspector/controls.js";
import type * as inspector_jobs from "../inspector/jobs.js";
import type * as inspector_names from "../inspector/names.js";
import type * as inspector_recovery from "../inspector/recovery.js";
import type * as inspector_runRows from "../inspector/runRows.js";
import type * as inspector_runs from "../inspector/runs.js";
import type * as inspector_staff from "../inspector/staff.js";
import type * as inspector_timeline from "../inspector/timeline.js";
import type * as inspector_validators from "../inspector/validators.js";
import type * as jobs_access from "../jobs/access.js";
import type * as jobs_callbacks from "../jobs/callbacks.js";
import type * as jobs_fromAgent from "../jobs/fromAgent.js";
import type * as jobs_jobs from "../jobs/jobs.js";
import type * as jobs_maintenance from "../jobs/maintenance.js";
import type * as jobs_model from "../jobs/model.js";
import type * as jobs_platform from "../jobs/platform.js";
import type * as jobs_schedule from "../jobs/schedule.js";
import type * as jobs_steps from "../jobs/steps.js";
import type * as jobs_testHooks from "../jobs/testHooks.js";
import type * as jobs_tool from "../jobs/tool.js";
import type * as jobs_types from "../jobs/types.js";
import type * as jobs_validators from "../jobs/validators.js";
import type * as jobs_workflow from "../jobs/workflow.js";
import type * as knowledge_access from "../knowledge/access.js";
import type * as knowledge_chunking from "../knowledge/chunking.js";
import type * as knowledge_deletion from "../knowledge/deletion.js";
import type * as knowledge_documents from "../knowledge/documents.js";
import type * as knowledge_facts from "../knowledge/facts.js";
import type * as knowledge_ingest from "../knowledge/ingest.js";
import type * as knowledge_rag from "../knowledge/rag.js";
import type * as knowledge_retrieval from "../knowledge/retrieval.js";
import type * as knowledge_scopes from "../knowledge/scopes.js";
import type * as knowledge_search from "../knowledge/search.js";
import type * as knowledge_testHooks from "../knowledge/testHooks.js";
import type * as knowledge_tools from "../knowledge/tools.js";
import type * as knowledge_validators from "../knowledge/validators.js";
import type * as lib_budget from "../lib/budget.js";
import type * as lib_crashPoints from "../lib/crashPoints.js";
import type * as lib_env from "../lib/env.js";
import type * as lib_errors from "../lib/errors.js";
import type * as lib_functions from "../lib/functions.js";
import type * as lib_http from "../lib/http.js";
import type * as lib_validators from "../lib/validators.js";
import type * as lib_workflow from "../lib/workflow.js";
import type * as models_embeddings from "../models/embeddings.js";
import type * as models_offlineModel from "../models/offlineModel.js";
import type * as models_offlineReply from "../models/offlineReply.js";
import type * as models_prices from "../models/prices.js";
import type * as models_registry from "../models/registry.js";
import type * as models_testHooks from "../models/testHooks.js";
import type * as models_text from "../models/text.js";
import type * as ops_routes from "../ops/routes.js";
import type * as seed from "../seed.js";
import type * as tenancy_accounts from "../tenancy/accounts.js";
import type * as tenancy_identity from "../tenancy/identity.js";
import type * as tenancy_viewer from "../tenancy/viewer.js";
import type * as tools_assignments from "../tools/assignments.js";
import type * as tools_builtins_currentTime from "../tools/builtins/currentTime.js";
import type * as tools_builtins_saveNote from "../tools/builtins/saveNote.js";
import type * as tools_catalogue from "../tools/catalogue.js";
import type * as tools_httpManifest from "../tools/httpManifest.js";
import type * as tools_manifestInput from "../tools/manifestInput.js";
import type * as tools_notes from "../tools/notes.js";
import type * as tools_registry from "../tools/registry.js";
import type * as tools_testHooks from "../tools/testHooks.js";
import type * as tools_toolInputError from "../tools/toolInputError.js";
import type * as tools_tools from "../tools/tools.js";
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
  "agents/builder": typeof agents_builder;
  "agents/defaults": typeof agents_defaults;
  "agents/delegations": typeof agents_delegations;
  "agents/graph": typeof agents_graph;
  "agents/instantiate": typeof agents_instantiate;
  "agents/manifestFormat": typeof agents_manifestFormat;
  "agents/manifests": typeof agents_manifests;
  "agents/runtime": typeof agents_runtime;
  "agents/templateCatalogue": typeof agents_templateCatalogue;
  "agents/templates": typeof agents_templates;
  "agents/validators": typeof agents_validators;
  "agents/versions": typeof agents_versions;
  "audit/log": typeof audit_log;
  "chat/access": typeof chat_access;
  "chat/approvals": typeof chat_approvals;
  "chat/delegation": typeof chat_delegation;
  "chat/llm": typeof chat_llm;
  "chat/messages": typeof chat_messages;
  "chat/runs": typeof chat_runs;
  "chat/startTurn": typeof chat_startTurn;
  "chat/stepRows": typeof chat_stepRows;
  "chat/threads": typeof chat_threads;
  "chat/toolSteps": typeof chat_toolSteps;
  "chat/triage": typeof chat_triage;
  "chat/turn": typeof chat_turn;
  "chat/turnSteps": typeof chat_turnSteps;
  "chat/validators": typeof chat_validators;
  "clerk/routes": typeof clerk_routes;
  crons: typeof crons;
  http: typeof http;
  "httpApi/routes": typeof httpApi_routes;
  "inspector/approvals": typeof inspector_approvals;
  "inspector/controls": typeof inspector_controls;
  "inspector/jobs": typeof inspector_jobs;
  "inspector/names": typeof inspector_names;
  "inspector/recovery": typeof inspector_recovery;
  "inspector/runRows": typeof inspector_runRows;
  "inspector/runs": typeof inspector_runs;
  "inspector/staff": typeof inspector_staff;
  "inspector/timeline": typeof inspector_timeline;
  "inspector/validators": typeof inspector_validators;
  "jobs/access": typeof jobs_access;
  "jobs/callbacks": typeof jobs_callbacks;
  "jobs/fromAgent": typeof jobs_fromAgent;
  "jobs/jobs": typeof jobs_jobs;
  "jobs/maintenance": typeof jobs_maintenance;
  "jobs/model": typeof jobs_model;
  "jobs/platform": typeof jobs_platform;
  "jobs/schedule": typeof jobs_schedule;
  "jobs/steps": typeof jobs_steps;
  "jobs/testHooks": typeof jobs_testHooks;
  "jobs/tool": typeof jobs_tool;
  "jobs/types": typeof jobs_types;
  "jobs/validators": typeof jobs_validators;
  "jobs/workflow": typeof jobs_workflow;
  "knowledge/access": typeof knowledge_access;
  "knowledge/chunking": typeof knowledge_chunking;
  "knowledge/deletion": typeof knowledge_deletion;
  "knowledge/documents": typeof knowledge_documents;
  "knowledge/facts": typeof knowledge_facts;
  "knowledge/ingest": typeof knowledge_ingest;
  "knowledge/rag": typeof knowledge_rag;
  "knowledge/retrieval": typeof knowledge_retrieval;
  "knowledge/scopes": typeof knowledge_scopes;
  "knowledge/search": typeof knowledge_search;
  "knowledge/testHooks": typeof knowledge_testHooks;
  "knowledge/tools": typeof knowledge_tools;
  "knowledge/validators": typeof knowledge_validators;
  "lib/budget": typeof lib_budget;
  "lib/crashPoints": typeof lib_crashPoints;
  "lib/env": typeof lib_env;
  "lib/errors": typeof lib_errors;
  "lib/functions": typeof lib_functions;
  "lib/http": typeof lib_http;
  "lib/validators": typeof lib_validators;
  "lib/workflow": typeof lib_workflow;
  "models/embeddings": typeof models_embeddings;
  "models/offlineModel": typeof models_offlineModel;
  "models/offlineReply": typeof models_offlineReply;
  "models/prices": typeof models_prices;
  "models/registry": typeof models_registry;
  "models/testHooks": typeof models_testHooks;
  "models/text": typeof models_text;
  "ops/routes": typeof ops_routes;
  seed: typeof seed;
  "tenancy/accounts": typeof tenancy_accounts;
  "tenancy/identity": typeof tenancy_identity;
  "tenancy/viewer": typeof tenancy_viewer;
  "tools/assignments": typeof tools_assignments;
  "tools/builtins/currentTime": typeof tools_builtins_currentTime;
  "tools/builtins/saveNote": typeof tools_builtins_saveNote;
  "tools/catalogue": typeof tools_catalogue;
  "tools/httpManifest": typeof tools_httpManifest;
  "tools/manifestInput": typeof tools_manifestInput;
  "tools/notes": typeof tools_notes;
  "tools/registry": typeof tools_registry;
  "tools/testHooks": typeof tools_testHooks;
  "tools/toolInputError": typeof tools_toolInputError;
  "tools/tools": typeof tools_tools;
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
  webhookPool: import("@convex-dev/workpool/_generated/component.js").ComponentApi<"webhookPool">;
  rag: import("@convex-dev/rag/_generated/component.js").ComponentApi<"rag">;
  budget: import("../../components/budget/src/component/_generated/component.js").ComponentApi<"budget">;
};
