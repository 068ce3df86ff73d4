/**
 * Settings → Telegram. Admins connect a bot (its BotFather token, stored on
 * the server and never shown again) to one of the account's agents, and
 * disconnect it. Every member links their own Telegram user to a bot: a
 * one-time code, sent to the bot as `/start <code>` (or opened as a t.me
 * link); only linked members reach the agent, as themselves.
 */
import { useId, useState } from "react";
import { api } from "../../../convex/_generated/api";
import { FieldMessage, invalidProps } from "../agents/common";
import { useAgents } from "../chat/useAgents";
import { useAction, useMutation, useQuery, type FunctionReturnType } from "../lib/convex";
import { fullTime, timeAgo } from "../lib/time";
import { useFormSubmit } from "../lib/useFormSubmit";
import { useRun } from "../lib/useRun";
import { useAccount } from "../shell/AccountProvider";
import "./settings.css";

type Bot = FunctionReturnType<typeof api.channels.telegram.connections.list>[number];
type LinkCode = FunctionReturnType<typeof api.channels.telegram.connections.createLinkCode>;

const STATUS_WORDS: Record<Bot["status"], string> = { active: "Connected", revoked: "Token refused", disconnected: "Disconnected" };

export function Telegram() {
  const { accountId, account } = useAccount();
  const bots = useQuery(api.channels.telegram.connections.list, { accountId });
  const isAdmin = account.role === "admin";
  return (
    <section aria-labelledby="telegram-heading" data-testid="telegram">
      <h2 id="telegram-heading">Telegram</h2>
      <p className="muted small">
        {isAdmin
          ? "Connect a Telegram bot to one of this account's agents. Create the bot with @BotFather and paste its token here; the token stays on the server. Members then link their own Telegram account below, and the agent answers them there as it does in the app."
          : "Link your Telegram account to one of this account's bots to talk to its agent from Telegram."}
      </p>
      {isAdmin && <ConnectForm />}
      {bots === undefined ? (
        <p className="muted" role="status" data-testid="telegram-loading">
          Loading Telegram bots…
        </p>
      ) : bots.length === 0 ? (
        <p className="muted" data-testid="telegram-empty">
          {isAdmin ? "No Telegram bot yet. Connect one above." : "No Telegram bot is connected to this account yet; an admin can connect one."}
        </p>
      ) : (
        <ul className="cards" data-testid="telegram-bots">
          {bots.map((bot) => (
            <BotCard key={bot.botId} bot={bot} isAdmin={isAdmin} />
          ))}
        </ul>
      )}
    </section>
  );
}

function ConnectForm() {
  const { accountId } = useAccount();
  const agents = useAgents();
  const connect = useAction(api.channels.telegram.connections.connect);
  const id = useId();
  const [token, setToken] = useState("");
  const [agentId, setAgentId] = useState("");
  const [connected, setConnected] = useState<string | null>(null);
  const { submit, pending, fieldError, general } = useFormSubmit(["token", "agentId"], async () => {
    setConnected(null);
    const result = await connect({ accountId, token, agentId: agentId || (agents?.[0]?.agentId ?? "") });
    setToken("");
    setConnected(`@${result.username} is connected. Members can link their Telegram account below.`);
  });
  const err = (field: string) => `${id}-${field}-error`;
  return (
    <form className="card settings-form" onSubmit={submit} aria-labelledby={`${id}-h`} data-testid="telegram-form">
      <h3 id={`${id}-h`}>Connect a bot</h3>
      <div className="field-row">
        <div className="field">
          <label htmlFor={`${id}-token`}>Bot token</label>
          <input
            id={`${id}-token`}
            type="password"
            required
            autoComplete="off"
            spellCheck={false}
            maxLength={100}
            placeholder="123456789:AA…"
            value={token}
            onChange={(e) => setToken(e.target.value)}
            data-testid="telegram-token"
            {...invalidProps(err("token"), "token", fieldError)}
          />
          <FieldMessage id={err("token")} field="token" error={fieldError} />
        </div>
        <div className="field">
          <label htmlFor={`${id}-agent`}>Agent that answers</label>
          <select
            id={`${id}-agent`}
            value={agentId}
            onChange={(e) => setAgentId(e.target.value)}
            data-testid="telegram-agent"
            {...invalidProps(err("agentId"), "agentId", fieldError)}
          >
            {(agents ?? []).map((a) => (
              <option key={a.agentId} value={a.agentId}>
                {a.name}
              </option>
            ))}
          </select>
          <FieldMessage id={err("agentId")} field="agentId" error={fieldError} />
        </div>
      </div>
      <div className="row">
        <button type="submit" className="button primary" disabled={pending || agents === undefined} data-testid="telegram-connect">
          {pending ? "Checking the token with Telegram…" : "Connect bot"}
        </button>
        {connected !== null && (
          <span className="small" role="status" data-testid="telegram-connected">
            {connected}
          </span>
        )}
      </div>
      {general !== null && (
        <p className="error small" role="alert" data-testid="telegram-connect-error">
          Could not connect the bot: {general}
        </p>
      )}
    </form>
  );
}

