/**
 * The app's sections. Only those with `ready: true` are shown; the others are
 * slots for the pages later issues add (flip `ready` and add the route in App.tsx).
 */
export type NavItem = { to: string; label: string; ready: boolean };

export const NAV_ITEMS: NavItem[] = [
  { to: "/chat", label: "Chat", ready: true },
  { to: "/agents", label: "Agents", ready: false },
  { to: "/runs", label: "Runs", ready: false },
  { to: "/jobs", label: "Jobs", ready: false },
  { to: "/knowledge", label: "Knowledge", ready: false },
  { to: "/usage", label: "Usage", ready: false },
];
