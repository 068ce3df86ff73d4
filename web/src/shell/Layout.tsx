import { useId } from "react";
import { NavLink, Outlet, useLocation } from "react-router";
import { useSession } from "../auth/session";
import { useStateResetBy } from "../lib/useStateResetBy";
import { useAccount } from "./AccountProvider";
import { AccountSwitcher } from "./AccountSwitcher";
import { NAV_ITEMS } from "./nav";
import "./shell.css";

/** Top bar (sections, account switcher, who is signed in) and the page below. */
export function Layout() {
  const { displayName, signOut, mode } = useSession();
  const { viewer, account } = useAccount();
  const isStaff = viewer.isPlatformAdmin || account.role === "admin";
  const location = useLocation();
  // The phone menu closes after navigating.
  const [menuOpen, setMenuOpen] = useStateResetBy(location.pathname, false);
  const menuId = useId();

  return (
    <div className="app">
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="topbar">
        <span className="brand">Harness</span>
        <button
          type="button"
          className="button ghost menu-toggle"
          aria-expanded={menuOpen}
          aria-controls={menuId}
          data-testid="menu-toggle"
          onClick={() => setMenuOpen((open) => !open)}
        >
          Menu
        </button>
        <div id={menuId} className={`topbar-menu${menuOpen ? " open" : ""}`}>
          <nav aria-label="Sections" className="sections">
            <ul>
              {NAV_ITEMS.filter((item) => item.ready && (!item.staffOnly || isStaff) && (!item.platformAdminOnly || viewer.isPlatformAdmin)).map((item) => (
                <li key={item.to}>
                  <NavLink to={item.to} data-testid={`nav-${item.label.toLowerCase()}`}>
                    {item.label}
                  </NavLink>
                </li>
              ))}
            </ul>
          </nav>
          <AccountSwitcher />
          <div className="who">
            <span className="small" data-testid="current-user" title={viewer.email ?? undefined}>
              {displayName ?? viewer.name ?? viewer.email ?? "Signed in"}
              {mode === "local" && <span className="badge" title="Signed in through the local engine">local</span>}
            </span>
            <button type="button" className="button ghost" data-testid="sign-out" onClick={() => void signOut()}>
              Sign out
            </button>
          </div>
        </div>
      </header>
      <Outlet />
    </div>
  );
}