function BotCard({ bot, isAdmin }: { bot: Bot; isAdmin: boolean }) {
  const { accountId } = useAccount();
  const createCode = useRun(useMutation(api.channels.telegram.connections.createLinkCode));
  const unlink = useRun(useMutation(api.channels.telegram.connections.unlink));
  const disconnect = useRun(useAction(api.channels.telegram.connections.disconnect));
  const [code, setCode] = useState<LinkCode | null>(null);
  const args = { accountId, botId: bot.botId };
  const error = createCode.error ?? unlink.error ?? disconnect.error;
  return (
    <li className="card" data-testid="telegram-bot" data-status={bot.status}>
      <div className="row spread">
        <span>
          <strong>@{bot.username}</strong> <span className="muted small">answers as {bot.agentName}</span>
        </span>
        <span className={`status status-${bot.status === "active" ? "ok" : "failing"}`} data-testid="telegram-bot-status">
          {STATUS_WORDS[bot.status]}
        </span>
      </div>
      <p className="small muted">
        <span title={fullTime(bot.createdAt)}>connected {timeAgo(bot.createdAt)}</span>
        {" · "}
        <span data-testid="telegram-linked">{bot.linked ? "your Telegram account is linked" : "your Telegram account is not linked"}</span>
      </p>
      {bot.lastError !== undefined && (
        <p className="error small" role="alert" data-testid="telegram-bot-error">
          {bot.status === "revoked" ? "Telegram refused the token, so the bot has stopped answering; connect it again with a new token. " : ""}
          {bot.lastError.message} <span className="muted">({timeAgo(bot.lastError.at)})</span>
        </p>
      )}
      {code !== null && (
        <p className="small" role="status" data-testid="telegram-link-code">
          Send <code>/start {code.code}</code> to @{bot.username}, or open{" "}
          <a href={code.deepLink} target="_blank" rel="noopener noreferrer">
            {code.deepLink}
          </a>
          . The code works once, until {new Date(code.expiresAt).toLocaleTimeString()}.
        </p>
      )}
      <div className="row">
        {bot.status === "active" && (
          <button
            type="button"
            className="button"
            disabled={createCode.pending}
            onClick={() => {
              void createCode.run(args).then((result) => {
                if (result !== undefined) setCode(result);
              });
            }}
            data-testid="telegram-link"
          >
            {bot.linked ? "Link another Telegram account" : "Link my Telegram account"}
          </button>
        )}
        {bot.linked && (
          <button type="button" className="button" disabled={unlink.pending} onClick={() => void unlink.run(args)} data-testid="telegram-unlink">
            Unlink
          </button>
        )}
        {isAdmin && (
          <button type="button" className="button danger" disabled={disconnect.pending} onClick={() => void disconnect.run(args)} data-testid="telegram-disconnect">
            {disconnect.pending ? "Disconnecting…" : "Disconnect bot"}
          </button>
        )}
      </div>
      {error !== null && (
        <p className="error small" role="alert">
          {error}
        </p>
      )}
    </li>
  );
}
