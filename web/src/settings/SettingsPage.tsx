import { useEffect } from "react";
import { useAccount } from "../shell/AccountProvider";
import { PageErrorBoundary } from "../shell/PageError";
import { ApiHowTo } from "./ApiHowTo";
import { ApiKeys } from "./ApiKeys";
import { ExternalTools } from "./ExternalTools";
import { McpServers } from "./McpServers";
import { Models } from "./Models";
import { Telegram } from "./Telegram";
import { Email } from "./Email";
import { Webhooks } from "./Webhooks";
import { Teams } from "../teams/Teams";
import "./settings.css";

/**
 * Settings → Integrations, for the account's admins: model provider
 * connections, MCP servers, external tools and their signing secret, API keys, outbound webhooks and how to call the API. Everyone else (platform admins included,
 * unless they are an admin of this account) sees a note; the server refuses
 * them anyway.
 */
export function SettingsPage() {
  const { account } = useAccount();
  useEffect(() => {
    document.title = "Settings · Harness";
  }, []);
  if (account.role !== "admin") {
    return (
      <main className="page" id="main" data-testid="settings-page">
        <h1>Settings</h1>
        <p data-testid="settings-admins-only">
          Integrations (model connections, MCP servers, API keys and webhooks) are managed by this account's admins. Ask one of them if you need a model, a key or a
          webhook.
        </p>
        <PageErrorBoundary what="the Telegram bots">
          <Telegram />
        </PageErrorBoundary>
        <PageErrorBoundary what="the mailbox">
          <Email />
        </PageErrorBoundary>
      </main>
    );
  }
  return (
    <main className="page wide settings" id="main" data-testid="settings-page">
      <h1>
        Settings <span className="muted">· Integrations</span>
      </h1>
      <p className="muted small">
        Connect {account.name} to other systems: model providers for its agents, API keys for calling in, webhooks for being called. Every change is in the audit
        log.
      </p>
      <PageErrorBoundary what="the teams">
        <Teams />
      </PageErrorBoundary>
      <PageErrorBoundary what="the model connections">
        <Models />
      </PageErrorBoundary>
      <PageErrorBoundary what="the MCP servers">
        <McpServers />
      </PageErrorBoundary>
      <PageErrorBoundary what="the external tools">
        <ExternalTools />
      </PageErrorBoundary>
      <PageErrorBoundary what="the Telegram bots">
        <Telegram />
      </PageErrorBoundary>
      <PageErrorBoundary what="the mailbox">
        <Email />
      </PageErrorBoundary>
      <PageErrorBoundary what="the API keys">
        <ApiKeys />
      </PageErrorBoundary>
      <PageErrorBoundary what="the webhooks">
        <Webhooks />
      </PageErrorBoundary>
      <PageErrorBoundary what="the API details">
        <ApiHowTo />
      </PageErrorBoundary>
    </main>
  );
}
