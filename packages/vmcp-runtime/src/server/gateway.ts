import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { BackendStateTracker } from "../backends/state.ts";
import type { OutgoingAuth } from "../backends/types.ts";
import { type Logger, silentLogger } from "../logger.ts";
import { Metrics } from "../metrics.ts";
import type { BackendRegistry } from "../registry/registry.ts";
import type { BackendSpec } from "../registry/types.ts";
import { computeStatus } from "../status/compute.ts";
import type { BackendStatus, RuntimeStatus, StatusReporter } from "../status/types.ts";
import { Catalog } from "./catalog.ts";
import { CompositeCatalog } from "./composite-host.ts";
import { createRouter } from "./http.ts";
import { McpHandler } from "./mcp.ts";
import { SessionStore } from "./sessions.ts";
import type { AggregateFn, IncomingAuth } from "./types.ts";

export interface GatewayOptions {
  name: string;
  version?: string;
  instructions?: string;
  registry: BackendRegistry;
  aggregate: AggregateFn;
  outgoingAuth: (spec: BackendSpec) => OutgoingAuth;
  /** Incoming auth, or a factory given the listening base URL (http://host:port) once bound,
   * which is what the OAuth protected-resource metadata must name when the port is 0. */
  incomingAuth?: IncomingAuth | ((baseUrl: string) => IncomingAuth | undefined);
  passthroughHeaders?: string[];
  partialFailureMode?: "fail" | "best_effort";
  sessionTtlMs?: number;
  maxSessions?: number;
  maxBodyBytes?: number;
  /** Largest answer accepted from a backend: a JSON body, or one event of an SSE answer. */
  maxBackendAnswerBytes?: number;
  log?: Logger;
  metrics?: Metrics;
  statusReporter?: StatusReporter;
  /** "static" (config backends) or "dynamic" (Kubernetes discovery), for /readyz. */
  mode?: string;
  /** Backoff for re-listing failed backends (tests shorten it). */
  retry?: { initialMs: number; maxMs: number };
  /** config.compositeTools (the operator has already merged compositeToolRefs into it). */
  compositeTools?: readonly unknown[];
}

export const DEFAULT_MAX_BODY_BYTES = 8 * 1024 * 1024;
export const DEFAULT_SESSION_TTL_MS = 30 * 60 * 1000;
export const DEFAULT_MAX_SESSIONS = 1000;

/** The runtime pipeline: registry -> catalog (control sessions, aggregation) -> /mcp sessions,
 * plus the backend state tracker and status reporter observing both. */
export class Gateway {
  readonly catalog: Catalog;
  readonly state = new BackendStateTracker();
  readonly metrics: Metrics;
  readonly sessions: SessionStore;
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

