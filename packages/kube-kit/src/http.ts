import http from "node:http";
import https from "node:https";
import type { KubeConnection, KubeRequestOptions } from "./connection.ts";

/**
 * A minimal HTTP client for the Kubernetes API built on node:https and the KubeConnection's
 * credentials. We use it instead of the generated clients because the kit needs a few verbs the
 * generated clients make awkward (server-side apply on any subresource, raw watch streams with
 * our own timeouts) and a single place that turns error responses into `KubeApiError`.
 */

export class KubeApiError extends Error {
  readonly code: number;
  readonly reason: string;
  readonly body: unknown;
  constructor(code: number, reason: string, message: string, body: unknown) {
    super(message);
    this.name = "KubeApiError";
    this.code = code;
    this.reason = reason;
    this.body = body;
  }
}

export function isNotFound(err: unknown): boolean {
  return err instanceof KubeApiError && err.code === 404;
}
export function isConflict(err: unknown): boolean {
  return err instanceof KubeApiError && err.code === 409;
}
export function isGone(err: unknown): boolean {
  return err instanceof KubeApiError && err.code === 410;
}

export interface KubeRequest {
  method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  path: string;
  query?: Record<string, string | number | boolean | undefined>;
  body?: unknown;
  contentType?: string;
  signal?: AbortSignal;
  /** Socket inactivity timeout; the request fails with a TimeoutError when it elapses. */
  timeoutMs?: number;
}

const agents = new WeakMap<KubeConnection, http.Agent>();

function agentFor(kc: KubeConnection, isHttps: boolean): http.Agent {
  let agent = agents.get(kc);
  if (!agent) {
    agent = isHttps ? new https.Agent({ keepAlive: true }) : new http.Agent({ keepAlive: true });
    agents.set(kc, agent);
  }
  return agent;
}

export function buildUrl(kc: KubeConnection, path: string, query?: KubeRequest["query"]): URL {
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new Error("kubeconfig has no current cluster");
  const url = new URL(cluster.server.replace(/\/$/, "") + path);
  for (const [k, v] of Object.entries(query ?? {})) {
    if (v !== undefined) url.searchParams.set(k, String(v));
  }
  return url;
}

/** Opens a request and resolves with the response stream (any status). */
export async function openRequest(kc: KubeConnection, req: KubeRequest): Promise<http.IncomingMessage> {
  const url = buildUrl(kc, req.path, req.query);
  const isHttps = url.protocol === "https:";
  const opts: KubeRequestOptions = { method: req.method, headers: { Accept: "application/json" } };
  await kc.applyToHTTPSOptions(opts);
  opts.agent = agentFor(kc, isHttps);
  const payload =
    req.body === undefined ? undefined : typeof req.body === "string" ? req.body : JSON.stringify(req.body);
  if (payload !== undefined) {
    opts.headers = {
      ...(opts.headers as Record<string, string>),
      "Content-Type": req.contentType ?? "application/json",
      "Content-Length": Buffer.byteLength(payload),
    };
  }
  return await new Promise<http.IncomingMessage>((resolve, reject) => {
    const r = (isHttps ? https : http).request(url, opts, resolve);
    r.on("error", reject);
    if (req.timeoutMs !== undefined) {
      r.setTimeout(req.timeoutMs, () => {
        r.destroy(new DOMException("kube request timed out", "TimeoutError"));
      });
    }
    const signal = req.signal;
    if (signal) {
      const onAbort = () => r.destroy(new DOMException("aborted", "AbortError"));
      if (signal.aborted) onAbort();
      // Callers pass long-lived signals (an informer's lifetime) to every request: the listener
      // must go when this request is over, or each request stays reachable through the signal.
      signal.addEventListener("abort", onAbort, { once: true });
      r.once("close", () => signal.removeEventListener("abort", onAbort));
    }
    r.end(payload);
  });
}

async function readBody(res: http.IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of res) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

export function errorFromStatus(code: number, text: string): KubeApiError {
  let body: unknown = text;
  let reason = http.STATUS_CODES[code] ?? "Unknown";
  let message = `${code} ${reason}`;
  try {
    body = JSON.parse(text);
    const st = body as { reason?: unknown; message?: unknown };
    if (typeof st.reason === "string") reason = st.reason;
    if (typeof st.message === "string") message = `${code} ${reason}: ${st.message}`;
  } catch {
    // not JSON: keep the text as the body
  }
  return new KubeApiError(code, reason, message, body);
}

/** Sends a request and returns the parsed JSON body; non-2xx answers throw `KubeApiError`. */
export async function kubeRequest<T = unknown>(kc: KubeConnection, req: KubeRequest): Promise<T> {
  const res = await openRequest(kc, { timeoutMs: 30_000, ...req });
  const text = await readBody(res);
  const code = res.statusCode ?? 0;
  if (code < 200 || code >= 300) throw errorFromStatus(code, text);
  return (text ? JSON.parse(text) : undefined) as T;
}
