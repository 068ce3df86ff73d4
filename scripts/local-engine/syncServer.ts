/**
 * Convex's sync protocol (the WebSocket `ConvexReactClient` / `ConvexClient`
 * speak, `convex/src/browser/sync/protocol.ts`) served from one convex-test
 * instance.
 *
 * Client -> server: Connect, ModifyQuerySet (Add / Remove, baseVersion ->
 * newVersion), Authenticate (User token, None, or Admin with the engine's
 * admin key, optionally impersonating a user: what `npx convex run --watch`
 * and `npx convex env list` send), Mutation, Action, Event (ignored).
 * Who may call what (public / internal / component / `_system/cli` functions)
 * and argument validation are functions.ts's, shared with the HTTP API.
 * Server -> client: Transition (startVersion -> endVersion over querySet,
 * identity and ts; QueryUpdated / QueryFailed / QueryRemoved), MutationResponse
 * (with the commit `ts`: the client resolves the mutation once a Transition
 * reaches that ts, so one always follows), ActionResponse, AuthError (then
 * close, like the real backend), FatalError (protocol violations), Ping.
 *
 * Reactivity — how the engine knows what changed: every top-level commit in
 * convex-test (client mutations, scheduled functions, workflow and workpool
 * steps, `t.run`) passes through a hook that sees the exact set of documents
 * (and hence tables) it wrote. Every query evaluation records what it read:
 * whole tables for scans / index ranges / search, single documents for point
 * reads. A commit marks stale exactly the subscriptions whose read set it
 * intersects (or that are being evaluated at that moment), and a flush loop
 * re-runs only those and sends only results that changed. So there is no
 * polling and no timer; updates made outside any client request (scheduled
 * work) arrive as promptly as those made by a client. Re-runs start only
 * after the outermost transaction has committed, on a later macrotask
 * (setImmediate), and outside the committing function's async context (the
 * commit hook calls listeners from the engine's own context): a workflow step
 * committing inside a component must not make the app's queries run as that
 * component's ("Could not find module for: chat/runs").
 * Cost: per commit, O(subscriptions x their read-set size) set look-ups; per
 * change, one re-run of each affected query. Read sets are table-granular for
 * range reads, so a write to a table re-runs every query that scanned any
 * part of it (coarser than Convex's index-range read sets, never missing one).
 *
 * Consistency: a Transition's `ts` is the last commit before the round
 * started; every query affected by a later commit is re-run in the next
 * round, so clients converge on the latest state, and a mutation's promise
 * resolves only once its writes are visible.
 *
 * Mutations of one client run one at a time in order; a mutation re-sent after
 * a reconnect (same session id and request id) is answered from a cache
 * instead of running twice.
 */
import { convexToJson, jsonToConvex, type JSONValue, type Value } from "convex/values";
import type { RawData, WebSocket } from "ws";
import { actingIdentity, type AdminKey } from "./adminKey";
import type { EngineInternals, JournalEntries, ReadSet, WriteSet } from "./convexTestInternals";
import type { Failure } from "./errors";
import { ANONYMOUS, canonicalUdfPath, type Caller, type FunctionCalls, type Logger } from "./functions";
import type { LocalAuth } from "./localAuth";

export type { FunctionRunner, Logger } from "./functions";

type ClientMessage =
  | { type: "Connect"; sessionId: string; connectionCount: number; lastCloseReason: string | null; clientTs?: number }
  | {
      type: "ModifyQuerySet";
      baseVersion: number;
      newVersion: number;
      modifications: Array<
        | { type: "Add"; queryId: number; udfPath: string; args: JSONValue[]; journal?: string | null; componentPath?: string }
        | { type: "Remove"; queryId: number }
      >;
    }
  | { type: "Mutation"; requestId: number; udfPath: string; args: JSONValue[]; componentPath?: string }
  | { type: "Action"; requestId: number; udfPath: string; args: JSONValue[]; componentPath?: string }
  | { type: "Authenticate"; tokenType: "User" | "Admin" | "None"; value?: string; baseVersion: number; impersonating?: Record<string, unknown> }
  | { type: "Event"; eventType: string; event: unknown };

