// Sample MCP servers for the demo and the e2e suite: the SDK's Server over Streamable HTTP (one
// Server per session, as the SDK requires) on 127.0.0.1, optionally over TLS. `stop()` and
// `start()` keep the port, so a test can kill a backend for real and bring it back.
import { randomUUID } from "node:crypto";
import {
  createServer as createHttpServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo, Socket } from "node:net";
import { Server as McpServer } from "@modelcontextprotocol/sdk/server/index.js";
import { StreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/streamableHttp.js";
import { CallToolRequestSchema, ListToolsRequestSchema } from "@modelcontextprotocol/sdk/types.js";

export interface SampleTool {
  name: string;
  description: string;
  /** Names of string arguments (all required). */
  args?: string[];
  run(args: Record<string, string>): string;
}

export interface SampleBackendOptions {
  name: string;
  tools: SampleTool[];
  tls?: { cert: string; key: string };
  /** Fixed port (0 = a free one, kept across stop/start). */
  port?: number;
  /** Listen address (default 127.0.0.1; 0.0.0.0 in a pod). */
  host?: string;
}

export interface SampleBackend {
  name: string;
  /** e.g. https://127.0.0.1:41234/mcp */
  url: string;
  running(): boolean;
  start(): Promise<void>;
  /** Closes the listener and every connection: the backend is gone, as if its pod died. */
  stop(): Promise<void>;
}

/** The SDK Server of one session with the given tool set (over any transport). */
export function newSessionServer(o: Pick<SampleBackendOptions, "name" | "tools">): McpServer {
  const server = new McpServer({ name: o.name, version: "1.0.0" }, { capabilities: { tools: {} } });
  server.setRequestHandler(ListToolsRequestSchema, () => ({
    tools: o.tools.map((t) => ({
      name: t.name,
      description: t.description,
      inputSchema: {
        type: "object" as const,
        properties: Object.fromEntries((t.args ?? []).map((a) => [a, { type: "string" }])),
        required: t.args ?? [],
      },
    })),
  }));
  server.setRequestHandler(CallToolRequestSchema, (req) => {
    const tool = o.tools.find((t) => t.name === req.params.name);
    if (!tool) return { content: [{ type: "text", text: `unknown tool ${req.params.name}` }], isError: true };
    const args: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.params.arguments ?? {})) args[k] = String(v);
    return { content: [{ type: "text", text: tool.run(args) }] };
  });
  return server;
}

async function readBody(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  const text = Buffer.concat(chunks).toString("utf8");
  return text ? JSON.parse(text) : undefined;
}

export async function startSampleBackend(o: SampleBackendOptions): Promise<SampleBackend> {
  let port = o.port ?? 0;
  let http: Server | undefined;
  const sockets = new Set<Socket>();
  const sessions = new Map<string, StreamableHTTPServerTransport>();

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    if (!req.url?.startsWith("/mcp")) {
      res.writeHead(404).end();
      return;
    }
    const sid = req.headers["mcp-session-id"];
    const existing = typeof sid === "string" ? sessions.get(sid) : undefined;
    if (existing) {
      await existing.handleRequest(req, res, req.method === "POST" ? await readBody(req) : undefined);
      return;
    }
    if (typeof sid === "string") {
      res.writeHead(404, { "content-type": "application/json" });
      res.end(
        JSON.stringify({ jsonrpc: "2.0", error: { code: -32001, message: "Session not found" }, id: null }),
      );
      return;
    }
    if (req.method !== "POST") {
      res.writeHead(405).end();
      return;
    }
    const transport = new StreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      onsessioninitialized: (id) => {
        sessions.set(id, transport);
      },
    });
    transport.onclose = () => {
      if (transport.sessionId) sessions.delete(transport.sessionId);
    };
    await newSessionServer(o).connect(transport);
    await transport.handleRequest(req, res, await readBody(req));
  };

  const listener = (req: IncomingMessage, res: ServerResponse) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) res.writeHead(500);
      res.end(String(err));
    });
  };

  const start = async () => {
    if (http) return;
    const server = o.tls
      ? createHttpsServer({ cert: o.tls.cert, key: o.tls.key }, listener)
      : createHttpServer(listener);
    server.on("connection", (s: Socket) => {
      sockets.add(s);
      s.on("close", () => sockets.delete(s));
    });
    await new Promise<void>((done, fail) => {
      server.once("error", fail);
      server.listen(port, o.host ?? "127.0.0.1", () => done());
    });
    port = (server.address() as AddressInfo).port;
    http = server;
  };

  const stop = async () => {
    const server = http;
    if (!server) return;
    http = undefined;
    const closing = new Promise<void>((done) => server.close(() => done()));
    for (const s of sockets) s.destroy();
    await Promise.all([...sessions.values()].map((t) => t.close().catch(() => {})));
    sessions.clear();
    await closing;
  };

  await start();
  return {
    name: o.name,
    url: `${o.tls ? "https" : "http"}://127.0.0.1:${port}/mcp`,
    running: () => http !== undefined,
    start,
    stop,
  };
}
