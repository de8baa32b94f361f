// `vmcp proxy`: one stdio MCP server behind Streamable HTTP. Every client shares the server's one
// stdio session (a stdio server has exactly one): the proxy initialised it and answers each
// client's initialize from that answer, so a server restart is invisible to clients beyond the
// calls that were in flight. Each client still gets a session of the proxy's (Mcp-Session-Id), so
// that its GET stream, subscriptions, log level and cancellations stay its own; requests reach the
// server with wire ids and progress tokens of the proxy's, never a client's.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { LATEST_PROTOCOL_VERSION } from "@modelcontextprotocol/sdk/types.js";
import { CallCancelled, StdioCallError, type StdioSession } from "../backends/stdio-session.ts";
import type { Logger } from "../logger.ts";
import {
  classify,
  ErrorCodes,
  errorResponse,
  idKey,
  isObject,
  type JsonObject,
  type JsonRpcRequest,
  resultResponse,
} from "../protocol/jsonrpc.ts";
import { BodyBudget, readBody } from "../server/body.ts";
import { type ClientSession, ClientSessions } from "./client-sessions.ts";
import { EventStream } from "./event-stream.ts";
import { knownVersion, negotiateVersion } from "./protocol-version.ts";
import { ServerMessages } from "./server-messages.ts";

export interface StdioProxyOptions {
  session: StdioSession;
  log: Logger;
  /** Largest request body accepted. */
  maxBodyBytes: number;
  /** How long a client's first request waits for the server's stdio to be reached. */
  connectWaitMs: number;
  /** Client sessions open at once (default 1024) and how long an idle one lives (default 30 min). */
  maxSessions?: number;
  sessionIdleMs?: number;
  /** Calls one client may have in flight (default 128). */
  maxCallsPerClient?: number;
  /** Bytes an SSE stream may have unread before its client loses it (default 1 MiB). */
  maxQueuedBytes?: number;
}

export interface RunningProxy {
  url: string;
  close(): Promise<void>;
}

const MAX_DEPTH = 64;
const SESSION_HEADER = "mcp-session-id";

function send(
  res: ServerResponse,
  status: number,
  body?: string,
  headers: Record<string, string> = {},
): void {
  if (res.headersSent) return;
  if (body === undefined) {
    res.writeHead(status, headers).end();
    return;
  }
  res.writeHead(status, {
    "content-type": "application/json",
    "content-length": Buffer.byteLength(body),
    ...headers,
  });
  res.end(body);
}

const acceptsStream = (req: IncomingMessage) => (req.headers.accept ?? "").includes("text/event-stream");

