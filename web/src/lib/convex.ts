/** The Convex client libraries the SPA uses, imported in one place. */
export {
  ConvexProviderWithAuth,
  ConvexReactClient,
  insertAtTop,
  useAction,
  useConvex,
  useConvexAuth,
  useMutation,
  usePaginatedQuery,
  type PaginationStatus,
  useQueries,
  useQuery,
} from "convex/react";
export { ConvexProviderWithClerk } from "convex/react-clerk";
export { ConvexError, type Value } from "convex/values";
 
 
export { getFunctionName, makeFunctionReference, type FunctionArgs, type FunctionReference, type FunctionReturnType } from "convex/server";