type QueryResult = { ok: true; json: string } | { ok: false; failure: Failure };

type Subscription = {
  queryId: number;
  udfPath: string;
  componentPath: string;
  args: Record<string, Value>;
  journal: JournalEntries;
  /** What the client has (undefined until the first result is sent). */
  result: QueryResult | undefined;
  sentJournal: string | null;
  identityVersion: number;
  reads: ReadSet | null;
  stale: boolean;
  evaluating: boolean;
};

type Outcome = { success: true; result: JSONValue } | { success: false; failure: Failure | { errorMessage: string; errorData?: undefined } };

const MAX_REMEMBERED_MUTATIONS = 5000;
const PING_INTERVAL_MS = 15_000;

/** Convex encodes timestamps (u64) as base64 of 8 little-endian bytes. */
export function encodeTs(ts: bigint): string {
  const bytes = Buffer.alloc(8);
  bytes.writeBigUInt64LE(ts);
  return bytes.toString("base64");
}

function parseArgs(args: unknown): Record<string, Value> {
  if (!Array.isArray(args) || args.length !== 1) throw new Error("Expected exactly one arguments object.");
  const value = jsonToConvex(args[0] as JSONValue);
  if (typeof value !== "object" || value === null || Array.isArray(value) || value instanceof ArrayBuffer) {
    throw new Error("Function arguments must be an object.");
  }
  return value as Record<string, Value>;
}

function parseJournal(journal: unknown): JournalEntries {
  if (typeof journal !== "string") return {};
  try {
    const parsed = JSON.parse(journal) as unknown;
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) return {};
    const entries: JournalEntries = {};
    for (const [key, value] of Object.entries(parsed)) if (typeof value === "string") entries[key] = value;
    return entries;
  } catch {
    return {};
  }
}

class ProtocolError extends Error {}

class Session {
  sessionId: string | null = null;
  querySetVersion = 0;
  identityVersion = 0;
  caller: Caller = ANONYMOUS;
  sent = { querySet: 0, identity: 0, ts: 0n };
  readonly queries = new Map<number, Subscription>();
  removed: number[] = [];
  /** A MutationResponse carried this ts; a Transition reaching it must follow. */
  owedTs: bigint | null = null;
  mutations: Promise<void> = Promise.resolve();
  closed = false;

  constructor(readonly ws: WebSocket) {}

  send(message: Record<string, unknown>) {
    if (this.closed || this.ws.readyState !== this.ws.OPEN) return;
    this.ws.send(JSON.stringify(message));
  }
}

export class SyncServer {
  private readonly sessions = new Set<Session>();
  private readonly mutationOutcomes = new Map<string, Promise<Outcome>>();
  private flushRequested = false;
  private flushing: Promise<void> | null = null;
  private readonly pingTimer: ReturnType<typeof setInterval>;
  private readonly stopListening: () => void;

  constructor(
    private readonly deps: { calls: FunctionCalls; internals: EngineInternals; auth: LocalAuth; adminKey: AdminKey; log: Logger },
  ) {
    this.stopListening = deps.internals.onCommit((writes) => this.onCommit(writes));
    this.pingTimer = setInterval(() => {
      for (const session of this.sessions) session.send({ type: "Ping" });
    }, PING_INTERVAL_MS);
    this.pingTimer.unref();
  }

  get connectionCount(): number {
    return this.sessions.size;
  }

  /** Serve one WebSocket connection. */
  accept(ws: WebSocket): void {
    const session = new Session(ws);
    this.sessions.add(session);
    ws.on("message", (data: RawData, isBinary: boolean) => {
      try {
        if (isBinary) throw new ProtocolError("Binary messages are not part of the protocol");
        const text = Array.isArray(data) ? Buffer.concat(data).toString("utf8") : Buffer.from(data as ArrayBuffer).toString("utf8");
        this.handle(session, JSON.parse(text) as ClientMessage);
      } catch (error) {
        this.fatal(session, error instanceof ProtocolError ? error.message : `Invalid message: ${(error as Error).message}`);
      }
    });
    const end = () => {
      session.closed = true;
      this.sessions.delete(session);
    };
    ws.on("close", end);
    ws.on("error", (error) => {
      this.deps.log.verbose(`WebSocket error: ${error.message}`);
      end();
    });
  }

