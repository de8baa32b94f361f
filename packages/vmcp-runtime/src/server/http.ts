import type { IncomingMessage, ServerResponse } from "node:http";
import type { Metrics } from "../metrics.ts";
import { ErrorCodes, errorResponse } from "../protocol/jsonrpc.ts";
import type { RuntimeStatus } from "../status/types.ts";
import { lastJsonBytes } from "./json-bytes.ts";
import type { McpHandler } from "./mcp.ts";
import { checkOrigin, corsHeaders, type OriginPolicy, preflightHeaders } from "./origin.ts";
import type { IncomingAuth } from "./types.ts";

export interface RoutesOptions {
  mcp: McpHandler;
  metrics: Metrics;
  /** The same object while nothing in it changed (its JSON is reused until it is replaced). */
  status: () => RuntimeStatus;
  ready: () => boolean;
  /** Shutting down: readiness fails and /mcp answers ask clients not to keep the connection. */
  draining: () => boolean;
  incomingAuth: () => IncomingAuth | undefined;
  mode: string;
  /** Undefined until the server listens (the policy names its port). */
  origin: () => OriginPolicy | undefined;
  passthroughHeaders: readonly string[];
}

const JSON_HEADERS = { "content-type": "application/json" };

/** Everything except /mcp is unauthenticated (probes and scrapers carry no tokens). */
export function createRouter(o: RoutesOptions): (req: IncomingMessage, res: ServerResponse) => void {
  const statusJson = lastJsonBytes<RuntimeStatus>();
  return (req, res) => {
    const policy = o.origin();
    if (policy) {
      const v = checkOrigin(req.headers, policy);
      if (!v.ok) {
        req.resume();
        res.writeHead(403, JSON_HEADERS).end(errorResponse(null, ErrorCodes.ConnectionClosed, v.message));
        return;
      }
      const origin = req.headers.origin;
      if (req.method === "OPTIONS" && origin !== undefined) {
        res.writeHead(204, preflightHeaders(origin, o.passthroughHeaders)).end();
        return;
      }
      if (v.cors) for (const [k, val] of Object.entries(corsHeaders(v.cors))) res.setHeader(k, val);
    }
    const url = req.url ?? "/";
    const q = url.indexOf("?");
    const path = q === -1 ? url : url.slice(0, q);
    if (path === "/mcp" || path === "/mcp/") {
      // Keep-alive connections would pin clients to a replica that is going away.
      if (o.draining()) res.setHeader("connection", "close");
      void o.mcp.handle(req, res);
      return;
    }
    if (req.method !== "GET" && req.method !== "HEAD") {
      res
        .writeHead(405, { ...JSON_HEADERS, allow: "GET, HEAD" })
        .end(JSON.stringify({ error: "method not allowed" }));
      return;
    }
    switch (path) {
      case "/health":
      case "/ping":
        res.writeHead(200, JSON_HEADERS).end(JSON.stringify({ status: "ok" }));
        return;
      case "/readyz":
        if (o.draining())
          res
            .writeHead(503, JSON_HEADERS)
            .end(JSON.stringify({ status: "not_ready", mode: o.mode, reason: "shutting_down" }));
        else if (o.ready())
          res.writeHead(200, JSON_HEADERS).end(JSON.stringify({ status: "ready", mode: o.mode }));
        else
          res
            .writeHead(503, JSON_HEADERS)
            .end(JSON.stringify({ status: "not_ready", mode: o.mode, reason: "discovery_pending" }));
        return;
      case "/status":
        res.writeHead(200, JSON_HEADERS).end(statusJson(o.status()));
        return;
      case "/metrics":
        o.metrics
          .registry()
          .then(async (r) => {
            const text = await r.metrics();
            res.writeHead(200, { "content-type": r.contentType }).end(text);
          })
          .catch(() => res.writeHead(500).end());
        return;
      case "/.well-known/oauth-protected-resource":
      case "/.well-known/oauth-protected-resource/mcp": {
        const meta = o.incomingAuth()?.protectedResourceMetadata();
        if (meta) res.writeHead(200, JSON_HEADERS).end(JSON.stringify(meta));
        else
          res
            .writeHead(404, JSON_HEADERS)
            .end(JSON.stringify({ error: "not_found", message: "authentication is not enabled" }));
        return;
      }
      default:
        res.writeHead(404, JSON_HEADERS).end(JSON.stringify({ error: "not_found" }));
    }
  };
}
