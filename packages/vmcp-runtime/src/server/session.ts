import type { ServerResponse } from "node:http";
import { sseFrame } from "../backends/sse-parser.ts";
import { SseBackendSession } from "../backends/sse-session.ts";
import { StreamableBackendSession } from "../backends/streamable-session.ts";
import type { BackendSession, Identity, RelayHooks } from "../backends/types.ts";
import type { Logger } from "../logger.ts";
import { classify, idKey, type JsonRpcId } from "../protocol/jsonrpc.ts";
import type { BackendResume } from "../sessions/token.ts";
import { GatewayError } from "./attribution.ts";
import type { Catalog } from "./catalog.ts";

export interface CallRecord {
  backend: string;
  /** Stops the call: a forwarded call's CallCancel, a composite call's AbortController. */
  controller: { abort(): void };
  session: BackendSession | undefined;
}

const MAX_BUFFERED = 200;
const PORTABLE_ID = /^vmcp-\d+~([^~]{1,253})~([A-Za-z0-9_-]{1,512})$/;
const portableSuffix = (backend: string, id: JsonRpcId): string =>
  `~${backend}~${Buffer.from(JSON.stringify(id)).toString("base64url")}`;
const NO_HEADERS: Record<string, string> = Object.freeze({}) as Record<string, string>;

/** One client session: its negotiated protocol, its backend sessions (opened lazily, one per
 * backend, never shared with another client), the server->client requests it owes answers to,
 * its calls in flight, its subscriptions and log level, and its standalone SSE stream. */
export class ClientSession implements RelayHooks {
  /** Set once, before the session is stored: a token-carrying id is sealed after the backend
   * sessions it names are open. */
  id: string;
  readonly protocolVersion: string;
  readonly clientCapabilities: Record<string, unknown>;
  readonly clientInfo: Record<string, unknown>;
  identity: Identity | undefined;
  passthrough: Record<string, string> | undefined;
  logLevel: string | undefined;
  lastSeen = Date.now();
  inflight = 0;
  /** By the client's id: a Map tells 1 from "1" by itself. */
  readonly calls = new Map<JsonRpcId, CallRecord>();
  readonly subscriptions = new Map<string, string>();
  #backends = new Map<string, { promise: Promise<BackendSession>; session?: BackendSession }>();
  #serverRequests = new Map<string, { session: BackendSession; id: JsonRpcId }>();
  #reverse = new Map<BackendSession, Map<string, string>>();
  /** Requests the gateway itself sent to the client (composite elicitation), by gateway id. */
  #local = new Map<string, (answer: Record<string, unknown>) => void>();
  #seq = 0;
  #stream: ServerResponse | undefined;
  #heartbeat: NodeJS.Timeout | undefined;
  #buffer: string[] = [];
  #catalog: Catalog;
  #log: Logger;
  #onListChanged: (backend: string) => void;
  closed = false;
  /** Other replicas may serve this session: the ids of server->client requests then name the
   * backend and its request id, so the answer can reach the backend through any replica. */
  portable = false;

  constructor(o: {
    id: string;
    protocolVersion: string;
    clientCapabilities: Record<string, unknown>;
    clientInfo: Record<string, unknown>;
    identity: Identity | undefined;
    catalog: Catalog;
    log: Logger;
    onBackendListChanged: (backend: string) => void;
  }) {
    this.id = o.id;
    this.protocolVersion = o.protocolVersion;
    this.clientCapabilities = o.clientCapabilities;
    this.clientInfo = o.clientInfo;
    this.identity = o.identity;
    this.#catalog = o.catalog;
    this.#log = o.log;
    this.#onListChanged = o.onBackendListChanged;
  }

  get hasStream(): boolean {
    return this.#stream !== undefined;
  }

