import { randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { LATEST_PROTOCOL_VERSION, SUPPORTED_PROTOCOL_VERSIONS } from "@modelcontextprotocol/sdk/types.js";
import { redact } from "@vmcp/shared-types";
import type { AuditDecision } from "../audit/events.ts";
import type { Auditor } from "../audit/sink.ts";
import { ANONYMOUS_IDENTITY } from "../auth/identity.ts";
import type { Authorizer } from "../authz/cedar.ts";
import { ListFilter } from "../authz/filter.ts";
import { AUTHZ_DENIED_CODE, denialMessage, gate, stepDenial } from "../authz/gate.ts";
import { CallCancel } from "../backends/cancel.ts";
import type { BackendStateTracker } from "../backends/state.ts";
import { type Identity, isSessionGone } from "../backends/types.ts";
import type { Logger } from "../logger.ts";
import type { CallOutcome, Metrics } from "../metrics.ts";
import {
  classify,
  ErrorCodes,
  errorResponse,
  isObject,
  type JsonRpcId,
  type JsonRpcNotification,
  type JsonRpcRequest,
  type JsonRpcResponse,
  resultResponse,
} from "../protocol/jsonrpc.ts";
import { requestInfo, telemetry } from "../telemetry/hooks.ts";
import { attribute } from "./attribution.ts";
import { type BodyLimits, readBody } from "./body.ts";
import type { Catalog, ListKind } from "./catalog.ts";
import { runCompositeCall } from "./composite-call.ts";
import type { CompositeCatalog } from "./composite-host.ts";
import { LIST_FIELDS, ListBytes, replyWithResult } from "./list-bytes.ts";
import { renameParam } from "./rename.ts";
import { ClientSession } from "./session.ts";
import { type SessionMap, SessionStorageError } from "./sessions.ts";
import { HttpCallSink, jsonHeaders } from "./sink.ts";
import type { AggregateView, IncomingAuth } from "./types.ts";

export interface McpHandlerOptions {
  name: string;
  version: string;
  /** Evaluated per initialize: backends' instructions come and go with the catalog. */
  instructions: () => string | undefined;
  catalog: Catalog;
  sessions: SessionMap;
  state: BackendStateTracker;
  metrics: Metrics;
  log: Logger;
  body: BodyLimits;
  /** Client sessions one caller identity (anonymous: one remote address) may hold. */
  maxSessionsPerCaller: number;
  incomingAuth: () => IncomingAuth | undefined;
  passthroughHeaders: string[];
  partialFailureMode: "fail" | "best_effort";
  /** A backend's own list_changed seen on a client session. */
  onBackendListChanged: (backend: string) => void;
  /** Composite tools (config.compositeTools), validated per aggregate view. */
  composite?: CompositeCatalog | undefined;
  /** Cedar authorization; undefined when no policies are configured. */
  authz?: Authorizer | undefined;
  /** Items per page of the list methods; undefined answers every list whole. */
  listPageSize?: number | undefined;
  /** config.audit; undefined when auditing is off. */
  audit?: Auditor | undefined;
  /** False while shutting down: new sessions are refused, existing ones are still served. */
  accepting?: () => boolean;
}

const SERVER_CAPABILITIES = {
  tools: { listChanged: true },
  resources: { subscribe: true, listChanged: true },
  prompts: { listChanged: true },
  logging: {},
  completions: {},
};

const JSON_HEADERS = { "content-type": "application/json" };
const LOCAL = "vmcp";

/** Methods that get their own metrics label; anything a client invents is "other" (bounded
 * label cardinality). */
const KNOWN_METHODS = new Set([
  "initialize",
  "ping",
  "tools/list",
  "tools/call",
  "prompts/list",
  "prompts/get",
  "resources/list",
  "resources/templates/list",
  "resources/read",
  "resources/subscribe",
  "resources/unsubscribe",
  "completion/complete",
  "logging/setLevel",
]);
const methodLabel = (m: string): string => (KNOWN_METHODS.has(m) ? m : "other");

/** The /mcp endpoint: a lean Streamable HTTP server. It answers what the aggregate knows
 * (initialize, lists, ping) itself and forwards everything else as raw JSON-RPC to the client's
 * own session with the owning backend, rewriting only tool/prompt names and the ids of
 * server->client requests. */
export class McpHandler {
  #o: McpHandlerOptions;
  #advertised = new WeakMap<AggregateView, { tools: Set<string>; prompts: Set<string> }>();
  #lists: ListFilter | undefined;
  #listBytes: ListBytes;
  /** Who asked and what policy said, for the audit event written when the request finishes. */
  #auditCtx = new WeakMap<JsonRpcRequest, { identity: Identity | undefined; decision: AuditDecision }>();

  constructor(o: McpHandlerOptions) {
    this.#o = o;
    if (o.authz) this.#lists = new ListFilter(o.authz);
    this.#listBytes = new ListBytes(o.listPageSize);
  }

  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      if (req.method === "POST") await this.#post(req, res);
      else if (req.method === "GET") await this.#get(req, res);
      else if (req.method === "DELETE") await this.#delete(req, res);
      else {
        res.writeHead(405, { ...JSON_HEADERS, allow: "GET, POST, DELETE" });
        res.end(errorResponse(null, ErrorCodes.ConnectionClosed, "Method not allowed"));
      }
    } catch (err) {
      this.#o.log.error(
        { err: err instanceof Error ? err.message : String(err) },
        "unexpected error on /mcp",
      );
      if (!res.headersSent) {
        res.writeHead(500, JSON_HEADERS);
        res.end(errorResponse(null, ErrorCodes.InternalError, "Internal error"));
      } else res.end();
    }
  }

  async #authenticate(req: IncomingMessage, res: ServerResponse): Promise<Identity | false | undefined> {
    const auth = this.#o.incomingAuth();
    if (!auth) return undefined;
    const r = await auth.authenticate(req.headers);
    if (r.ok) return r.identity;
    res.writeHead(r.status, { ...JSON_HEADERS, "www-authenticate": r.wwwAuthenticate });
    res.end(errorResponse(null, ErrorCodes.ConnectionClosed, r.error));
    return false;
  }

  /** Synchronous unless the session map reads shared storage: most requests never wait here. */
  #session(
    req: IncomingMessage,
    res: ServerResponse,
    identity: Identity | undefined,
  ): ClientSession | undefined | Promise<ClientSession | undefined> {
    const sid = req.headers["mcp-session-id"];
    if (typeof sid !== "string" || sid === "") {
      reply(
        res,
        400,
        errorResponse(null, ErrorCodes.ConnectionClosed, "Bad Request: Mcp-Session-Id header is required"),
      );
      return undefined;
    }
    const found = this.#o.sessions.get(sid, identity);
    if (found instanceof Promise)
      return found.then(
        (s) => this.#bound(res, s, identity),
        (err: unknown) => {
          storageUnavailable(res, null, err, this.#o.log);
          return undefined;
        },
      );
    return this.#bound(res, found, identity);
  }

  #bound(
    res: ServerResponse,
    s: ClientSession | undefined,
    identity: Identity | undefined,
  ): ClientSession | undefined {
    // A session is bound to the identity that created it; another caller cannot ride on it.
    if (
      !s ||
      (identity &&
        s.identity &&
        (s.identity.subject !== identity.subject || s.identity.issuer !== identity.issuer))
    ) {
      reply(res, 404, errorResponse(null, ErrorCodes.SessionNotFound, "Session not found"));
      return undefined;
    }
    if (identity) s.identity = identity;
    return s;
  }

  async #post(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const startNs = process.hrtime.bigint();
    // No await at all when auth is off: this is the hot path.
    const identity = this.#o.incomingAuth() ? await this.#authenticate(req, res) : undefined;
    if (identity === false) return;
    const ct = req.headers["content-type"];
    if (ct !== undefined && !ct.includes("application/json")) {
      req.resume();
      reply(
        res,
        415,
        errorResponse(
          null,
          ErrorCodes.InvalidRequest,
          "Unsupported Media Type: Content-Type must be application/json",
        ),
      );
      return;
    }
    const read = await readBody(req, res, this.#o.body);
    if (!read.ok) {
      if (read.reason !== "gone") this.#refuseBody(req, res, read.reason, read.drain);
      return;
    }
    const body = read.body;
    let value: unknown;
    try {
      value = JSON.parse(body);
    } catch {
      reply(res, 400, errorResponse(null, ErrorCodes.ParseError, "Parse error: body is not valid JSON"));
      return;
    }
    if (Array.isArray(value)) {
      reply(
        res,
        400,
        errorResponse(null, ErrorCodes.InvalidRequest, "Invalid Request: JSON-RPC batches are not supported"),
      );
      return;
    }
    const c = classify(value);
    if (c.kind === "invalid") {
      reply(res, 400, errorResponse(c.id, ErrorCodes.InvalidRequest, `Invalid Request: ${c.reason}`));
      return;
    }
    if (c.kind === "request" && c.msg.method === "initialize") {
      await this.#initialize(c.msg, req, res, identity, startNs);
      return;
    }
    const pv = req.headers["mcp-protocol-version"];
    if (typeof pv === "string" && !SUPPORTED_PROTOCOL_VERSIONS.includes(pv)) {
      reply(
        res,
        400,
        errorResponse(null, ErrorCodes.ConnectionClosed, `Bad Request: Unsupported protocol version ${pv}`),
      );
      return;
    }
    const got = this.#session(req, res, identity);
    const s = got instanceof Promise ? await got : got;
    if (!s) return;
    if (this.#o.passthroughHeaders.length > 0) s.passthrough = pickHeaders(req, this.#o.passthroughHeaders);
    if (c.kind === "request") {
      const msg = c.msg;
      await (telemetry.on
        ? telemetry.serve(req.headers, requestInfo(msg.method, msg.params, msg.id, s.id), () =>
            this.#request(s, msg, body, res, startNs),
          )
        : this.#request(s, msg, body, res, startNs));
    } else if (c.kind === "notification") {
      res.writeHead(202).end();
      this.#notification(s, c.msg, body);
    } else {
      res.writeHead(202).end();
      await this.#response(s, c.msg);
    }
  }

  #refuseBody(
    req: IncomingMessage,
    res: ServerResponse,
    reason: "too-large" | "busy" | "too-deep",
    drain: boolean,
  ): void {
    const l = this.#o.body;
    let status = 413;
    let body = errorResponse(null, ErrorCodes.InvalidRequest, `Request body larger than ${l.maxBytes} bytes`);
    if (reason === "too-deep") {
      status = 400;
      body = errorResponse(
        null,
        ErrorCodes.InvalidRequest,
        `Invalid Request: JSON nested deeper than ${l.maxDepth} levels (operational.incoming.maxJsonDepth)`,
      );
    } else if (reason === "busy") {
      status = 503;
      res.setHeader("retry-after", "1");
      body = errorResponse(
        null,
        ErrorCodes.ConnectionClosed,
        "Server busy: too many request bodies in flight; retry shortly",
      );
    }
    if (!drain) {
      res.setHeader("connection", "close");
      reply(res, status, body);
      return;
    }
    // The whole answer goes out now (Content-Length tells the client it is complete); ending it
    // waits for the rest of the body, which readBody reads and drops.
    res.writeHead(status, jsonHeaders(body));
    res.write(body);
    if (req.complete) res.end();
    else {
      req.once("end", () => res.end());
      req.once("close", () => res.end());
    }
  }

  async #initialize(
    msg: JsonRpcRequest,
    req: IncomingMessage,
    res: ServerResponse,
    identity: Identity | undefined,
    startNs: bigint,
  ): Promise<void> {
    if (this.#o.accepting && !this.#o.accepting()) {
      res.setHeader("retry-after", "1");
      reply(
        res,
        503,
        errorResponse(
          msg.id,
          ErrorCodes.ConnectionClosed,
          "Server shutting down; retry (another replica answers)",
        ),
      );
      return;
    }
    const p = msg.params ?? {};
    const requested = typeof p.protocolVersion === "string" ? p.protocolVersion : "";
    // Spec: answer with the requested version if supported, otherwise with our latest.
    const version = SUPPORTED_PROTOCOL_VERSIONS.includes(requested) ? requested : LATEST_PROTOCOL_VERSION;
    const session = new ClientSession({
      id: randomUUID(),
      protocolVersion: version,
      clientCapabilities: isObject(p.capabilities) ? p.capabilities : {},
      clientInfo: isObject(p.clientInfo) ? p.clientInfo : { name: "unknown", version: "0" },
      identity,
      catalog: this.#o.catalog,
      log: this.#o.log,
      onBackendListChanged: this.#o.onBackendListChanged,
    });
    let issued: string | undefined;
    try {
      issued = this.#o.sessions.issue ? await this.#o.sessions.issue(session) : undefined;
    } catch (err) {
      storageUnavailable(res, msg.id, err, this.#o.log);
      return;
    }
    if (issued) {
      reply(res, 400, errorResponse(msg.id, ErrorCodes.InvalidRequest, `Invalid Request: ${issued}`));
      return;
    }
    const added = this.#o.sessions.add(session, callerKey(identity, req));
    if (added !== "added") void session.close();
    if (added === "caller-full") {
      reply(
        res,
        429,
        errorResponse(
          msg.id,
          ErrorCodes.ConnectionClosed,
          `Too many sessions for this caller (limit ${this.#o.maxSessionsPerCaller}): end unused sessions with DELETE, or wait until idle ones expire`,
        ),
      );
      return;
    }
    if (added === "full") {
      reply(res, 503, errorResponse(msg.id, ErrorCodes.InternalError, "Too many sessions; try again later"));
      return;
    }
    this.#o.metrics.sessions.set(this.#o.sessions.size);
    const result: Record<string, unknown> = {
      protocolVersion: version,
      capabilities: SERVER_CAPABILITIES,
      serverInfo: { name: this.#o.name, version: this.#o.version },
    };
    const instructions = this.#o.instructions();
    if (instructions) result.instructions = instructions;
    res.writeHead(200, { ...JSON_HEADERS, "mcp-session-id": session.id });
    res.end(resultResponse(msg.id, result));
    if (this.#o.audit) this.#auditCtx.set(msg, { identity, decision: "unchecked" });
    this.#observe(LOCAL, msg, "initialize", "ok", startNs);
  }

  /** Metrics for every answered request, and with --debug one log line: what was asked, of
   * whom, how long it took and how it ended. Never arguments: they are the caller's data. */
  #observe(backend: string, msg: JsonRpcRequest, label: string, outcome: CallOutcome, startNs: bigint): void {
    if (telemetry.on) telemetry.outcome(outcome);
    this.#o.metrics.observe(backend, label, outcome, startNs);
    if (this.#o.audit) {
      const ctx = this.#auditCtx.get(msg);
      this.#o.audit.record({
        method: msg.method,
        params: msg.params,
        identity: ctx?.identity,
        backend,
        decision: ctx?.decision ?? "unchecked",
        outcome,
        durationMs: Number(process.hrtime.bigint() - startNs) / 1e6,
        time: new Date(),
      });
    }
    if (!this.#o.log.isLevelEnabled("debug")) return;
    const name = msg.params?.name;
    const line: Record<string, unknown> = {
      method: label,
      backend,
      durationMs: Number(process.hrtime.bigint() - startNs) / 1e6,
      outcome,
    };
    if (msg.method === "tools/call" && typeof name === "string") line.tool = name.slice(0, 128);
    this.#o.log.debug(line, "request");
  }

  #names(view: AggregateView): { tools: Set<string>; prompts: Set<string> } {
    let n = this.#advertised.get(view);
    if (!n) {
      n = {
        tools: new Set(view.tools.map((t) => t.name)),
        prompts: new Set(view.prompts.map((p) => p.name)),
      };
      this.#advertised.set(view, n);
    }
    return n;
  }

  /** Not async: a forwarded call's own promise goes back to #post, one async frame and its
   * turns fewer per call. */
  #request(
    s: ClientSession,
    msg: JsonRpcRequest,
    body: string,
    res: ServerResponse,
    startNs: bigint,
  ): Promise<void> | void {
    const view = this.#o.catalog.view;
    const params = msg.params;
    const local = (result: unknown) => {
      reply(res, 200, resultResponse(msg.id, result));
      this.#observe(LOCAL, msg, msg.method, "ok", startNs);
    };
    const refuse = (code: number, message: string) => {
      reply(res, 200, errorResponse(msg.id, code, message));
      this.#observe(LOCAL, msg, methodLabel(msg.method), "error", startNs);
    };
    const authz = this.#o.authz;
    const audit = this.#o.audit
      ? { identity: s.identity, decision: "unchecked" as AuditDecision }
      : undefined;
    if (audit) this.#auditCtx.set(msg, audit);
    if (authz) {
      const who = s.identity ?? ANONYMOUS_IDENTITY;
      const g = gate(authz, who, msg.method, params);
      if (g && audit) audit.decision = g.decision.allowed ? "allow" : "deny";
      if (g && !g.decision.allowed) {
        if (g.decision.errors.length > 0)
          this.#o.log.warn({ method: msg.method, errors: g.decision.errors }, "authorization policy errored");
        return refuse(AUTHZ_DENIED_CODE, denialMessage(msg.method, g.target, who));
      }
    }
    switch (msg.method) {
      case "tools/call": {
        const name = params?.name;
        const route =
          typeof name === "string" && this.#names(view).tools.has(name)
            ? view.toolRoutes.get(name)
            : undefined;
        if (!route) {
          // Composite names are looked up only when no backend tool matched: the forward path
          // stays a single Set check.
          const composite = this.#o.composite?.forView(view);
          if (composite && typeof name === "string" && composite.names.has(name))
            return this.#composite(s, msg, name, view, res, startNs);
          const gone = typeof name === "string" ? this.#o.catalog.withdrawnBackend("tools", name) : undefined;
          if (gone) return this.#unavailable(gone, msg, res, startNs);
          return refuse(ErrorCodes.InvalidParams, `Unknown tool: ${String(name)}`);
        }
        const out = route.name === name ? body : renameParam(body, msg, String(name), route.name);
        return this.#forward(s, route.backend, msg, out, res, startNs);
      }
      case "prompts/get": {
        const name = params?.name;
        const route =
          typeof name === "string" && this.#names(view).prompts.has(name)
            ? view.promptRoutes.get(name)
            : undefined;
        if (!route) {
          const gone =
            typeof name === "string" ? this.#o.catalog.withdrawnBackend("prompts", name) : undefined;
          if (gone) return this.#unavailable(gone, msg, res, startNs);
          return refuse(ErrorCodes.InvalidParams, `Unknown prompt: ${String(name)}`);
        }
        const out = route.name === name ? body : renameParam(body, msg, String(name), route.name);
        return this.#forward(s, route.backend, msg, out, res, startNs);
      }
      case "resources/read":
      case "resources/subscribe":
      case "resources/unsubscribe": {
        const uri = params?.uri;
        const backend = typeof uri === "string" ? this.#o.catalog.resourceBackend(uri) : undefined;
        if (!backend || typeof uri !== "string") {
          const gone =
            typeof uri === "string" ? this.#o.catalog.withdrawnBackend("resources", uri) : undefined;
          if (gone) return this.#unavailable(gone, msg, res, startNs);
          return refuse(ErrorCodes.ResourceNotFound, `Resource not found: ${String(uri)}`);
        }
        if (msg.method === "resources/subscribe") s.subscriptions.set(uri, backend);
        if (msg.method === "resources/unsubscribe") s.subscriptions.delete(uri);
        return this.#forward(s, backend, msg, body, res, startNs);
      }
      case "completion/complete": {
        const ref = params?.ref;
        if (!isObject(ref)) return refuse(ErrorCodes.InvalidParams, "completion/complete needs params.ref");
        if (ref.type === "ref/prompt" && typeof ref.name === "string") {
          const route = this.#names(view).prompts.has(ref.name) ? view.promptRoutes.get(ref.name) : undefined;
          if (!route) return refuse(ErrorCodes.InvalidParams, `Unknown prompt: ${ref.name}`);
          const out =
            route.name === ref.name
              ? body
              : JSON.stringify({ ...msg, params: { ...params, ref: { ...ref, name: route.name } } });
          return this.#forward(s, route.backend, msg, out, res, startNs);
        }
        if (ref.type === "ref/resource" && typeof ref.uri === "string") {
          const uri = ref.uri;
          const backend =
            view.resourceTemplates.find((t) => t.uriTemplate === uri)?.backend ??
            this.#o.catalog.resourceBackend(uri);
          if (!backend) return refuse(ErrorCodes.ResourceNotFound, `Resource not found: ${uri}`);
          return this.#forward(s, backend, msg, body, res, startNs);
        }
        return refuse(ErrorCodes.InvalidParams, "completion/complete: unsupported ref");
      }
      case "tools/list":
      case "resources/list":
      case "resources/templates/list":
      case "prompts/list": {
        const failure = this.#listingFailure();
        if (failure) return refuse(ErrorCodes.BackendError, failure);
        const lists = this.#lists;
        const who = s.identity ?? ANONYMOUS_IDENTITY;
        let items: readonly object[];
        if (msg.method === "tools/list") {
          const tools = this.#o.composite ? this.#o.composite.forView(view).advertised : view.tools;
          items = lists ? lists.filter("tool", tools, who) : tools;
        } else if (msg.method === "prompts/list")
          items = lists ? lists.filter("prompt", view.prompts, who) : view.prompts;
        else if (msg.method === "resources/list")
          items = lists ? lists.filter("resource", view.resources, who) : view.resources;
        else items = this.#listBytes.templates(view.resourceTemplates);
        const field = LIST_FIELDS[msg.method] ?? "tools";
        const answer = this.#listBytes.answer(field, items, params?.cursor);
        if (!answer.ok) return refuse(ErrorCodes.InvalidParams, answer.message);
        replyWithResult(res, msg.id, answer.result);
        return this.#observe(LOCAL, msg, msg.method, "ok", startNs);
      }
      case "ping":
        return local({});
      case "logging/setLevel": {
        const level = params?.level;
        if (typeof level !== "string")
          return refuse(ErrorCodes.InvalidParams, "logging/setLevel needs params.level");
        s.logLevel = level;
        // Each backend session of this client gets the level; sessions opened later get it on open.
        return Promise.allSettled(
          s
            .openBackends()
            .filter((b) => b.serverCapabilities.logging)
            .map((b) => b.request("logging/setLevel", { level })),
        ).then(() => local({}));
      }
      case "initialize":
        return refuse(ErrorCodes.InvalidRequest, "Invalid Request: session already initialized");
      default:
        return refuse(ErrorCodes.MethodNotFound, `Method not found: ${msg.method}`);
    }
  }

  #listingFailure(): string | undefined {
    if (this.#o.partialFailureMode !== "fail") return undefined;
    const missing = this.#o.catalog.unlisted();
    if (missing.length === 0) return undefined;
    return redact(
      `capabilities unavailable (partialFailureMode: fail): ${missing
        .map((e) => `backend '${e.spec.name}'${e.lastError ? ` (${e.lastError})` : " (not listed yet)"}`)
        .join(", ")}`,
    );
  }

  /** A backend withdrawn for health (circuit open, unhealthy): fail at once, saying why and when
   * the gateway tries it again, rather than "unknown tool" for a name the client saw listed. */
  #unavailable(backend: string, msg: JsonRpcRequest, res: ServerResponse, startNs: bigint): void {
    const v = this.#o.state.verdicts?.unavailable(backend);
    const why = v ? { ...v, reason: redact(v.reason) } : { reason: "circuit open" };
    const retry = why.retryAfter ? `; retry after ${why.retryAfter}` : "";
    const data: Record<string, string> = { backend, reason: why.reason };
    if (why.retryAfter) data.retryAfter = why.retryAfter;
    new HttpCallSink(res, msg.id).fail(
      ErrorCodes.BackendError,
      `backend '${backend}' is unavailable (${why.reason})${retry}`,
      data,
    );
    this.#observe(backend, msg, methodLabel(msg.method), "unreachable", startNs);
  }

  async #forward(
    s: ClientSession,
    backend: string,
    msg: JsonRpcRequest,
    body: string,
    res: ServerResponse,
    startNs: bigint,
  ): Promise<void> {
    const sink = new HttpCallSink(res, msg.id);
    const state = this.#o.state;
    if (!state.routable(backend)) return this.#unavailable(backend, msg, res, startNs);
    const cancel = new CallCancel();
    const key = msg.id;
    const record = {
      backend,
      controller: cancel,
      session: undefined as undefined | Awaited<ReturnType<ClientSession["backendSession"]>>,
    };
    s.calls.set(key, record);
    s.inflight++;
    // 'close' comes once per response: `on` spares the wrapper `once` builds per call.
    res.on("close", () => {
      if (!sink.done) cancel.abort();
    });
    let outcome: CallOutcome = "ok";
    try {
      // An open backend session is taken as it is: no promise and turn per call.
      let bs = s.openBackend(backend) ?? (await s.backendSession(backend));
      record.session = bs;
      try {
        await bs.forward(msg, body, sink, cancel);
      } catch (err) {
        if (!isSessionGone(err)) throw err;
        // The backend restarted or expired our session; open a new one and retry.
        this.#o.log.info({ backend, session: s.id }, "backend session lost; re-initializing");
        s.dropBackend(backend, bs);
        bs = await s.backendSession(backend);
        record.session = bs;
        await bs.forward(msg, body, sink, cancel);
      }
      if (state.get(backend).health !== "healthy") state.ok(backend);
    } catch (err) {
      const timeoutMs = this.#o.catalog.entry(backend)?.spec.timeoutMs ?? 0;
      const f = attribute(backend, err, timeoutMs);
      outcome = f.outcome;
      if (f.reason === "cancelled") sink.abandon();
      else {
        if (f.scope === "backend") state.failed(backend, f.message);
        sink.fail(f.code, f.message, { backend, scope: f.scope, reason: f.reason });
        this.#o.log.warn(
          { backend, method: msg.method, scope: f.scope, err: f.message },
          "backend call failed",
        );
      }
    } finally {
      s.inflight--;
      s.calls.delete(key);
      this.#observe(backend, msg, msg.method, outcome, startNs);
    }
  }

  /** A composite tool runs here, in the gateway, on the client's own backend sessions. Registered
   * like a forwarded call, so notifications/cancelled and a client disconnect abort the workflow. */
  async #composite(
    s: ClientSession,
    msg: JsonRpcRequest,
    name: string,
    view: AggregateView,
    res: ServerResponse,
    startNs: bigint,
  ): Promise<void> {
    const composites = this.#o.composite as CompositeCatalog;
    const sink = new HttpCallSink(res, msg.id);
    const controller = new AbortController();
    const key = msg.id;
    s.calls.set(key, { backend: LOCAL, controller, session: undefined });
    s.inflight++;
    res.once("close", () => {
      if (!sink.done) controller.abort();
    });
    const params = msg.params ?? {};
    const meta = isObject(params._meta) ? params._meta : undefined;
    const token = meta?.progressToken;
    let outcome: CallOutcome = "ok";
    try {
      const result = await runCompositeCall({
        session: s,
        state: this.#o.state,
        composites,
        compositeState: composites.forView(view),
        view,
        name,
        args: isObject(params.arguments) ? params.arguments : undefined,
        progressToken: typeof token === "string" || typeof token === "number" ? token : undefined,
        sink,
        signal: controller.signal,
        authorizeStep: this.#o.authz
          ? (ref, route, args) =>
              stepDenial(
                this.#o.authz as Authorizer,
                s.identity ?? ANONYMOUS_IDENTITY,
                view,
                ref,
                route,
                args,
              )
          : undefined,
      });
      if (controller.signal.aborted) {
        outcome = "cancelled";
        sink.abandon();
      } else {
        if (result.isError) outcome = "error";
        sink.json(resultResponse(msg.id, result));
      }
    } catch (err) {
      if (controller.signal.aborted) {
        outcome = "cancelled";
        sink.abandon();
      } else {
        outcome = "error";
        const message = err instanceof Error ? err.message : String(err);
        this.#o.log.warn({ tool: name, err: message }, "composite tool failed");
        sink.fail(ErrorCodes.InternalError, `composite tool "${name}": ${message}`);
      }
    } finally {
      s.inflight--;
      s.calls.delete(key);
      this.#observe(LOCAL, msg, "tools/call", outcome, startNs);
    }
  }

  #notification(s: ClientSession, msg: JsonRpcNotification, body: string): void {
    switch (msg.method) {
      case "notifications/cancelled": {
        const rid = msg.params?.requestId;
        if (typeof rid !== "string" && typeof rid !== "number") return;
        const call = s.calls.get(rid);
        if (!call) return;
        // Tell the backend (ids are unchanged on the client->backend path), then stop waiting:
        // a cancelled request gets no answer, so the upstream exchange would otherwise hang.
        const bs = call.session;
        const done = bs ? bs.send(body).catch(() => {}) : Promise.resolve();
        void done.finally(() => call.controller.abort());
        return;
      }
      case "notifications/roots/list_changed":
        for (const b of s.openBackends()) void b.send(body).catch(() => {});
        return;
      default:
        // notifications/initialized and anything else concern the gateway only.
        return;
    }
  }

  async #response(s: ClientSession, msg: JsonRpcResponse): Promise<void> {
    if (msg.id === null) return;
    try {
      const ok = await s.answerServerRequest(msg.id as JsonRpcId, msg as unknown as Record<string, unknown>);
      if (!ok)
        this.#o.log.debug({ session: s.id, id: msg.id }, "answer to an unknown server request dropped");
    } catch (err) {
      this.#o.log.warn(
        { session: s.id, err: err instanceof Error ? err.message : String(err) },
        "could not deliver answer to backend",
      );
    }
  }

  async #get(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const accept = req.headers.accept ?? "";
    if (!accept.includes("text/event-stream")) {
      reply(
        res,
        406,
        errorResponse(
          null,
          ErrorCodes.InvalidRequest,
          "Not Acceptable: Accept must include text/event-stream",
        ),
      );
      return;
    }
    const identity = await this.#authenticate(req, res);
    if (identity === false) return;
    const got = this.#session(req, res, identity);
    const s = got instanceof Promise ? await got : got;
    if (!s) return;
    if (s.hasStream) {
      reply(
        res,
        409,
        errorResponse(
          null,
          ErrorCodes.ConnectionClosed,
          "Conflict: only one SSE stream is allowed per session",
        ),
      );
      return;
    }
    res.writeHead(200, {
      "content-type": "text/event-stream",
      "cache-control": "no-cache",
      connection: "keep-alive",
    });
    res.flushHeaders();
    s.attachStream(res);
  }

  async #delete(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const identity = await this.#authenticate(req, res);
    if (identity === false) return;
    const got = this.#session(req, res, identity);
    const s = got instanceof Promise ? await got : got;
    if (!s) return;
    await this.#o.sessions.delete(s.id);
    this.#o.metrics.sessions.set(this.#o.sessions.size);
    res.writeHead(200).end();
  }

  /** Emit list_changed for the given kinds to every connected client. */
  broadcastListChanged(kinds: ListKind[]): void {
    for (const kind of kinds) {
      const data = JSON.stringify({ jsonrpc: "2.0", method: `notifications/${kind}/list_changed` });
      for (const s of this.#o.sessions.all()) s.sendToClient(data);
      this.#o.metrics.listChanged.labels(kind).inc();
    }
  }
}

