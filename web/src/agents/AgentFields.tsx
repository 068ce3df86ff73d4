/** The fields of an agent's definition, shared by the create form and the edit form. */
import { useId } from "react";
import { api } from "../../../convex/_generated/api";
import { useQuery } from "../lib/convex";
import { useAccount } from "../shell/AccountProvider";
import { FieldMessage, invalidProps, PERMISSIONS, PERMISSION_WORDS, slugify, type Permission } from "./common";
import type { FieldError } from "./errors";
import "./agents.css";

export type AgentValues = {
  name: string;
  slug: string;
  description: string;
  instructions: string;
  /** "" = the deployment's default model. */
  modelId: string;
  capabilityLevel: Permission;
  /** "" = no accent colour. */
  accentColor: string;
  /** Where it answers; [] = every channel. */
  channels: string[];
};

const CHANNEL_CHOICES = [
  { value: "app", label: "The app's chat" },
  { value: "api", label: "HTTP API" },
  { value: "telegram", label: "Telegram" },
  { value: "email", label: "Email" },
] as const;

/** The fields a refusal of create / update can name as its `field` (see convex/agents/builder.ts). */
export const AGENT_FIELDS = ["name", "slug", "description", "instructions", "modelId", "accentColor", "capabilityLevel", "channels"] as const;

export const EMPTY_AGENT: AgentValues = { name: "", slug: "", description: "", instructions: "", modelId: "", capabilityLevel: "write", accentColor: "", channels: [] };

type Props = {
  values: AgentValues;
  onChange: (values: AgentValues) => void;
  error: FieldError | null;
  /** Test ids are `<testPrefix>-<field>`. */
  testPrefix: string;
  /** The slug is fixed once the agent exists. */
  slugEditable: boolean;
  /** Create: the slug follows the name until the person edits it. */
  slugFollowsName?: boolean;
  onSlugEdited?: () => void;
  defaultModelLabel?: string;
  disabled?: boolean;
};

