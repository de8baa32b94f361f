import type { IncomingHttpHeaders } from "node:http";
import type { Logger } from "../logger.ts";
import { isObject, type JsonRpcId, type JsonRpcRequest } from "../server/jsonrpc.ts";
import { toBackendError } from "./errors.ts";
import { type Answer, exchange, type OnAnswerStart } from "./exchange.ts";
import type { BackendPools } from "./pools.ts";
import { answerCheck, cancelledNotice, INITIALIZED_NOTICE, negotiated } from "./session-protocol.ts";
import { SseParser } from "./sse-parser.ts";
import {
  BackendError,
  type BackendSession,
  type CallSink,
  type InitializeParams,
  type RelayHooks,
} from "./types.ts";

export interface StreamableSessionOptions {
  backend: string;
  pools: BackendPools;
  timeoutMs: number;
  init: InitializeParams;
  hooks: RelayHooks;
  /** Static or per-request outgoing headers (auth, passthrough). */
  headers: () => Promise<Record<string, string>> | Record<string, string>;
  log: Logger;
}

const ACCEPT = "application/json, text/event-stream";

/** A backend session over Streamable HTTP, spoken directly (no SDK on the hot path): requests go
 * out as the client sent them (ids untouched: the backend session belongs to one client session,
 * so ids cannot collide), JSON answers come back as raw bytes, SSE answers are re-framed event by
 * event so server->client requests can be remapped. */
export class StreamableBackendSession implements BackendSession {
  readonly backend: string;
  protocolVersion = "";
  serverCapabilities: Record<string, unknown> = {};
  instructions: string | undefined;
  #o: StreamableSessionOptions;
  #sessionId: string | undefined;
  #baseHeaders: Record<string, string> = {};
  #closed = new AbortController();
  #ownIds = 0;

  constructor(o: StreamableSessionOptions) {
    this.backend = o.backend;
    this.#o = o;
  }

  /** Per-request headers: the session's own plus outgoing auth/passthrough when there are any. */
  /** Synchronous when the backend's auth headers are (unauthenticated, static): the forward
   * path then costs no extra async function and microtask turn per call. */
  #headers(): Record<string, string> | Promise<Record<string, string>> {
    const got = this.#o.headers();
    return got instanceof Promise ? got.then((extra) => this.#merge(extra)) : this.#merge(got);
  }

  #merge(extra: Record<string, string>): Record<string, string> {
    for (const _ in extra) return { ...extra, ...this.#baseHeaders };
    return this.#baseHeaders;
  }

