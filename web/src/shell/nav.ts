/**
 * The app's sections. Only those with `ready: true` are shown; the others are
 * slots for the pages later issues add (flip `ready` and add the route in App.tsx).
 */
/**
 * `staffOnly`: shown only to account admins and platform admins.
 * `platformAdminOnly`: shown only to platform admins (the page itself still tells anyone else why it is empty).
 */
export type NavItem = { to: string; label: string; ready: boolean; staffOnly?: boolean; platformAdminOnly?: boolean };

export const NAV_ITEMS: NavItem[] = [
  { to: "/chat", label: "Chat", ready: true },
  { to: "/agents", label: "Agents", ready: true },
  { to: "/runs", label: "Runs", ready: true, staffOnly: true },
  { to: "/jobs", label: "Jobs", ready: true },
  { to: "/knowledge", label: "Knowledge", ready: true },
  { to: "/usage", label: "Usage", ready: true },
  // Staff see the link (nav has no platform-admin-only flag); the page tells account admins it is for platform admins.
  // Account admins manage integrations; a platform admin who is not one sees the page's note.
  { to: "/settings", label: "Settings", ready: true, staffOnly: true },
  { to: "/admin", label: "Admin", ready: true, platformAdminOnly: true },
];