  /** Drop every connection without a goodbye, as a network failure would (tests). */
  dropConnections(): void {
    for (const session of this.sessions) session.ws.terminate();
  }

  /** Close every connection (engine shutdown). */
  async close(): Promise<void> {
    clearInterval(this.pingTimer);
    this.stopListening();
    for (const session of this.sessions) {
      session.closed = true;
      session.ws.close(1001, "Local engine shutting down");
    }
    this.sessions.clear();
    await this.flushing;
  }

  private fatal(session: Session, error: string) {
    this.deps.log.error(`Closing a client connection: ${error}`);
    session.send({ type: "FatalError", error });
    session.closed = true;
    session.ws.close(1000, "FatalError");
  }

  private handle(session: Session, message: ClientMessage) {
    switch (message.type) {
      case "Connect":
        session.sessionId = String(message.sessionId);
        this.deps.log.verbose(`client connected (session ${session.sessionId}, connection #${message.connectionCount})`);
        return;
      case "ModifyQuerySet":
        this.modifyQuerySet(session, message);
        return;
      case "Authenticate":
        this.authenticate(session, message);
        return;
      case "Mutation": {
        // The identity in force when the message arrived, even if an Authenticate follows before it runs.
        const caller = session.caller;
        const run = () => this.mutation(session, message, caller);
        session.mutations = session.mutations.then(run, run);
        return;
      }
      case "Action":
        void this.action(session, message, session.caller);
        return;
      case "Event":
        this.deps.log.verbose(`client event ${String(message.eventType)}`);
        return;
      default:
        throw new ProtocolError(`Unknown message type ${String((message as { type?: unknown }).type)}`);
    }
  }

  private modifyQuerySet(session: Session, message: Extract<ClientMessage, { type: "ModifyQuerySet" }>) {
    if (message.baseVersion !== session.querySetVersion) {
      throw new ProtocolError(`Invalid ModifyQuerySet: base version ${message.baseVersion}, server is at ${session.querySetVersion}`);
    }
    if (message.newVersion !== message.baseVersion + 1) throw new ProtocolError("Invalid ModifyQuerySet: versions must increase by one");
    for (const modification of message.modifications) {
      if (modification.type === "Add") {
        if (session.queries.has(modification.queryId)) throw new ProtocolError(`Duplicate query id ${modification.queryId}`);
        // A non-root component's query is refused by functions.ts unless the session is an admin's.
        session.queries.set(modification.queryId, {
          queryId: modification.queryId,
          udfPath: canonicalUdfPath(String(modification.udfPath)),
          componentPath: typeof modification.componentPath === "string" ? modification.componentPath : "",
          args: parseArgs(modification.args),
          journal: parseJournal(modification.journal),
          result: undefined,
          sentJournal: null,
          identityVersion: -1,
          reads: null,
          stale: true,
          evaluating: false,
        });
      } else if (modification.type === "Remove") {
        if (session.queries.delete(modification.queryId)) session.removed.push(modification.queryId);
      } else {
        throw new ProtocolError("Unknown query set modification");
      }
    }
    session.querySetVersion = message.newVersion;
    this.requestFlush();
  }