export function createStdioProxy(o: StdioProxyOptions): { server: Server; close(): void } {
  const budget = new BodyBudget(Math.max(o.maxBodyBytes * 8, 64 * 1024 * 1024));
  const limits = { maxBytes: o.maxBodyBytes, maxDepth: MAX_DEPTH, budget };
  const maxCalls = o.maxCallsPerClient ?? 128;
  const maxQueued = o.maxQueuedBytes ?? 1024 * 1024;
  // `messages` is made below; a session can only end after a request, by which time it exists.
  const clients: ClientSessions = new ClientSessions({
    max: o.maxSessions ?? 1024,
    idleMs: o.sessionIdleMs ?? 30 * 60_000,
    onEnd: (c) => messages.release(c),
  });
  const messages = new ServerMessages(o.session, clients, o.log, {
    maxSubscriptionsPerClient: 256,
    maxSubscriptions: 1024,
  });
  o.session.listen(messages);

  const failure = (id: JsonRpcRequest["id"], method: string, e: unknown): string => {
    if (e instanceof StdioCallError) return errorResponse(id, e.code, e.message, e.data);
    o.log.error({ err: e, method }, "stdio proxy call failed");
    return errorResponse(id, ErrorCodes.InternalError, "internal error in the vmcp proxy");
  };

  const initialize = async (msg: JsonRpcRequest, res: ServerResponse) => {
    let init: Record<string, unknown>;
    try {
      init = await o.session.ready(o.connectWaitMs);
    } catch (e) {
      send(res, 200, failure(msg.id, msg.method, e));
      return;
    }
    const serverVersion =
      typeof init.protocolVersion === "string" ? init.protocolVersion : LATEST_PROTOCOL_VERSION;
    const version = negotiateVersion(msg.params?.protocolVersion, serverVersion);
    const client = clients.create(version);
    if (!client) {
      send(
        res,
        503,
        errorResponse(msg.id, ErrorCodes.InternalError, "the vmcp proxy has too many client sessions open"),
      );
      return;
    }
    send(res, 200, resultResponse(msg.id, { ...init, protocolVersion: version }), {
      [SESSION_HEADER]: client.id,
    });
  };

  const forward = (
    client: ClientSession | undefined,
    method: string,
    params: JsonObject | undefined,
    signal: AbortSignal,
  ): Promise<unknown> => {
    if (method === "logging/setLevel") return messages.setLevel(client, params, signal);
    if (method === "resources/subscribe" || method === "resources/unsubscribe") {
      if (!client)
        return Promise.reject(
          new StdioCallError(
            ErrorCodes.InvalidRequest,
            `${method} needs a session (initialize, then send Mcp-Session-Id)`,
          ),
        );
      return method === "resources/subscribe"
        ? messages.subscribe(client, params, signal)
        : messages.unsubscribe(client, params, signal);
    }
    return o.session.request(method, params, signal);
  };

  const call = async (
    msg: JsonRpcRequest,
    client: ClientSession | undefined,
    req: IncomingMessage,
    res: ServerResponse,
  ) => {
    const key = idKey(msg.id);
    if (client?.inFlight.has(key)) {
      send(
        res,
        200,
        errorResponse(msg.id, ErrorCodes.InvalidRequest, `request id ${key} is already in flight`),
      );
      return;
    }
    if (client && client.inFlight.size >= maxCalls) {
      send(
        res,
        200,
        errorResponse(msg.id, ErrorCodes.InternalError, `a client may have ${maxCalls} calls in flight`),
      );
      return;
    }
    const abort = new AbortController();
    res.once("close", () => {
      if (!res.writableFinished) abort.abort(new CallCancelled("the client disconnected"));
    });
    client?.inFlight.set(key, abort);
    let params = msg.params;
    let stream: EventStream | undefined;
    let mine: string | undefined;
    const meta = params?._meta;
    const token = isObject(meta) ? meta.progressToken : undefined;
    if (typeof token === "string" || typeof token === "number") {
      // The server sees a token of the proxy's: two clients using the same token (or a server
      // guessing one) can never get each other's progress.
      if (acceptsStream(req)) stream = new EventStream(res, maxQueued);
      mine = messages.progressToken(token, stream);
      params = { ...params, _meta: { ...(meta as JsonObject), progressToken: mine } };
    }
    let body: string | undefined;
    try {
      body = resultResponse(msg.id, await forward(client, msg.method, params, abort.signal));
    } catch (e) {
      // Cancelled: the client asked for no answer (or is gone), so none is written.
      if (!abort.signal.aborted) body = failure(msg.id, msg.method, e);
    } finally {
      if (mine !== undefined) messages.releaseProgress(mine);
      client?.inFlight.delete(key);
    }
    if (stream) stream.end(body);
    else if (body !== undefined) send(res, 200, body);
    else send(res, 200, errorResponse(msg.id, ErrorCodes.InternalError, "the request was cancelled"));
  };

  const onPost = async (req: IncomingMessage, res: ServerResponse, client: ClientSession | undefined) => {
    const read = await readBody(req, res, limits);
    if (!read.ok) {
      if (read.reason === "gone") return;
      const status = read.reason === "busy" ? 503 : read.reason === "too-large" ? 413 : 400;
      const why =
        read.reason === "too-large"
          ? `Request body larger than ${o.maxBodyBytes} bytes`
          : read.reason === "too-deep"
            ? `JSON nested deeper than ${MAX_DEPTH} levels`
            : "Server busy: too many request bodies in flight";
      send(res, status, errorResponse(null, ErrorCodes.InvalidRequest, why), { connection: "close" });
      return;
    }
    let value: unknown;
    try {
      value = JSON.parse(read.body);
    } catch {
      send(res, 400, errorResponse(null, ErrorCodes.ParseError, "Parse error: body is not valid JSON"));
      return;
    }
    if (Array.isArray(value)) {
      send(res, 400, errorResponse(null, ErrorCodes.InvalidRequest, "JSON-RPC batches are not supported"));
      return;
    }
    const c = classify(value);
    if (c.kind === "invalid") {
      send(res, 400, errorResponse(c.id, ErrorCodes.InvalidRequest, `Invalid Request: ${c.reason}`));
      return;
    }
    if (c.kind === "notification") {
      if (c.msg.method === "notifications/cancelled") {
        // The client names its own id; the proxy knows which wire id that became. Without a
        // session ids of different clients cannot be told apart, so nothing is cancelled.
        const id = c.msg.params?.requestId;
        const reason = c.msg.params?.reason;
        if (client && (typeof id === "string" || typeof id === "number"))
          client.inFlight
            .get(idKey(id))
            ?.abort(
              new CallCancelled(
                typeof reason === "string" ? reason.slice(0, 1000) : "cancelled by the client",
              ),
            );
      } else if (c.msg.method !== "notifications/initialized") {
        // The proxy did the server's handshake itself; anything else is the server's to hear.
        o.session.notify(c.msg.method, c.msg.params);
      }
      send(res, 202);
      return;
    }
    if (c.kind === "response") {
      // The proxy relays no server requests, so no client answer is awaited.
      send(res, 202);
      return;
    }
    if (c.msg.method === "initialize") await initialize(c.msg, res);
    else await call(c.msg, client, req, res);
  };

  const onGet = (req: IncomingMessage, res: ServerResponse, client: ClientSession | undefined) => {
    if (!client) {
      send(
        res,
        400,
        errorResponse(null, ErrorCodes.ConnectionClosed, "Bad Request: a GET stream needs an Mcp-Session-Id"),
      );
      return;
    }
    if (!acceptsStream(req)) {
      send(
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
    if (client.stream?.open) {
      send(
        res,
        409,
        errorResponse(null, ErrorCodes.ConnectionClosed, "Conflict: this session already has a GET stream"),
      );
      return;
    }
    client.stream = new EventStream(res, maxQueued);
  };

  const onMcp = async (req: IncomingMessage, res: ServerResponse) => {
    if (req.method !== "POST" && req.method !== "GET" && req.method !== "DELETE") {
      send(res, 405, undefined, { allow: "GET, POST, DELETE" });
      return;
    }
    const pv = req.headers["mcp-protocol-version"];
    if (typeof pv === "string" && !knownVersion(pv)) {
      send(
        res,
        400,
        errorResponse(null, ErrorCodes.ConnectionClosed, `Bad Request: Unsupported protocol version ${pv}`),
      );
      return;
    }
    const sid = req.headers[SESSION_HEADER];
    let client: ClientSession | undefined;
    if (typeof sid === "string") {
      client = clients.get(sid);
      if (!client) {
        // The proxy restarted or the session expired: MCP clients initialize again on 404.
        send(res, 404, errorResponse(null, ErrorCodes.SessionNotFound, "Session not found"));
        return;
      }
    }
    if (req.method === "GET") onGet(req, res, client);
    else if (req.method === "DELETE") {
      if (client) clients.end(client.id, "the client ended its session");
      send(
        res,
        client ? 200 : 400,
        client
          ? undefined
          : errorResponse(null, ErrorCodes.ConnectionClosed, "Bad Request: no Mcp-Session-Id"),
      );
    } else await onPost(req, res, client);
  };

  const server = createServer((req, res) => {
    const path = (req.url ?? "/").split("?")[0];
    if (path === "/mcp") {
      onMcp(req, res).catch((e: unknown) => {
        o.log.error({ err: e }, "stdio proxy request failed");
        send(res, 500, errorResponse(null, ErrorCodes.InternalError, "internal error in the vmcp proxy"));
      });
      return;
    }
    if (path === "/health") {
      send(res, 200, JSON.stringify({ status: "ok" }));
      return;
    }
    if (path === "/readyz") {
      // Ready only while the server's stdio is reached and initialised: the Service then routes
      // only to a proxy that can answer.
      const up = o.session.initializeResult !== undefined;
      send(res, up ? 200 : 503, JSON.stringify({ status: up ? "ready" : "not connected" }));
      return;
    }
    send(res, 404, JSON.stringify({ error: "not found" }));
  });
  return { server, close: () => clients.close() };
}

export async function startStdioProxy(
  o: StdioProxyOptions & { host: string; port: number },
): Promise<RunningProxy> {
  const { server, close } = createStdioProxy(o);
  o.session.start();
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(o.port, o.host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const addr = server.address() as AddressInfo;
  const host = addr.family === "IPv6" ? `[${addr.address}]` : addr.address;
  return {
    url: `http://${host}:${addr.port}/mcp`,
    async close() {
      close();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await o.session.stop();
    },
  };
}
