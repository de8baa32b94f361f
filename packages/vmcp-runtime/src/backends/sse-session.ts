import { SSEClientTransport } from "@modelcontextprotocol/sdk/client/sse.js";
import type { JSONRPCMessage } from "@modelcontextprotocol/sdk/types.js";
import type { Logger } from "../logger.ts";
import { idKey, isObject, type JsonRpcId, type JsonRpcRequest } from "../protocol/jsonrpc.ts";
import { requestInfo, telemetry } from "../telemetry/hooks.ts";
import type { CallCancel } from "./cancel.ts";
import { cancelledError, timeoutError, toBackendError } from "./errors.ts";
import { backendFetch } from "./fetch.ts";
import type { BackendPools } from "./pools.ts";
import { cancelledNotice, INITIALIZED_NOTICE, negotiated } from "./session-protocol.ts";
import {
  BackendError,
  type BackendSession,
  type CallSink,
  type InitializeParams,
  type RelayHooks,
} from "./types.ts";

export interface SseSessionOptions {
  backend: string;
  url: string;
  pools: BackendPools;
  timeoutMs: number;
  init: InitializeParams;
  hooks: RelayHooks;
  headers: () => Promise<Record<string, string>> | Record<string, string>;
  log: Logger;
}

interface Pending {
  sink: CallSink;
  progressToken: unknown;
  timer: NodeJS.Timeout;
  resolve: () => void;
  reject: (e: unknown) => void;
}

/** A backend session over the legacy HTTP+SSE transport. The SDK transport moves raw messages;
 * everything arrives on one stream, so answers are matched by id and progress by token. */
export class SseBackendSession implements BackendSession {
  readonly backend: string;
  protocolVersion = "";
  serverCapabilities: Record<string, unknown> = {};
  instructions: string | undefined;
  #o: SseSessionOptions;
  #transport: SSEClientTransport | undefined;
  #pending = new Map<string, Pending>();
  #own = new Map<string, { resolve: (v: unknown) => void; reject: (e: unknown) => void }>();
  #ownIds = 0;
  #closed = false;

  constructor(o: SseSessionOptions) {
    this.backend = o.backend;
    this.#o = o;
  }