  private authenticate(session: Session, message: Extract<ClientMessage, { type: "Authenticate" }>) {
    if (message.baseVersion !== session.identityVersion) {
      throw new ProtocolError(`Invalid Authenticate: base version ${message.baseVersion}, server is at ${session.identityVersion}`);
    }
    const refuse = (error: string) => {
      // As the real backend: AuthError with the identity version still in force, then close.
      session.send({ type: "AuthError", error, baseVersion: session.identityVersion, authUpdateAttempted: true });
      session.closed = true;
      session.ws.close(1000, "AuthError");
    };
    let caller: Caller = ANONYMOUS;
    if (message.tokenType === "User") {
      const verified = this.deps.auth.verify(String(message.value));
      if (!verified.ok) {
        this.deps.log.info(`Rejected a sign-in token: ${verified.error}`);
        refuse(verified.error);
        return;
      }
      caller = { admin: false, identity: verified.identity };
    } else if (message.tokenType === "Admin") {
      // The key as an Authorization header carries it: `key` or `key:<base64 identity>` (impersonating may also come separately).
      const [key = "", encoded] = String(message.value ?? "").split(":", 2);
      if (!this.deps.adminKey.accepts(key)) {
        this.deps.log.info("Rejected an admin key that is not this engine's.");
        refuse("The provided admin key was invalid for this instance");
        return;
      }
      let acting: Record<string, unknown> | null = message.impersonating ?? null;
      if (acting === null && encoded !== undefined) {
        try {
          acting = JSON.parse(Buffer.from(encoded, "base64").toString("utf8")) as Record<string, unknown>;
        } catch {
          refuse("Malformed admin key: the identity after ':' is not base64 JSON");
          return;
        }
      }
      caller = { admin: true, identity: acting === null ? null : actingIdentity(acting) };
    }
    session.caller = caller;
    session.identityVersion = message.baseVersion + 1;
    this.requestFlush();
  }

  private async mutation(session: Session, message: Extract<ClientMessage, { type: "Mutation" }>, caller: Caller) {
    const key = session.sessionId === null ? null : `${session.sessionId}:${message.requestId}`;
    let outcome = key === null ? undefined : this.mutationOutcomes.get(key);
    if (outcome === undefined) {
      outcome = this.execute(caller, "mutation", message);
      if (key !== null) {
        this.mutationOutcomes.set(key, outcome);
        if (this.mutationOutcomes.size > MAX_REMEMBERED_MUTATIONS) {
          const oldest = this.mutationOutcomes.keys().next().value;
          if (oldest !== undefined) this.mutationOutcomes.delete(oldest);
        }
      }
    }
    const result = await outcome;
    if (result.success) {
      const ts = this.deps.internals.lastCommitTs();
      session.send({ type: "MutationResponse", requestId: message.requestId, success: true, result: result.result, ts: encodeTs(ts), logLines: [] });
      session.owedTs = session.owedTs === null || ts > session.owedTs ? ts : session.owedTs;
      this.requestFlush();
    } else {
      session.send({
        type: "MutationResponse",
        requestId: message.requestId,
        success: false,
        result: result.failure.errorMessage,
        logLines: [],
        ...(result.failure.errorData !== undefined ? { errorData: result.failure.errorData } : {}),
      });
    }
  }

  private async action(session: Session, message: Extract<ClientMessage, { type: "Action" }>, caller: Caller) {
    const result = await this.execute(caller, "action", message);
    session.send({
      type: "ActionResponse",
      requestId: message.requestId,
      success: result.success,
      result: result.success ? result.result : result.failure.errorMessage,
      logLines: [],
      ...(!result.success && result.failure.errorData !== undefined ? { errorData: result.failure.errorData } : {}),
    });
  }

  private async execute(caller: Caller, kind: "mutation" | "action", message: { udfPath: string; args: JSONValue[]; componentPath?: string }): Promise<Outcome> {
    let args: Record<string, Value>;
    try {
      args = parseArgs(message.args);
    } catch (error) {
      return { success: false, failure: { errorMessage: (error as Error).message } };
    }
    const componentPath = typeof message.componentPath === "string" ? message.componentPath : "";
    const result = await this.deps.calls.call(caller, kind, String(message.udfPath), componentPath, args);
    return result.ok ? { success: true, result: convexToJson(result.value) } : { success: false, failure: result.failure };
  }

  // --- reactivity --------------------------------------------------------

  private onCommit(writes: WriteSet) {
    let affected = false;
    for (const session of this.sessions) {
      for (const query of session.queries.values()) {
        if (query.stale) continue;
        if (query.evaluating || (query.reads !== null && query.reads.intersects(writes))) {
          query.stale = true;
          affected = true;
        }
      }
    }
    if (affected) this.requestFlush();
  }

