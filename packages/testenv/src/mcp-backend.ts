// Real MCP backends for tests and the benchmarks: SDK McpServer, one server instance per session
// (as the SDK requires), served over Streamable HTTP or legacy HTTP+SSE on 127.0.0.1.
import { randomUUID } from "node:crypto";
import {
  createServer as createHttpServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { SSEServerTransport } from "@modelcontextprotocol/sdk/server/sse.js";
import { StreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/streamableHttp.js";

export type Register = (server: McpServer, ctx: BackendContext) => void;

export interface BackendContext {
  name: string;
  /** Every live McpServer (one per session), e.g. to add a tool everywhere. */
  servers: Set<McpServer>;
  /** Free-form record of what happened, for assertions. */
  events: string[];
}

export interface StartedBackend {
  name: string;
  url: string;
  ctx: BackendContext;
  sessionCount(): number;
  /** Forget all sessions (as a restarted backend would) without closing the listener. */
  dropSessions(): Promise<void>;
  close(): Promise<void>;
}

export interface BackendOptions {
  name: string;
  register: Register;
  transport?: "streamable-http" | "sse";
  jsonResponse?: boolean;
  tls?: { key: string; cert: string };
  capabilities?: Record<string, unknown>;
  /** What the server's initialize result tells clients. */
  instructions?: string;
  /** Sees every request before it is served (a test recording what reached the backend). */
  onRequest?: (req: IncomingMessage) => void;
  /** Address to listen on; default 127.0.0.1 (a node test binds the node's bridge address). */
  host?: string;
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  const text = Buffer.concat(chunks).toString("utf8");
  return text ? JSON.parse(text) : undefined;
}

export async function startBackend(o: BackendOptions): Promise<StartedBackend> {
  const ctx: BackendContext = { name: o.name, servers: new Set(), events: [] };
  const newServer = () => {
    const server = new McpServer(
      { name: o.name, version: "1.0.0" },
      { capabilities: o.capabilities ?? {}, ...(o.instructions ? { instructions: o.instructions } : {}) },
    );
    o.register(server, ctx);
    ctx.servers.add(server);
    return server;
  };
  const streamable = new Map<string, StreamableHTTPServerTransport>();
  const sse = new Map<string, SSEServerTransport>();

  const handler = async (req: IncomingMessage, res: ServerResponse) => {
    o.onRequest?.(req);
    try {
      const url = new URL(req.url ?? "/", "http://x");
      if ((o.transport ?? "streamable-http") === "sse") {
        if (req.method === "GET" && url.pathname === "/sse") {
          const t = new SSEServerTransport("/messages", res);
          sse.set(t.sessionId, t);
          const server = newServer();
          res.on("close", () => {
            sse.delete(t.sessionId);
            ctx.servers.delete(server);
          });
          await server.connect(t);
          return;
        }
        if (req.method === "POST" && url.pathname === "/messages") {
          const t = sse.get(url.searchParams.get("sessionId") ?? "");
          if (!t) return void res.writeHead(404).end("unknown session");
          await t.handlePostMessage(req, res, await readJson(req));
          return;
        }
        return void res.writeHead(404).end();
      }
      if (url.pathname !== "/mcp") return void res.writeHead(404).end();
      const sid = req.headers["mcp-session-id"];
      const body = req.method === "POST" ? await readJson(req) : undefined;
      if (typeof sid === "string") {
        const t = streamable.get(sid);
        if (!t) {
          res.writeHead(404, { "content-type": "application/json" });
          return void res.end(
            JSON.stringify({
              jsonrpc: "2.0",
              id: null,
              error: { code: -32001, message: "Session not found" },
            }),
          );
        }
        await t.handleRequest(req, res, body);
        return;
      }
      if (req.method !== "POST") return void res.writeHead(400).end();
      const server = newServer();
      const t: StreamableHTTPServerTransport = new StreamableHTTPServerTransport({
        sessionIdGenerator: () => randomUUID(),
        enableJsonResponse: o.jsonResponse ?? false,
        onsessioninitialized: (id) => {
          streamable.set(id, t);
        },
        onsessionclosed: (id) => {
          streamable.delete(id);
          ctx.servers.delete(server);
        },
      });
      await server.connect(t);
      await t.handleRequest(req, res, body);
    } catch (err) {
      if (!res.headersSent) res.writeHead(500).end(String(err));
    }
  };

  const http: Server = o.tls
    ? createHttpsServer({ key: o.tls.key, cert: o.tls.cert }, (req, res) => void handler(req, res))
    : createHttpServer((req, res) => void handler(req, res));
  http.keepAliveTimeout = 60_000;
  const host = o.host ?? "127.0.0.1";
  await new Promise<void>((r) => http.listen(0, host, r));
  const port = (http.address() as AddressInfo).port;
  const scheme = o.tls ? "https" : "http";
  const url =
    (o.transport ?? "streamable-http") === "sse"
      ? `${scheme}://${host}:${port}/sse`
      : `${scheme}://${host}:${port}/mcp`;

  const dropSessions = async () => {
    const all = [...streamable.values(), ...sse.values()];
    streamable.clear();
    sse.clear();
    await Promise.allSettled(all.map((t) => t.close()));
    ctx.servers.clear();
  };
  return {
    name: o.name,
    url,
    ctx,
    sessionCount: () => streamable.size + sse.size,
    dropSessions,
    async close() {
      await dropSessions();
      await new Promise<void>((r) => {
        http.close(() => r());
        http.closeAllConnections();
      });
    },
  };
}
