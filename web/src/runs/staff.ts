import { useAccount } from "../shell/AccountProvider";

/** Support staff: an admin of the selected account, or a platform admin. */
export function useIsStaff(): boolean {
  const { viewer, account } = useAccount();
  return viewer.isPlatformAdmin || account.role === "admin";
}
