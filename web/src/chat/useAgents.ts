import { api } from "../../../convex/_generated/api";
import { useQuery, type FunctionReturnType } from "../lib/convex";
import { useAccount } from "../shell/AccountProvider";

export type Agent = FunctionReturnType<typeof api.agents.agents.list>[number];

/** The selected account's agents (undefined while loading). */
export function useAgents(): Agent[] | undefined {
  const { accountId } = useAccount();
  return useQuery(api.agents.agents.list, { accountId });
}
