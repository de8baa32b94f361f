import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { redact } from "@vmcp/shared-types";
import type { Auditor } from "../audit/sink.ts";
import type { Authorizer } from "../authz/cedar.ts";
import type { Identity } from "../backends/types.ts";
import type { RuntimeHealth } from "../health/types.ts";
import { type Logger, silentLogger } from "../logger.ts";
import { Metrics } from "../metrics.ts";
import type { BackendSpec } from "../registry/types.ts";
import type { SessionKeys } from "../sessions/keys.ts";
import type { SessionState } from "../sessions/token.ts";
import { computeStatus } from "../status/compute.ts";
import type { BackendStatus, RuntimeStatus } from "../status/types.ts";
import { cachedCounter, NO_COUNTS } from "../status/view-counts.ts";
import { BodyBudget } from "./body.ts";
import type { Catalog } from "./catalog.ts";
import { CompositeCatalog } from "./composite-host.ts";
import { createRouter } from "./http.ts";
import { McpHandler } from "./mcp.ts";
import { type OriginPolicy, originPolicy } from "./origin.ts";
import { RedisSessionMap, type SessionKv } from "./redis-sessions.ts";
import { ClientSession } from "./session.ts";
import { type SessionMap, SessionStore } from "./sessions.ts";
import { TokenSessionMap } from "./token-sessions.ts";
import type { IncomingAuth } from "./types.ts";

export interface GatewayOptions {
  name: string;
  version?: string;
  instructions?: string;
  /** The aggregate this gateway serves (built before it: see runtime/stages.ts). */
  catalog: Catalog;
  /** The health stage's view (routing, withdrawn backends, /status) and where calls report. */
  health: RuntimeHealth;
  /** Incoming auth, or a factory given the listening base URL (http://host:port) once bound,
   * which is what the OAuth protected-resource metadata must name when the port is 0. */
  incomingAuth?: IncomingAuth | ((baseUrl: string) => IncomingAuth | undefined);
  passthroughHeaders?: string[];
  /** Browser origins allowed besides the gateway's own. */
  allowedOrigins?: readonly string[];
  /** The base URL clients use (scheme://host:port), when it is not the listening address. */
  publicUrl?: string;
  partialFailureMode?: "fail" | "best_effort";
  sessionTtlMs?: number;
  maxSessions?: number;
  maxSessionsPerCaller?: number;
  /** Session keys (current first): session ids become sealed tokens any replica holding the
   * same keys can continue. Unset: sessions live in this process only. */
  sessionKeys?: SessionKeys;
  /** Shared session storage (Redis): session state lives there under random ids; wins over sessionKeys. */
  sessionKv?: SessionKv;
  /** Prefix of the storage keys; default `vmcp:session:<name>:`. */
  sessionKeyPrefix?: string;
  /** Oldest token-carrying session id accepted (default 24 h). */
  sessionMaxAgeMs?: number;
  maxBodyBytes?: number;
  /** Bytes of request bodies held at once, all clients together. */
  maxInflightBodyBytes?: number;
  maxJsonDepth?: number;
  headersTimeoutMs?: number;
  /** Time for the whole request (headers and body) to arrive. */
  requestTimeoutMs?: number;
  log?: Logger;
  metrics?: Metrics;
  /** "static" (config backends) or "dynamic" (Kubernetes discovery), for /readyz. */
  mode?: string;
  /** config.compositeTools (the operator has already merged compositeToolRefs into it). */
  compositeTools?: readonly unknown[];
  /** Cedar authorization (incomingAuth.authz); undefined means every caller may do everything. */
  authz?: Authorizer;
  /** config.audit; undefined means no audit events. */
  audit?: Auditor;
  /** Items per page of the list methods; undefined answers every list whole. */
  listPageSize?: number;
}

export const DEFAULT_MAX_BODY_BYTES = 8 * 1024 * 1024;
export const DEFAULT_SESSION_TTL_MS = 30 * 60 * 1000;
export const DEFAULT_MAX_SESSIONS = 1000;
export const DEFAULT_MAX_SESSIONS_PER_CALLER = 100;
export const DEFAULT_MAX_INFLIGHT_BODY_BYTES = 64 * 1024 * 1024;
export const DEFAULT_MAX_JSON_DEPTH = 64;
export const DEFAULT_HEADERS_TIMEOUT_MS = 10_000;
export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;

/** The gateway stage: the catalog served on /mcp (client sessions), plus /health, /readyz,
 * /metrics and /status. It publishes one runtime snapshot (`status()`, `onStatus`) that the
 * status reporters subscribe to. */
