// `vmcp proxy`: one stdio MCP server behind Streamable HTTP. Every client shares the server's one
// stdio session (a stdio server has exactly one), so the proxy is stateless towards clients: no
// Mcp-Session-Id, JSON answers, no GET stream. A client's initialize is answered with what the
// server said when the proxy initialised it on the current stream; a server restart is therefore
// invisible to clients beyond the calls that were in flight.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { StdioCallError, type StdioSession } from "../backends/stdio-session.ts";
import type { Logger } from "../logger.ts";
import {
  classify,
  ErrorCodes,
  errorResponse,
  type JsonRpcRequest,
  resultResponse,
} from "../protocol/jsonrpc.ts";
import { BodyBudget, readBody } from "../server/body.ts";

export interface StdioProxyOptions {
  session: StdioSession;
  log: Logger;
  /** Largest request body accepted. */
  maxBodyBytes: number;
  /** How long a client's first request waits for the server's stdio to be reached. */
  connectWaitMs: number;
}

export interface RunningProxy {
  url: string;
  close(): Promise<void>;
}

const MAX_DEPTH = 64;

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

export function createStdioProxy(o: StdioProxyOptions): Server {
  const budget = new BodyBudget(Math.max(o.maxBodyBytes * 8, 64 * 1024 * 1024));
  const limits = { maxBytes: o.maxBodyBytes, maxDepth: MAX_DEPTH, budget };

  const answer = async (msg: JsonRpcRequest, signal: AbortSignal): Promise<string> => {
    try {
      if (msg.method === "initialize") return resultResponse(msg.id, await o.session.ready(o.connectWaitMs));
      return resultResponse(msg.id, await o.session.request(msg.method, msg.params, signal));
    } catch (e) {
      if (e instanceof StdioCallError) return errorResponse(msg.id, e.code, e.message, e.data);
      o.log.error({ err: e, method: msg.method }, "stdio proxy call failed");
      return errorResponse(msg.id, ErrorCodes.InternalError, "internal error in the vmcp proxy");
    }
  };

  const onMcp = async (req: IncomingMessage, res: ServerResponse) => {
    // No server-initiated stream (GET) and no session to end (DELETE): both are optional.
    if (req.method !== "POST") {
      send(res, 405, undefined, { allow: "POST" });
      return;
    }
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
      // The proxy did the server's handshake itself, and client request ids never reach the
      // server (each call gets a wire id of the proxy's), so neither of these means anything there.
      if (c.msg.method !== "notifications/initialized" && c.msg.method !== "notifications/cancelled")
        o.session.notify(c.msg.method, c.msg.params);
      send(res, 202);
      return;
    }
    if (c.kind === "response") {
      // The proxy forwards no server requests, so no client answer is awaited.
      send(res, 202);
      return;
    }
    const gone = new AbortController();
    res.once("close", () => {
      if (!res.writableFinished) gone.abort();
    });
    send(res, 200, await answer(c.msg, gone.signal));
  };

  return createServer((req, res) => {
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
}

export async function startStdioProxy(
  o: StdioProxyOptions & { host: string; port: number },
): Promise<RunningProxy> {
  const server = createStdioProxy(o);
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
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await o.session.stop();
    },
  };
}
