import { useMemo } from "react";
import { getFunctionName, makeFunctionReference, useQueries, type Value, type FunctionArgs, type FunctionReference, type FunctionReturnType } from "./convex";

/**
 * Like `useQuery`, but an error comes back as a value instead of being thrown,
 * for secondary data whose failure should not take the whole view down.
 */
export function useQueryResult<Query extends FunctionReference<"query">>(
  query: Query,
  args: FunctionArgs<Query> | "skip",
): { data: FunctionReturnType<Query> | undefined; error: Error | null } {
  // `api.x.y` builds a new reference object on every access: the request is rebuilt only when the
  // function's name or the serialised args change.
  const name = getFunctionName(query);
  const argsJson = args === "skip" ? null : JSON.stringify(args);
  const requests = useMemo(
    (): Parameters<typeof useQueries>[0] =>
      argsJson === null ? {} : { result: { query: makeFunctionReference<"query">(name), args: JSON.parse(argsJson) as Record<string, Value> } },
    [name, argsJson],
  );
  const result: unknown = useQueries(requests)["result"];
  if (result instanceof Error) return { data: undefined, error: result };
  return { data: result as FunctionReturnType<Query> | undefined, error: null };
}