  openBackends(): BackendSession[] {
    // Only sessions that finished opening; a pending open applies level/subscriptions itself.
    const out: BackendSession[] = [];
    for (const slot of this.#backends.values()) if (slot.session) out.push(slot.session);
    return out;
  }

  /** The backend session if it is open, without waiting. */
  openBackend(name: string): BackendSession | undefined {
    return this.#backends.get(name)?.session;
  }

  backendSession(name: string): Promise<BackendSession> {
    const existing = this.#backends.get(name);
    if (existing) return existing.session ? Promise.resolve(existing.session) : existing.promise;
    const slot: { promise: Promise<BackendSession>; session?: BackendSession } = {
      promise: this.#open(name),
    };
    this.#backends.set(name, slot);
    slot.promise.then(
      (s) => {
        slot.session = s;
      },
      () => {
        if (this.#backends.get(name) === slot) this.#backends.delete(name);
      },
    );
    return slot.promise;
  }

  #create(name: string): BackendSession {
    const entry = this.#catalog.entry(name);
    if (!entry) throw new GatewayError(`backend '${name}' is not registered`);
    const auth = entry.auth;
    // Unauthenticated backends (the common in-cluster case) get their headers synchronously:
    // no promise per call on the hot path.
    const headers =
      auth.type === "unauthenticated"
        ? () => this.passthrough ?? NO_HEADERS
        : async () => {
            const h = await auth.headers({ identity: this.identity });
            return this.passthrough ? { ...this.passthrough, ...h } : h;
          };
    const common = {
      backend: name,
      pools: entry.pools,
      timeoutMs: entry.spec.timeoutMs,
      init: {
        protocolVersion: this.protocolVersion,
        capabilities: this.clientCapabilities,
        clientInfo: this.clientInfo,
      },
      hooks: this as RelayHooks,
      headers,
      log: this.#log,
    };
    const s: BackendSession =
      entry.spec.transport === "sse"
        ? new SseBackendSession({ ...common, url: entry.spec.url })
        : new StreamableBackendSession(common);
    return s;
  }

  async #open(name: string): Promise<BackendSession> {
    const s = this.#create(name);
    await s.open();
    if (this.closed) {
      void s.close();
      throw new GatewayError("session closed");
    }
    // State a client established earlier (or before a backend restart) is re-applied here, so
    // a fresh backend session behaves like the one the client knew.
    if (this.logLevel && s.serverCapabilities.logging) {
      await s.request("logging/setLevel", { level: this.logLevel }).catch(() => {});
    }
    for (const [uri, backend] of this.subscriptions) {
      if (backend === name) await s.request("resources/subscribe", { uri }).catch(() => {});
    }
    return s;
  }

  /** Continue backend sessions another replica opened for this client session. Backends no
   * longer registered, or now on the legacy SSE transport, are opened afresh when first used. */
  resumeBackends(list: readonly BackendResume[]): void {
    for (const r of list) {
      if (this.#backends.has(r.name) || this.#catalog.entry(r.name)?.spec.transport !== "streamable-http")
        continue;
      const s = this.#create(r.name) as StreamableBackendSession;
      s.resume({
        sessionId: r.sessionId,
        protocolVersion: r.protocolVersion,
        serverCapabilities: r.logging ? { logging: {} } : {},
      });
      this.#backends.set(r.name, { promise: Promise.resolve(s), session: s });
    }
  }

  /** The open backend sessions another replica could continue. */
  resumable(): BackendResume[] {
    const out: BackendResume[] = [];
    for (const [name, slot] of this.#backends) {
      const s = slot.session;
      if (!(s instanceof StreamableBackendSession) || !s.sessionId) continue;
      out.push({
        name,
        sessionId: s.sessionId,
        protocolVersion: s.protocolVersion,
        logging: s.serverCapabilities.logging !== undefined,
      });
    }
    return out;
  }

  /** The backend forgot our session (404): drop it so the next call re-initializes. */
  dropBackend(name: string, s: BackendSession): void {
    if (this.#backends.get(name)?.session === s) this.#backends.delete(name);
    this.#forgetRequests(s);
    void s.close();
  }

  /** The backend disappeared from the registry. */
  removeBackend(name: string): void {
    const slot = this.#backends.get(name);
    this.#backends.delete(name);
    if (slot?.session) this.dropBackend(name, slot.session);
  }

  #forgetRequests(s: BackendSession): void {
    const rev = this.#reverse.get(s);
    if (!rev) return;
    for (const gid of rev.values()) this.#serverRequests.delete(gid);
    this.#reverse.delete(s);
  }

  // ---- RelayHooks: messages from backends -------------------------------------------------

  translate(from: BackendSession, data: string): string | undefined {
    // Answers (the common case) never contain a "method" key at top level; skip parsing them.
    if (!data.includes('"method"')) return data;
    let value: unknown;
    try {
      value = JSON.parse(data);
    } catch {
      return undefined;
    }
    const c = classify(value);
    if (c.kind === "request") {
      // Server->client request: give it an id unique within this client session and remember
      // where the answer must go.
      const gid = `vmcp-${++this.#seq}${this.portable ? portableSuffix(from.backend, c.msg.id) : ""}`;
      this.#serverRequests.set(gid, { session: from, id: c.msg.id });
      let rev = this.#reverse.get(from);
      if (!rev) {
        rev = new Map();
        this.#reverse.set(from, rev);
      }
      rev.set(idKey(c.msg.id), gid);
      return JSON.stringify({ ...c.msg, id: gid });
    }
    if (c.kind === "notification") {
      const m = c.msg.method;
      if (
        m === "notifications/tools/list_changed" ||
        m === "notifications/resources/list_changed" ||
        m === "notifications/prompts/list_changed"
      ) {
        // The gateway re-lists and emits its own list_changed if the aggregate moved.
        this.#onListChanged(from.backend);
        return undefined;
      }
      if (m === "notifications/cancelled" && c.msg.params) {
        const rid = c.msg.params.requestId;
        if (typeof rid !== "string" && typeof rid !== "number") return undefined;
        const gid = this.#reverse.get(from)?.get(idKey(rid));
        if (!gid) return undefined;
        return JSON.stringify({ ...c.msg, params: { ...c.msg.params, requestId: gid } });
      }
    }
    return data;
  }

  unsolicited(_from: BackendSession, data: string): void {
    this.sendToClient(data);
  }

  listChanged(backend: string): void {
    this.#onListChanged(backend);
  }

  /** The client answered a server->client request: send the answer to the backend that asked,
   * under the id it used. Returns false when the id is unknown. */
  async answerServerRequest(id: JsonRpcId, msg: Record<string, unknown>): Promise<boolean> {
    if (typeof id !== "string") return false;
    const local = this.#local.get(id);
    if (local) {
      this.#local.delete(id);
      local(msg);
      return true;
    }
    const target = this.#serverRequests.get(id) ?? this.#portableTarget(id);
    if (!target) return false;
    this.#serverRequests.delete(id);
    this.#reverse.get(target.session)?.delete(idKey(target.id));
    await target.session.send(JSON.stringify({ ...msg, id: target.id }));
    return true;
  }

  /** An answer that reached this replica for a request another replica relayed. */
  #portableTarget(gid: string): { session: BackendSession; id: JsonRpcId } | undefined {
    if (!this.portable) return undefined;
    const m = PORTABLE_ID.exec(gid);
    if (!m) return undefined;
    const session = this.#backends.get(m[1] as string)?.session;
    if (!session) return undefined;
    let id: unknown;
    try {
      id = JSON.parse(Buffer.from(m[2] as string, "base64url").toString("utf8"));
    } catch {
      return undefined;
    }
    return typeof id === "string" || typeof id === "number" ? { session, id } : undefined;
  }