  constructor(o: GatewayOptions) {
    this.#o = o;
    this.#log = o.log ?? silentLogger();
    if (typeof o.incomingAuth !== "function") this.#incoming = o.incomingAuth;
    this.metrics = o.metrics ?? new Metrics();
    this.catalog = new Catalog({
      registry: o.registry,
      aggregate: o.aggregate,
      outgoingAuth: o.outgoingAuth,
      state: this.state,
      log: this.#log,
      retry: o.retry,
      maxBackendAnswerBytes: o.maxBackendAnswerBytes,
    });
    this.sessions = new SessionStore({
      ttlMs: o.sessionTtlMs ?? DEFAULT_SESSION_TTL_MS,
      maxSessions: o.maxSessions ?? DEFAULT_MAX_SESSIONS,
      onClosed: () => this.metrics.sessions.set(this.sessions.size),
    });
    if (o.compositeTools && o.compositeTools.length > 0)
      this.#composite = new CompositeCatalog(o.compositeTools, this.catalog, this.#log);
    this.#mcp = new McpHandler({
      name: o.name,
      version: o.version ?? "0.1.0",
      instructions: () => this.catalog.instructions(o.instructions),
      catalog: this.catalog,
      sessions: this.sessions,
      state: this.state,
      metrics: this.metrics,
      log: this.#log,
      maxBodyBytes: o.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES,
      incomingAuth: () => this.#incoming,
      passthroughHeaders: (o.passthroughHeaders ?? []).map((h) => h.toLowerCase()),
      partialFailureMode: o.partialFailureMode ?? "fail",
      onBackendListChanged: (backend) => this.#debouncedRefresh(backend),
      composite: this.#composite,
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
    this.state.onChange((name, s) => {
      this.metrics.backendUp.labels(name).set(s.health === "healthy" ? 1 : 0);
      this.#queueStatus();
    });
    this.server = createServer(
      { keepAliveTimeout: 120_000, headersTimeout: 10_000, requestTimeout: 0, maxHeaderSize: 1024 * 1024 },
      createRouter({
        mcp: this.#mcp,
        metrics: this.metrics,
        status: () => this.status(),
        ready: () => this.catalog.ready,
        incomingAuth: () => this.#incoming,
        mode: o.mode ?? "static",
      }),
    );
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

  #queueStatus(): void {
    if (this.#statusQueued || !this.#o.statusReporter) return;
    this.#statusQueued = true;
    setImmediate(() => {
      this.#statusQueued = false;
      try {
        this.#o.statusReporter?.report(this.status());
      } catch (err) {
        this.#log.warn({ err: String(err) }, "status reporter failed");
      }
    });
  }

  status(): RuntimeStatus {
    const view = this.catalog.view;
    const count = (backend: string) => ({
      toolCount: view.tools.filter((t) => view.toolRoutes.get(t.name)?.backend === backend).length,
      resourceCount: view.resources.filter((r) => view.resourceRoutes.get(r.uri) === backend).length,
      promptCount: view.prompts.filter((p) => view.promptRoutes.get(p.name)?.backend === backend).length,
    });
    const backends: BackendStatus[] = this.#o.registry.list().map((spec) => {
      const st = this.state.get(spec.name);
      const entry = this.catalog.entry(spec.name);
      const b: BackendStatus = {
        name: spec.name,
        url: spec.url,
        transport: spec.transport,
        authType: spec.authType,
        health: st.health,
        ...count(spec.name),
      };
      if (st.message) b.message = st.message;
      if (st.lastTransition) b.lastTransitionTime = new Date(st.lastTransition).toISOString();
      if (st.lastCheck) b.lastCheckTime = new Date(st.lastCheck).toISOString();
      if (entry?.listing?.protocolVersion) b.protocolVersion = entry.listing.protocolVersion;
      const circuit = this.state.verdicts?.circuitState(spec.name);
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
      aggregationError: this.catalog.aggregationError,
      aggregationWarnings: view.warnings,
    });
  }

  /** Listen first (so /health answers during discovery), then discover and list backends. */
  async start(host = "127.0.0.1", port = 4483): Promise<{ url: string; port: number }> {
    await this.#o.statusReporter?.start();
    await new Promise<void>((resolve, reject) => {
      this.server.once("error", reject);
      this.server.listen(port, host, () => {
        this.server.off("error", reject);
        resolve();
      });
    });
    const addr = this.server.address() as AddressInfo;
    const wildcard = addr.address === "0.0.0.0" || addr.address === "::";
    const h = wildcard ? "localhost" : addr.family === "IPv6" ? `[${addr.address}]` : addr.address;
    if (typeof this.#o.incomingAuth === "function")
      this.#incoming = this.#o.incomingAuth(`http://${h}:${addr.port}`);
    await this.catalog.start();
    this.#queueStatus();
    return { url: `http://${h}:${addr.port}/mcp`, port: addr.port };
  }

  async close(): Promise<void> {
    for (const t of this.#listChangedTimers.values()) clearTimeout(t);
    await this.sessions.closeAll();
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
    await this.catalog.close();
    await this.#o.statusReporter?.stop();
  }
}