export class Gateway {
  readonly catalog: Catalog;
  readonly health: RuntimeHealth;
  readonly metrics: Metrics;
  readonly sessions: SessionMap;
  readonly server: Server;
  #o: GatewayOptions;
  #log: Logger;
  #mcp: McpHandler;
  #incoming: IncomingAuth | undefined;
  #statusQueued = false;
  #listChangedTimers = new Map<string, NodeJS.Timeout>();
  #composite: CompositeCatalog | undefined;
  #compositeNames = "";
  #toolsAnnouncedFor: unknown;
  #origin: OriginPolicy | undefined;
  #draining = false;
  #counts = cachedCounter();
  #status: { inputs: unknown[]; snapshot: RuntimeStatus } | undefined;
  #statusListeners = new Set<(s: RuntimeStatus) => void>();

  constructor(o: GatewayOptions) {
    this.#o = o;
    this.#log = o.log ?? silentLogger();
    if (typeof o.incomingAuth !== "function") this.#incoming = o.incomingAuth;
    this.metrics = o.metrics ?? new Metrics();
    this.catalog = o.catalog;
    this.health = o.health;
    const store = new SessionStore({
      ttlMs: o.sessionTtlMs ?? DEFAULT_SESSION_TTL_MS,
      maxSessions: o.maxSessions ?? DEFAULT_MAX_SESSIONS,
      maxPerCaller: o.maxSessionsPerCaller ?? DEFAULT_MAX_SESSIONS_PER_CALLER,
      onClosed: () => this.metrics.sessions.set(this.sessions.size),
      portable: o.sessionKeys !== undefined || o.sessionKv !== undefined,
    });
    this.sessions = o.sessionKv
      ? this.#redisSessions(store, o.sessionKv)
      : o.sessionKeys
        ? this.#tokenSessions(store, o.sessionKeys)
        : store;
    if (o.compositeTools && o.compositeTools.length > 0)
      this.#composite = new CompositeCatalog(o.compositeTools, this.catalog, this.#log);
    const maxBytes = o.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
    this.#mcp = new McpHandler({
      name: o.name,
      version: o.version ?? "0.1.0",
      instructions: () => this.catalog.instructions(o.instructions),
      catalog: this.catalog,
      sessions: this.sessions,
      health: this.health,
      metrics: this.metrics,
      log: this.#log,
      body: {
        maxBytes,
        maxDepth: o.maxJsonDepth ?? DEFAULT_MAX_JSON_DEPTH,
        // A single body at the cap must always fit.
        budget: new BodyBudget(Math.max(maxBytes, o.maxInflightBodyBytes ?? DEFAULT_MAX_INFLIGHT_BODY_BYTES)),
      },
      maxSessionsPerCaller: o.maxSessionsPerCaller ?? DEFAULT_MAX_SESSIONS_PER_CALLER,
      incomingAuth: () => this.#incoming,
      passthroughHeaders: (o.passthroughHeaders ?? []).map((h) => h.toLowerCase()),
      partialFailureMode: o.partialFailureMode ?? "fail",
      onBackendListChanged: (backend) => this.#debouncedRefresh(backend),
      composite: this.#composite,
      authz: o.authz,
      audit: o.audit,
      accepting: () => !this.#draining,
      listPageSize: o.listPageSize,
    });
    this.catalog.onListChanged((kinds) => {
      if (kinds.includes("tools")) this.#toolsAnnouncedFor = this.catalog.view;
      this.#mcp.broadcastListChanged(kinds);
    });
    // Composite tools are re-validated against every new aggregate; one that becomes valid (or
    // invalid) through a hidden tool changes tools/list without changing view.tools.
    if (this.#composite) this.catalog.onUpdated(() => this.#compositeChanged());
    this.catalog.onBackendRemoved((name) => {
      for (const s of this.sessions.all()) s.removeBackend(name);
    });
    this.catalog.onUpdated(() => this.#queueStatus());
    this.health.on("change", (name, s) => {
      this.metrics.backendUp.labels(name).set(s.health === "healthy" ? 1 : 0);
      this.#queueStatus();
    });
    const headersTimeoutMs = o.headersTimeoutMs ?? DEFAULT_HEADERS_TIMEOUT_MS;
    const requestTimeoutMs = o.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
    this.server = createServer(
      {
        keepAliveTimeout: 120_000,
        // Node refuses a headers timeout longer than the request timeout.
        headersTimeout: Math.min(headersTimeoutMs, requestTimeoutMs),
        requestTimeout: requestTimeoutMs,
        // Timeouts are enforced by a periodic sweep (30 s by default), which would let a stalled
        // client hold its connection far past the configured limit.
        connectionsCheckingInterval: Math.max(100, Math.min(1000, Math.floor(requestTimeoutMs / 4))),
        maxHeaderSize: 1024 * 1024,
      },
      createRouter({
        mcp: this.#mcp,
        metrics: this.metrics,
        status: () => this.status(),
        ready: () => this.catalog.ready,
        draining: () => this.#draining,
        incomingAuth: () => this.#incoming,
        mode: o.mode ?? "static",
        origin: () => this.#origin,
        passthroughHeaders: o.passthroughHeaders ?? [],
      }),
    );
  }

  /** What the token and Redis maps share: how a session another replica created is rebuilt here. */
  #portable() {
    return {
      log: this.#log,
      eagerBackends: () =>
        this.catalog
          .entries()
          .filter((e) => e.spec.transport === "streamable-http" && this.health.routable(e.spec.name))
          .map((e) => e.spec.name),
      rebuild: (id: string, state: SessionState, identity: Identity | undefined) =>
        new ClientSession({
          id,
          protocolVersion: state.protocolVersion,
          clientCapabilities: state.clientCapabilities,
          clientInfo: state.clientInfo,
          identity,
          catalog: this.catalog,
          log: this.#log,
          onBackendListChanged: (backend) => this.#debouncedRefresh(backend),
        }),
      onResumed: () => {
        this.metrics.sessionResumes.inc();
        this.metrics.sessions.set(this.sessions.size);
      },
      onRefused: (reason: string) => this.metrics.sessionRefusals.labels(reason).inc(),
    };
  }

  #tokenSessions(store: SessionStore, keys: SessionKeys): TokenSessionMap {
    return new TokenSessionMap({ ...this.#portable(), keys, store, maxAgeMs: this.#o.sessionMaxAgeMs });
  }

  #redisSessions(store: SessionStore, kv: SessionKv): RedisSessionMap {
    return new RedisSessionMap({
      ...this.#portable(),
      kv,
      store,
      keyPrefix: this.#o.sessionKeyPrefix ?? `vmcp:session:${this.#o.name}:`,
      ttlMs: this.#o.sessionTtlMs ?? DEFAULT_SESSION_TTL_MS,
    });
  }

  /** Client sessions and the control session may both report a backend's list_changed. */
  #debouncedRefresh(backend: string): void {
    if (this.#listChangedTimers.has(backend)) return;
    const t = setTimeout(() => {
      this.#listChangedTimers.delete(backend);
      void this.catalog.refresh(backend);
    }, 50);
    t.unref();
    this.#listChangedTimers.set(backend, t);
  }

  #compositeChanged(): void {
    const view = this.catalog.view;
    const names = [...(this.#composite as CompositeCatalog).forView(view).names].join("\n");
    if (names === this.#compositeNames) return;
    this.#compositeNames = names;
    if (this.#toolsAnnouncedFor !== view && this.catalog.ready) this.#mcp.broadcastListChanged(["tools"]);
  }

  /** Called with a fresh snapshot whenever anything in it may have changed (coalesced per turn). */
  onStatus(l: (s: RuntimeStatus) => void): () => void {
    this.#statusListeners.add(l);
    return () => this.#statusListeners.delete(l);
  }

  #queueStatus(): void {
    if (this.#statusQueued || this.#statusListeners.size === 0) return;
    this.#statusQueued = true;
    setImmediate(() => {
      this.#statusQueued = false;
      const snapshot = this.status();
      for (const l of this.#statusListeners) {
        try {
          l(snapshot);
        } catch (err) {
          this.#log.warn({ err: String(err) }, "status reporter failed");
        }
      }
    });
  }

  /** One frozen snapshot while nothing it is made of changed, a new object as soon as anything
   * did: /status serves its JSON bytes until then. */
  status(): RuntimeStatus {
    const specs = this.catalog.specs();
    const inputs = this.#statusInputs(specs);
    const last = this.#status;
    if (last && last.inputs.length === inputs.length && last.inputs.every((v, i) => v === inputs[i]))
      return last.snapshot;
    const snapshot = Object.freeze(this.#computeStatus(specs));
    this.#status = { inputs, snapshot };
    return snapshot;
  }

  /** Everything #computeStatus reads, by identity or value. Health records are updated in place
   * (a check moves lastCheck without a change event), so their fields are compared, not the
   * record; the view and specs are replaced, never mutated. */
  #statusInputs(specs: readonly BackendSpec[]): unknown[] {
    const c = this.catalog;
    const inputs: unknown[] = [c.view, c.ready, c.aggregationError];
    for (const spec of specs) {
      const st = this.health.get(spec.name);
      inputs.push(
        spec,
        st.health,
        st.message,
        st.lastTransition,
        st.lastCheck,
        this.health.circuitState(spec.name),
        c.entry(spec.name)?.listing?.protocolVersion,
      );
    }
    return inputs;
  }

  #computeStatus(specs: readonly BackendSpec[]): RuntimeStatus {
    const view = this.catalog.view;
    // Counted once per view: status() runs on every state change, reporter flush and /status.
    const counts = this.#counts(view);
    const backends: BackendStatus[] = specs.map((spec) => {
      const st = this.health.get(spec.name);
      const entry = this.catalog.entry(spec.name);
      const b: BackendStatus = {
        name: spec.name,
        url: spec.url,
        transport: spec.transport,
        authType: spec.authType,
        health: st.health,
        ...(counts.get(spec.name) ?? NO_COUNTS),
      };
      if (st.message) b.message = redact(st.message);
      if (st.lastTransition) b.lastTransitionTime = new Date(st.lastTransition).toISOString();
      if (st.lastCheck) b.lastCheckTime = new Date(st.lastCheck).toISOString();
      if (entry?.listing?.protocolVersion) b.protocolVersion = entry.listing.protocolVersion;
      const circuit = this.health.circuitState(spec.name);
      if (circuit) b.circuitState = circuit;
      return b;
    });
    const composite = this.#composite?.forView(view);
    return computeStatus({
      ready: this.catalog.ready,
      backends,
      toolCount: view.tools.length,
      compositeToolCount: composite?.names.size ?? 0,
      compositeToolProblems: composite?.problems ?? [],
      resourceCount: view.resources.length,
      promptCount: view.prompts.length,
      aggregationError: this.catalog.aggregationError && redact(this.catalog.aggregationError),
      aggregationWarnings: view.warnings,
    });
  }

  /** Listen first (so /health answers during discovery), then discover and list backends. */
  async start(host = "127.0.0.1", port = 4483): Promise<{ url: string; port: number }> {
    await new Promise<void>((resolve, reject) => {
      this.server.once("error", reject);
      this.server.listen(port, host, () => {
        this.server.off("error", reject);
        resolve();
      });
    });
    const addr = this.server.address() as AddressInfo;
    this.#origin = originPolicy({
      address: addr.address,
      port: addr.port,
      publicUrl: this.#o.publicUrl,
      allowedOrigins: this.#o.allowedOrigins,
    });
    const wildcard = addr.address === "0.0.0.0" || addr.address === "::";
    const h = wildcard ? "localhost" : addr.family === "IPv6" ? `[${addr.address}]` : addr.address;
    if (typeof this.#o.incomingAuth === "function")
      this.#incoming = this.#o.incomingAuth(`http://${h}:${addr.port}`);
    await this.catalog.start();
    this.#queueStatus();
    return { url: `http://${h}:${addr.port}/mcp`, port: addr.port };
  }

  /** Graceful stop (SIGTERM): readiness fails at once so the Service sends no new connections,
   * new sessions are refused (existing ones are still served). For `delayMs` the listener stays
   * open whatever is in flight: connections kube-proxy still routes here are answered, each with
   * `Connection: close`, which moves keep-alive clients to another replica before the socket goes.
   * Then calls in flight get up to `graceMs` to finish, SSE streams end (clients reconnect, through
   * the Service, to another replica) and the server closes. */
  async drain(graceMs: number, delayMs = 0): Promise<void> {
    this.#draining = true;
    if (delayMs > 0) await new Promise((r) => setTimeout(r, delayMs));
    const deadline = Date.now() + graceMs;
    while (Date.now() < deadline && this.#inflight() > 0) await new Promise((r) => setTimeout(r, 50));
    await this.close();
  }

  get draining(): boolean {
    return this.#draining;
  }

  #inflight(): number {
    let n = 0;
    for (const s of this.sessions.all()) n += s.inflight;
    return n;
  }

  async close(): Promise<void> {
    this.#draining = true;
    for (const t of this.#listChangedTimers.values()) clearTimeout(t);
    await this.sessions.closeAll();
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
    await this.catalog.close();
    await this.#o.audit?.close();
  }
}