  async open(): Promise<void> {
    const fetch = backendFetch(this.#o.pools.streams, async () =>
      telemetry.inject({ ...(await this.#o.headers()) }),
    );
    const t = new SSEClientTransport(new URL(this.#o.url), { fetch, eventSourceInit: { fetch } });
    t.onmessage = (m) => this.#onMessage(m);
    t.onclose = () =>
      this.#failAll(
        new BackendError(this.backend, "unreachable", `backend '${this.backend}' closed its SSE stream`),
      );
    t.onerror = (e) =>
      this.#o.log.debug({ backend: this.backend, err: String(e) }, "SSE backend transport error");
    this.#transport = t;
    try {
      await withTimeout(t.start(), this.#o.timeoutMs, this.backend);
    } catch (err) {
      throw toBackendError(this.backend, err, this.#o.timeoutMs);
    }
    const result = await this.request("initialize", { ...this.#o.init });
    Object.assign(this, negotiated(result, this.#o.init.protocolVersion));
    t.setProtocolVersion?.(this.protocolVersion);
    await this.send(INITIALIZED_NOTICE);
  }

  #onMessage(m: JSONRPCMessage): void {
    const msg = m as Record<string, unknown>;
    const hasId = typeof msg.id === "string" || typeof msg.id === "number";
    if (hasId && typeof msg.method !== "string") {
      const key = idKey(msg.id as JsonRpcId);
      const own = this.#own.get(key);
      if (own) {
        this.#own.delete(key);
        if (isObject(msg.error))
          own.reject(new BackendError(this.backend, "protocol", String(msg.error.message)));
        else own.resolve(msg.result);
        return;
      }
      const p = this.#pending.get(key);
      if (!p) return;
      this.#pending.delete(key);
      clearTimeout(p.timer);
      p.sink.event(JSON.stringify(msg));
      p.sink.end();
      p.resolve();
      return;
    }
    const data = JSON.stringify(msg);
    const out = this.#o.hooks.translate(this, data);
    if (out === undefined) return;
    // Progress belongs to the call that carries the token; it also restarts that call's timer.
    if (msg.method === "notifications/progress" && isObject(msg.params)) {
      for (const p of this.#pending.values()) {
        if (p.progressToken !== undefined && p.progressToken === msg.params.progressToken) {
          p.timer.refresh();
          p.sink.event(out);
          return;
        }
      }
    }
    // With exactly one call in flight, anything else the backend says belongs to it (that is
    // how a streamable backend would scope it); otherwise it goes to the client's GET stream.
    if (this.#pending.size === 1) {
      const only = this.#pending.values().next().value;
      if (only) {
        only.sink.event(out);
        return;
      }
    }
    this.#o.hooks.unsolicited(this, out);
  }

  #failAll(err: BackendError): void {
    this.#closed = true;
    for (const [k, p] of this.#pending) {
      this.#pending.delete(k);
      clearTimeout(p.timer);
      p.reject(err);
    }
    for (const [k, o] of this.#own) {
      this.#own.delete(k);
      o.reject(err);
    }
  }

  forward(msg: JsonRpcRequest, body: string, sink: CallSink, cancel: CallCancel): Promise<void> {
    if (!telemetry.on) return this.#forward(msg, body, sink, cancel);
    return telemetry.backendCall(this.backend, requestInfo(msg.method, msg.params), () =>
      this.#forward(msg, body, sink, cancel),
    );
  }

  async #forward(msg: JsonRpcRequest, body: string, sink: CallSink, cancel: CallCancel): Promise<void> {
    if (this.#closed || !this.#transport) {
      throw new BackendError(this.backend, "unreachable", `backend '${this.backend}' SSE session is closed`);
    }
    const key = idKey(msg.id);
    const meta = isObject(msg.params) && isObject(msg.params._meta) ? msg.params._meta : undefined;
    const done = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(key);
        const e = timeoutError(this.backend, this.#o.timeoutMs);
        void this.send(cancelledNotice(msg.id, e.message)).catch(() => {});
        reject(e);
      }, this.#o.timeoutMs);
      this.#pending.set(key, { sink, progressToken: meta?.progressToken, timer, resolve, reject });
      cancel.signal.addEventListener(
        "abort",
        () => {
          if (!this.#pending.delete(key)) return;
          clearTimeout(timer);
          reject(cancelledError(this.backend));
        },
        { once: true },
      );
    });
    sink.startStream();
    try {
      // `body` carries the rewritten name; `msg` is the client's original.
      await this.#transport.send(JSON.parse(body) as JSONRPCMessage);
    } catch (err) {
      const p = this.#pending.get(key);
      if (p) {
        clearTimeout(p.timer);
        this.#pending.delete(key);
      }
      throw toBackendError(this.backend, err, this.#o.timeoutMs);
    }
    await done;
  }

  async send(body: string): Promise<void> {
    if (!this.#transport)
      throw new BackendError(this.backend, "unreachable", `backend '${this.backend}' not connected`);
    try {
      await this.#transport.send(JSON.parse(body) as JSONRPCMessage);
    } catch (err) {
      throw toBackendError(this.backend, err, this.#o.timeoutMs);
    }
  }

  async request(method: string, params: Record<string, unknown>): Promise<unknown> {
    const id = `vmcp-${++this.#ownIds}`;
    const answer = new Promise<unknown>((resolve, reject) => this.#own.set(idKey(id), { resolve, reject }));
    await this.send(JSON.stringify({ jsonrpc: "2.0", id, method, params }));
    return withTimeout(answer, this.#o.timeoutMs, this.backend).finally(() => this.#own.delete(idKey(id)));
  }

  async close(): Promise<void> {
    this.#closed = true;
    await this.#transport?.close().catch(() => {});
  }
}

function withTimeout<T>(p: Promise<T>, ms: number, backend: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const t = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(timeoutError(backend, ms)), ms);
  });
  return Promise.race([p, t]).finally(() => clearTimeout(timer));
}