/** Who a session counts against: the authenticated identity, else the remote address. */
function callerKey(identity: Identity | undefined, req: IncomingMessage): string {
  return identity
    ? `id:${identity.issuer ?? ""}\n${identity.subject}`
    : `ip:${req.socket.remoteAddress ?? ""}`;
}

function reply(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, jsonHeaders(body));
  res.end(body);
}

function pickHeaders(req: IncomingMessage, names: string[]): Record<string, string> | undefined {
  let out: Record<string, string> | undefined;
  for (const n of names) {
    const v = req.headers[n];
    if (v === undefined) continue;
    out ??= {};
    out[n] = Array.isArray(v) ? v.join(", ") : v;
  }
  return out;
}

/** Shared session storage is down: 503 naming it (the client may retry), never a crash. */
function storageUnavailable(res: ServerResponse, id: JsonRpcId | null, err: unknown, log: Logger): void {
  if (!(err instanceof SessionStorageError)) throw err;
  // The Redis client logs the outage once; a line per refused request would flood the log.
  log.debug({ err: err.message }, "session storage unavailable");
  if (res.headersSent) return;
  const body = errorResponse(id, ErrorCodes.InternalError, `Service Unavailable: ${err.message}`);
  res.writeHead(503, { ...jsonHeaders(body), "retry-after": "1" });
  res.end(body);
}