export function AgentFields({ values, onChange, error, testPrefix, slugEditable, slugFollowsName, onSlugEdited, defaultModelLabel, disabled }: Props) {
  const id = useId();
  const { accountId } = useAccount();
  // The offline model, the deployment's providers' models and the account's connections' models (Settings → Models).
  const models = useQuery(api.models.connections.availableModels, { accountId });
  const chosen = models?.find((m) => m.modelId === values.modelId.trim());
  const set = (patch: Partial<AgentValues>) => onChange({ ...values, ...patch });
  const errId = (field: string) => `${id}-${field}-error`;
  const colorValid = /^#[0-9a-fA-F]{6}$/.test(values.accentColor);
  return (
    <fieldset className="agent-fields" disabled={disabled}>
      <div className="field-row">
        <label className="field">
          <span>Name</span>
          <input
            value={values.name}
            required
            maxLength={80}
            data-testid={`${testPrefix}-name`}
            onChange={(e) => set({ name: e.target.value, ...(slugFollowsName ? { slug: slugify(e.target.value) } : {}) })}
            {...invalidProps(errId("name"), "name", error)}
          />
          <FieldMessage id={errId("name")} field="name" error={error} />
        </label>
        <label className="field">
          <span>Slug {slugEditable ? "" : <span className="muted small">(fixed)</span>}</span>
          <input
            value={values.slug}
            required
            readOnly={!slugEditable}
            pattern="[a-z][a-z0-9_\-]{1,39}"
            title="2 to 40 characters: lowercase letters, digits, '-' or '_', starting with a letter"
            data-testid={`${testPrefix}-slug`}
            onChange={(e) => {
              onSlugEdited?.();
              set({ slug: e.target.value });
            }}
            {...invalidProps(errId("slug"), "slug", error)}
          />
          <FieldMessage id={errId("slug")} field="slug" error={error} />
        </label>
      </div>
      <label className="field">
        <span>Description</span>
        <input
          value={values.description}
          maxLength={500}
          data-testid={`${testPrefix}-description`}
          onChange={(e) => set({ description: e.target.value })}
          {...invalidProps(errId("description"), "description", error)}
        />
        <FieldMessage id={errId("description")} field="description" error={error} />
      </label>
      <label className="field">
        <span>Instructions (system prompt)</span>
        <textarea
          value={values.instructions}
          required
          rows={5}
          data-testid={`${testPrefix}-instructions`}
          onChange={(e) => set({ instructions: e.target.value })}
          {...invalidProps(errId("instructions"), "instructions", error)}
        />
        <FieldMessage id={errId("instructions")} field="instructions" error={error} />
      </label>
      <div className="field-row">
        <label className="field">
          <span>Model</span>
          <input
            value={values.modelId}
            list={`${id}-models`}
            placeholder={defaultModelLabel ? `Default: ${defaultModelLabel}` : "The deployment's default"}
            data-testid={`${testPrefix}-model`}
            onChange={(e) => set({ modelId: e.target.value })}
            {...invalidProps(errId("modelId"), "modelId", error)}
          />
          <datalist id={`${id}-models`} data-testid={`${testPrefix}-model-options`}>
            {models?.map((m) => (
              <option key={m.modelId} value={m.modelId} label={m.label} />
            ))}
          </datalist>
          {chosen !== undefined && (
            <span className="muted small" data-testid={`${testPrefix}-model-label`}>
              {chosen.label}
              {chosen.priced ? "" : " (no price known: its spend counts as 0)"}
            </span>
          )}
          <FieldMessage id={errId("modelId")} field="modelId" error={error} />
        </label>
        <label className="field">
          <span>Capability level</span>
          <select
            value={values.capabilityLevel}
            data-testid={`${testPrefix}-capability`}
            onChange={(e) => set({ capabilityLevel: e.target.value as Permission })}
            {...invalidProps(errId("capabilityLevel"), "capabilityLevel", error)}
          >
            {PERMISSIONS.map((p) => (
              <option key={p} value={p}>
                {PERMISSION_WORDS[p]}
              </option>
            ))}
          </select>
          <FieldMessage id={errId("capabilityLevel")} field="capabilityLevel" error={error} />
        </label>
        <label className="field">
          <span>Accent colour</span>
          <span className="row">
            <input
              value={values.accentColor}
              placeholder="#4f46e5"
              size={9}
              data-testid={`${testPrefix}-color`}
              onChange={(e) => set({ accentColor: e.target.value })}
              {...invalidProps(errId("accentColor"), "accentColor", error)}
            />
            <span className="swatch" aria-hidden="true" style={colorValid ? { background: values.accentColor } : undefined} />
          </span>
          <FieldMessage id={errId("accentColor")} field="accentColor" error={error} />
        </label>
      </div>
      <fieldset className="field" data-testid={`${testPrefix}-channels`} aria-describedby={errId("channels")}>
        <legend>Answers on</legend>
        <span className="row">
          {CHANNEL_CHOICES.map((c) => (
            <label key={c.value} className="row small">
              <input
                type="checkbox"
                checked={values.channels.includes(c.value)}
                data-testid={`${testPrefix}-channel-${c.value}`}
                onChange={(e) => set({ channels: e.target.checked ? [...values.channels, c.value] : values.channels.filter((x) => x !== c.value) })}
              />
              {c.label}
            </label>
          ))}
        </span>
        <span className="muted small">{values.channels.length === 0 ? "None ticked: every channel." : "Messages on other channels are refused, in words, on that channel."}</span>
        <FieldMessage id={errId("channels")} field="channels" error={error} />
      </fieldset>
      <p className="muted small">
        The capability level caps the permissions its tools can be given. Leave the model empty to use the deployment's default; pick one from the list (the
        account's own providers are under Settings → Models) or type any model id.
      </p>
    </fieldset>
  );
}
