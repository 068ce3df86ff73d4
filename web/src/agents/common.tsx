/** Pieces every agent-builder page shares: the section tabs, who may change things, field messages. */
import { NavLink } from "react-router";
import { useAccount } from "../shell/AccountProvider";
import type { FieldError } from "./errors";
import "./agents.css";

export const PERMISSIONS = ["read", "write", "admin"] as const;
export type Permission = (typeof PERMISSIONS)[number];

export const PERMISSION_WORDS: Record<Permission, string> = {
  read: "read — look things up",
  write: "write — change things",
  admin: "admin — anything",
};

/** Only account admins create, edit and compose agents; everyone else reads. */
export function useCanBuild(): boolean {
  return useAccount().account.role === "admin";
}

/** Tabs between the builder's views. */
export function AgentsTabs() {
  const tabs = [
    { to: "/agents", label: "Agents", end: true, testId: "agents-tab-list" },
    { to: "/agents/graph", label: "Delegations", end: false, testId: "agents-tab-graph" },
    { to: "/agents/import", label: "Import", end: false, testId: "agents-tab-import" },
  ];
  return (
    <nav aria-label="Agent builder" className="tabs">
      <ul>
        {tabs.map((tab) => (
          <li key={tab.to}>
            <NavLink to={tab.to} end={tab.end} data-testid={tab.testId}>
              {tab.label}
            </NavLink>
          </li>
        ))}
      </ul>
    </nav>
  );
}

/** The error of `field`, shown under it (`id` is what the input's aria-describedby points at). */
export function FieldMessage({ id, field, error }: { id: string; field: string; error: FieldError | null }) {
  if (error === null || error.field !== field) return null;
  return (
    <p className="error small" id={id} role="alert" data-testid="field-error" data-field={field}>
      {error.message}
    </p>
  );
}

/** Props that tie an input to its error message. */
export function invalidProps(id: string, field: string, error: FieldError | null) {
  const invalid = error !== null && error.field === field;
  return { "aria-invalid": invalid || undefined, "aria-describedby": invalid ? id : undefined };
}

/** "Customer Support!" → "customer-support" (what the slug box suggests from the name). */
export function slugify(name: string): string {
  const slug = name
    .toLowerCase()
    .normalize("NFKD")
    .replace(/[^a-z0-9_-]+/g, "-")
    .replace(/^[^a-z]+/, "")
    .replace(/-+/g, "-")
    .replace(/-$/, "")
    .slice(0, 40)
    .replace(/-$/, "");
  return slug;
}
