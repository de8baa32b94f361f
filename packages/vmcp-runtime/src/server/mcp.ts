import { randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { LATEST_PROTOCOL_VERSION, SUPPORTED_PROTOCOL_VERSIONS } from "@modelcontextprotocol/sdk/types.js";
import type { Identity } from "../backends/types.ts";
import {
  ErrorCodes,
  errorResponse,
  isObject,
  type JsonRpcRequest,
  resultResponse,
} from "../protocol/jsonrpc.ts";
import { requestInfo, telemetry } from "../telemetry/hooks.ts";
import type { ListKind } from "./catalog.ts";
import { CallRunner } from "./mcp-call.ts";
import { broadcastListChanged, clientNotification, clientResponse } from "./mcp-notifications.ts";
import { RequestObserver } from "./mcp-observe.ts";
import { LOCAL, type McpHandlerOptions } from "./mcp-options.ts";
import { RequestRouter } from "./mcp-routing.ts";
import { callerKey, SessionLookup, storageUnavailable } from "./mcp-session-lookup.ts";
import {
  acceptsEventStream,
  JSON_HEADERS,
  methodNotAllowed,
  pickHeaders,
  protocolVersionAccepted,
  readMessage,
  reply,
} from "./mcp-transport.ts";
import { ClientSession } from "./session.ts";

const SERVER_CAPABILITIES = {
  tools: { listChanged: true },
  resources: { subscribe: true, listChanged: true },
  prompts: { listChanged: true },
  logging: {},
  completions: {},
};

/** The /mcp endpoint: a lean Streamable HTTP server. It answers what the aggregate knows
 * (initialize, lists, ping) itself and forwards everything else as raw JSON-RPC to the client's
 * own session with the owning backend, rewriting only tool/prompt names and the ids of
 * server->client requests. This file holds the HTTP methods and session lifecycle; transport
 * checks, session lookup, routing, calls and notifications have a file each (mcp-*.ts). */
export class McpHandler {
  readonly #o: McpHandlerOptions;
  readonly #observer: RequestObserver;
  readonly #lookup: SessionLookup;
  readonly #router: RequestRouter;

  constructor(o: McpHandlerOptions) {
    this.#o = o;
    this.#observer = new RequestObserver(o);
    this.#lookup = new SessionLookup(o);
    this.#router = new RequestRouter(o, this.#observer, new CallRunner(o, this.#observer));
  }

  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      if (req.method === "POST") await this.#post(req, res);
      else if (req.method === "GET") await this.#get(req, res);
      else if (req.method === "DELETE") await this.#delete(req, res);
      else methodNotAllowed(res);
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

  async #post(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const startNs = process.hrtime.bigint();
    // No await at all when auth is off: this is the hot path.
    const identity = this.#lookup.authenticating ? await this.#lookup.authenticate(req, res) : undefined;
    if (identity === false) return;
    const read = await readMessage(req, res, this.#o.body);
    if (!read) return;
    const { body, message: c } = read;
    if (c.kind === "request" && c.msg.method === "initialize") {
      await this.#initialize(c.msg, req, res, identity, startNs);
      return;
    }
    if (!protocolVersionAccepted(req, res)) return;
    const got = this.#lookup.find(req, res, identity);
    const s = got instanceof Promise ? await got : got;
    if (!s) return;
    if (this.#o.passthroughHeaders.length > 0) s.passthrough = pickHeaders(req, this.#o.passthroughHeaders);
    if (c.kind === "request") {
      const msg = c.msg;
      await (telemetry.on
        ? telemetry.serve(req.headers, requestInfo(msg.method, msg.params, msg.id, s.id), () =>
            this.#router.request(s, msg, body, res, startNs),
          )
        : this.#router.request(s, msg, body, res, startNs));
    } else if (c.kind === "notification") {
      res.writeHead(202).end();
      clientNotification(s, c.msg, body);
    } else {
      res.writeHead(202).end();
      await clientResponse(s, c.msg, this.#o.log);
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
    this.#observer.audited(msg, identity);
    this.#observer.observe(LOCAL, msg, "initialize", "ok", startNs);
  }

  async #get(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (!acceptsEventStream(req, res)) return;
    const identity = await this.#lookup.authenticate(req, res);
    if (identity === false) return;
    const got = this.#lookup.find(req, res, identity);
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
    const identity = await this.#lookup.authenticate(req, res);
    if (identity === false) return;
    const got = this.#lookup.find(req, res, identity);
    const s = got instanceof Promise ? await got : got;
    if (!s) return;
    await this.#o.sessions.delete(s.id);
    this.#o.metrics.sessions.set(this.#o.sessions.size);
    res.writeHead(200).end();
  }

  /** Emit list_changed for the given kinds to every connected client. */
  broadcastListChanged(kinds: ListKind[]): void {
    broadcastListChanged(this.#o.sessions, this.#o.metrics, kinds);
  }
}