  private requestFlush() {
    this.flushRequested = true;
    if (this.flushing !== null) return;
    this.flushing = (async () => {
      try {
        while (this.flushRequested) {
          // Let a burst of commits / messages land, then serve them in one round.
          await new Promise((resolve) => setImmediate(resolve));
          this.flushRequested = false;
          const ts = this.deps.internals.lastCommitTs();
          for (const session of [...this.sessions]) {
            try {
              await this.flushSession(session, ts);
            } catch (error) {
              this.deps.log.error("Failed to update a client", error);
            }
          }
        }
      } finally {
        this.flushing = null;
      }
    })();
  }

  private async flushSession(session: Session, roundTs: bigint) {
    if (session.closed) return;
    const querySet = session.querySetVersion;
    const identity = session.identityVersion;
    const caller = session.caller;
    const modifications: Array<Record<string, unknown>> = session.removed.map((queryId) => ({ type: "QueryRemoved", queryId }));
    session.removed = [];
    const due = [...session.queries.values()].filter((q) => q.stale || q.result === undefined || q.identityVersion !== identity);
    for (const query of due) {
      query.stale = false;
      query.evaluating = true;
      const previousFailure = query.result?.ok === false ? query.result.failure : undefined;
      const { outcome, reads, journal } = await this.deps.internals.trackSettled(query.journal, () =>
        this.deps.calls.call(caller, "query", query.udfPath, query.componentPath, query.args, previousFailure),
      );
      query.evaluating = false;
      if (session.queries.get(query.queryId) !== query) continue; // removed meanwhile
      query.reads = reads;
      query.identityVersion = identity;
      query.journal = journal;
      let result: QueryResult;
      if (!outcome.ok) {
        // FunctionCalls.call reports failures as values; a throw here is the engine's own bug.
        this.deps.log.error(`query ${query.udfPath} could not be evaluated`, outcome.error);
        result = { ok: false, failure: { errorMessage: "Server Error", fingerprint: "engine" } };
      } else if (outcome.value.ok) {
        result = { ok: true, json: JSON.stringify(convexToJson(outcome.value.value)) };
      } else {
        const failure = outcome.value.failure;
        // The same failure object again when nothing changed (so an unchanged failure is not re-sent).
        result = { ok: false, failure: previousFailure !== undefined && previousFailure.fingerprint === failure.fingerprint ? previousFailure : failure };
      }
      const journalText = Object.keys(journal).length === 0 ? null : JSON.stringify(journal);
      const previous = query.result;
      const unchanged =
        previous !== undefined &&
        journalText === query.sentJournal &&
        (previous.ok && result.ok ? previous.json === result.json : !previous.ok && !result.ok && previous.failure === result.failure);
      if (unchanged) continue;
      query.result = result;
      query.sentJournal = journalText;
      modifications.push(
        result.ok
          ? { type: "QueryUpdated", queryId: query.queryId, value: JSON.parse(result.json) as JSONValue, logLines: [], journal: journalText }
          : {
              type: "QueryFailed",
              queryId: query.queryId,
              errorMessage: result.failure.errorMessage,
              logLines: [],
              journal: journalText,
              ...(result.failure.errorData !== undefined ? { errorData: result.failure.errorData } : {}),
            },
      );
    }
    if (session.closed) return;
    const endTs = roundTs > session.sent.ts ? roundTs : session.sent.ts;
    const owed = session.owedTs !== null && endTs >= session.owedTs;
    if (modifications.length === 0 && querySet === session.sent.querySet && identity === session.sent.identity && !owed) return;
    const start = session.sent;
    const end = { querySet, identity, ts: endTs };
    session.send({
      type: "Transition",
      startVersion: { querySet: start.querySet, identity: start.identity, ts: encodeTs(start.ts) },
      endVersion: { querySet: end.querySet, identity: end.identity, ts: encodeTs(end.ts) },
      modifications,
    });
    session.sent = end;
    if (owed) session.owedTs = null;
  }
}