  async open(signal?: AbortSignal): Promise<void> {
    const id = `vmcp-init-${Date.now()}`;
    const body = JSON.stringify({ jsonrpc: "2.0", id, method: "initialize", params: this.#o.init });
    const res = await this.#exchange(body, await this.#headers(), signal);
    const sid = headerValue(res.headers, "mcp-session-id");
    const messages = decodeAll(res, this.backend);
    const answer = messages.find((m) => m.id === id);
    if (!answer)
      throw new BackendError(this.backend, "protocol", `backend '${this.backend}' sent no initialize result`);
    if (isObject(answer.error)) {
      throw new BackendError(
        this.backend,
        "protocol",
        `backend '${this.backend}' refused initialize: ${String(answer.error.message)}`,
      );
    }
    Object.assign(this, negotiated(answer.result, this.#o.init.protocolVersion));
    this.#sessionId = sid;
    const base: Record<string, string> = {
      "content-type": "application/json",
      accept: ACCEPT,
      "mcp-protocol-version": this.protocolVersion,
    };
    if (sid) base["mcp-session-id"] = sid;
    this.#baseHeaders = base;
    await this.send(INITIALIZED_NOTICE);
    // A backend may send a server->client request (sampling, elicitation) on its standalone
    // stream during the very first call: the stream must be open before any call is forwarded.
    if (sid) await this.#openGetStream();
  }

  /** POST one message. 404 on an established session means the backend forgot it; other HTTP
   * errors become BackendErrors carrying the backend's JSON-RPC message when it sent one. */
  async #exchange(
    body: string,
    headers: Record<string, string>,
    signal: AbortSignal | undefined,
    onStart?: OnAnswerStart,
    expectId?: JsonRpcId,
  ): Promise<Answer> {
    const { calls, path, maxAnswerBytes } = this.#o.pools;
    let res: Answer;
    try {
      res = await exchange(
        calls,
        {
          method: "POST",
          path,
          headers: this.#sessionId
            ? headers
            : { ...headers, "content-type": "application/json", accept: ACCEPT },
          body,
          timeoutMs: this.#o.timeoutMs,
          maxBytes: maxAnswerBytes,
          check: expectId === undefined ? undefined : answerCheck(this.backend, expectId),
        },
        signal,
        onStart,
      );
    } catch (err) {
      throw toBackendError(this.backend, err, this.#o.timeoutMs);
    }
    if (res.status === 404 && this.#sessionId) {
      throw new BackendError(
        this.backend,
        "gone",
        `backend '${this.backend}' no longer knows our session`,
        404,
      );
    }
    if (res.status >= 400) {
      const rpcMessage = rpcErrorMessage(res.body?.toString("utf8") ?? "");
      throw new BackendError(
        this.backend,
        "http",
        `backend '${this.backend}' answered HTTP ${res.status}${rpcMessage ? `: ${rpcMessage}` : ""}`,
        res.status,
      );
    }
    return res;
  }

  async forward(msg: JsonRpcRequest, body: string, sink: CallSink, signal: AbortSignal): Promise<void> {
    let streamed = false;
    try {
      const hdrs = this.#headers();
      const res = await this.#exchange(
        body,
        hdrs instanceof Promise ? await hdrs : hdrs,
        signal,
        (_status, h) => {
          const ct = headerValue(h, "content-type");
          if (!ct?.startsWith("text/event-stream")) return undefined;
          streamed = true;
          sink.startStream();
          const hooks = this.#o.hooks;
          const check = answerCheck(this.backend, msg.id);
          const parser = new SseParser((ev) => {
            // Every event must be JSON-RPC, and an answer must be to this call.
            const err = check(ev.data);
            if (err) throw err;
            const out = hooks.translate(this, ev.data);
            if (out !== undefined) sink.event(out);
          }, this.#o.pools.maxAnswerBytes);
          return (chunk) => parser.push(chunk);
        },
        msg.id,
      );
      if (streamed) {
        sink.end();
        return;
      }
      if (!res.body || res.body.length === 0) {
        sink.fail(-32603, `backend '${this.backend}' sent an empty answer (HTTP ${res.status})`);
        return;
      }
      // The answer carries the client's own id (never rewritten), so the bytes pass through.
      sink.json(res.body);
    } catch (err) {
      const e = toBackendError(this.backend, err, this.#o.timeoutMs);
      if (e.kind === "timeout") void this.#cancel(msg, e.message);
      throw e;
    }
  }

  async #cancel(msg: JsonRpcRequest, reason: string): Promise<void> {
    await this.send(cancelledNotice(msg.id, reason)).catch(() => {});
  }

  async send(body: string): Promise<void> {
    await this.#exchange(body, await this.#headers(), undefined);
  }

  async request(method: string, params: Record<string, unknown>): Promise<unknown> {
    const id = `vmcp-${++this.#ownIds}`;
    const msg: JsonRpcRequest = { jsonrpc: "2.0", id, method, params };
    const res = await this.#exchange(JSON.stringify(msg), await this.#headers(), undefined);
    const answer = decodeAll(res, this.backend).find((m) => m.id === id);
    if (!answer)
      throw new BackendError(this.backend, "protocol", `backend '${this.backend}' did not answer ${method}`);
    if (isObject(answer.error)) {
      throw new BackendError(
        this.backend,
        "protocol",
        `backend '${this.backend}' ${method}: ${String(answer.error.message)}`,
      );
    }
    return answer.result;
  }

  /** Starts the standalone stream and resolves once the backend has answered its GET (or the
   * call timeout passed): from then on, what the backend sends there reaches the client. */
  #openGetStream(): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, this.#o.timeoutMs);
      void this.#runGetStream(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  /** The standalone stream carries notifications and requests unrelated to a call
   * (resources/updated, log messages, roots/list...). Reconnects with backoff until closed. */
  async #runGetStream(answered: () => void): Promise<void> {
    const signal = this.#closed.signal;
    let delay = 500;
    while (!signal.aborted) {
      try {
        const res = await this.#o.pools.streams.request({
          path: this.#o.pools.path,
          method: "GET",
          headers: { ...(await this.#headers()), accept: "text/event-stream" },
          signal,
          headersTimeout: this.#o.timeoutMs,
          bodyTimeout: 0,
        });
        answered();
        if (res.statusCode !== 200) {
          await res.body.dump();
          // 405: the backend has no standalone stream; 404: session gone (the next call re-inits).
          if (res.statusCode === 405 || res.statusCode === 404 || res.statusCode === 409) return;
          throw new Error(`HTTP ${res.statusCode}`);
        }
        delay = 500;
        const hooks = this.#o.hooks;
        const parser = new SseParser((ev) => {
          const out = hooks.translate(this, ev.data);
          if (out !== undefined) hooks.unsolicited(this, out);
        }, this.#o.pools.maxAnswerBytes);
        for await (const chunk of res.body) parser.push(chunk as Uint8Array);
      } catch (err) {
        answered();
        if (signal.aborted) return;
        this.#o.log.debug({ backend: this.backend, err: String(err) }, "backend GET stream failed; retrying");
      }
      if (signal.aborted) return;
      await new Promise((r) => setTimeout(r, delay).unref());
      delay = Math.min(delay * 2, 30_000);
    }
  }

  async close(): Promise<void> {
    if (this.#closed.signal.aborted) return;
    this.#closed.abort();
    if (!this.#sessionId) return;
    try {
      await exchange(this.#o.pools.calls, {
        method: "DELETE",
        path: this.#o.pools.path,
        headers: await this.#headers(),
        timeoutMs: 2_000,
        maxBytes: this.#o.pools.maxAnswerBytes,
      });
    } catch {
      // Best effort: the backend's own session TTL cleans up if it is unreachable.
    }
  }
}

function headerValue(h: IncomingHttpHeaders, name: string): string | undefined {
  const v = h[name];
  return Array.isArray(v) ? v[0] : v;
}

function rpcErrorMessage(text: string): string | undefined {
  try {
    const v: unknown = JSON.parse(text);
    if (isObject(v) && isObject(v.error) && typeof v.error.message === "string") return v.error.message;
  } catch {}
  return text ? text.slice(0, 200) : undefined;
}

type Decoded = { id?: unknown; result?: unknown; error?: unknown };

/** Decode a buffered answer (JSON or SSE) into messages; for the gateway's own requests only. */
function decodeAll(res: Answer, backend: string): Decoded[] {
  const ct = headerValue(res.headers, "content-type") ?? "";
  const out: Decoded[] = [];
  const push = (text: string) => {
    try {
      const v: unknown = JSON.parse(text);
      for (const m of Array.isArray(v) ? v : [v]) if (isObject(m)) out.push(m);
    } catch {
      throw new BackendError(backend, "protocol", `backend '${backend}' sent invalid JSON`);
    }
  };
  const text = res.body?.toString("utf8") ?? "";
  if (ct.startsWith("text/event-stream")) new SseParser((ev) => push(ev.data)).push(`${text}\n\n`);
  else if (text) push(text);
  return out;
}
