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
import type * as lib_env from "../lib/env.js";
import type * as lib_errors from "../lib/errors.js";
import type * as lib_functions from "../lib/functions.js";
import type * as lib_validators from "../lib/validators.js";
import type * as tenancy_accounts from "../tenancy/accounts.js";
import type * as tenancy_identity from "../tenancy/identity.js";
import type * as tenancy_viewer from "../tenancy/viewer.js";

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
  "lib/env": typeof lib_env;
  "lib/errors": typeof lib_errors;
  "lib/functions": typeof lib_functions;
  "lib/validators": typeof lib_validators;
  "tenancy/accounts": typeof tenancy_accounts;
  "tenancy/identity": typeof tenancy_identity;
  "tenancy/viewer": typeof tenancy_viewer;
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