  /** A request of the gateway's own to the client (e.g. a composite tool's elicitation), written
   * with `write` (the calling request's SSE stream). Resolves with the client's whole JSON-RPC
   * answer; on abort the client is told with notifications/cancelled. */
  requestClient(
    method: string,
    params: Record<string, unknown>,
    write: (data: string) => void,
    signal: AbortSignal,
  ): Promise<Record<string, unknown>> {
    const gid = `vmcp-${++this.#seq}`;
    return new Promise((resolve, reject) => {
      if (signal.aborted) {
        reject(signal.reason ?? new Error("aborted"));
        return;
      }
      const onAbort = () => {
        this.#local.delete(gid);
        write(
          JSON.stringify({
            jsonrpc: "2.0",
            method: "notifications/cancelled",
            params: { requestId: gid, reason: "the tool call was cancelled" },
          }),
        );
        reject(signal.reason ?? new Error("aborted"));
      };
      signal.addEventListener("abort", onAbort, { once: true });
      this.#local.set(gid, (answer) => {
        signal.removeEventListener("abort", onAbort);
        resolve(answer);
      });
      write(JSON.stringify({ jsonrpc: "2.0", id: gid, method, params }));
    });
  }

  // ---- standalone stream ----------------------------------------------------------------

  attachStream(res: ServerResponse): void {
    this.#stream = res;
    for (const data of this.#buffer) res.write(sseFrame(data));
    this.#buffer = [];
    this.#heartbeat = setInterval(() => res.write(": keepalive\n\n"), 30_000);
    this.#heartbeat.unref();
    res.on("close", () => {
      if (this.#stream === res) {
        this.#stream = undefined;
        clearInterval(this.#heartbeat);
      }
    });
  }

  /** Deliver a message outside any call. Without an open GET stream, a bounded backlog keeps
   * the newest messages for when the client opens one. */
  sendToClient(data: string): void {
    if (this.#stream) {
      this.#stream.write(sseFrame(data));
      return;
    }
    if (this.#buffer.length >= MAX_BUFFERED) this.#buffer.shift();
    this.#buffer.push(data);
  }

  /** `keepBackends`: leave backend sessions open at the backends (this replica lets go of a
   * session other replicas may continue); otherwise they are ended. */
  async close(o: { keepBackends?: boolean } = {}): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.#heartbeat);
    this.#stream?.end();
    this.#stream = undefined;
    for (const c of this.calls.values()) c.controller.abort();
    const sessions = await Promise.allSettled([...this.#backends.values()].map((slot) => slot.promise));
    this.#backends.clear();
    await Promise.allSettled(
      sessions.map((r) => {
        if (r.status !== "fulfilled") return undefined;
        const b = r.value;
        if (o.keepBackends && b.detach) return b.detach();
        return b.close();
      }),
    );
    this.#log.debug({ session: this.id }, "client session closed");
  }
}
