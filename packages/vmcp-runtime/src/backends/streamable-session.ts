import type { IncomingHttpHeaders } from "node:http";
import type { Logger } from "../logger.ts";
import { isObject, type JsonRpcId, type JsonRpcRequest } from "../protocol/jsonrpc.ts";
import { requestInfo, telemetry } from "../telemetry/hooks.ts";
import { CallCancel } from "./cancel.ts";
import { toBackendError } from "./errors.ts";
import { type Answer, type AnswerReader, type AnswerStream, exchange } from "./exchange.ts";
import type { BackendPools } from "./pools.ts";
import {
  cancelledNotice,
  INITIALIZED_NOTICE,
  negotiated,
  nextWireId,
  readDuring,
  readdress,
} from "./session-protocol.ts";
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
  /** The standalone stream failed or ended while the session was open (the control session
   * re-lists then: the backend may have restarted with other tools). */
  onStreamLost?: () => void;
}

const ACCEPT = "application/json, text/event-stream";

/** A backend session over Streamable HTTP, spoken directly (no SDK on the hot path). Each request
 * goes out under an id unique in the process (connections are shared by all client sessions, and
 * clients' own ids collide), its answer is checked against that id and handed back under the
 * client's; SSE answers are read event by event so server->client requests can be remapped. */
export class StreamableBackendSession implements BackendSession {
  readonly backend: string;
  protocolVersion = "";
  serverCapabilities: Record<string, unknown> = {};
  instructions: string | undefined;
  #o: StreamableSessionOptions;
  #sessionId: string | undefined;
  /** What every request carries; the session's id and protocol version join once open. */
  #baseHeaders: Record<string, string> = { "content-type": "application/json", accept: ACCEPT };
  /** The same as a flat array, what a forwarded call without extra headers sends: undici takes
   * an array as it is, where an object's keys are listed per call. */
  #flatHeaders: string[] = flat(this.#baseHeaders);
  #closed = new AbortController();
  /** Wire ids of calls in flight, by the client's id (for the client's notifications/cancelled);
   * a Map tells 1 from "1" by itself. */
  #wireIds = new Map<JsonRpcId, string>();

  constructor(o: StreamableSessionOptions) {
    this.backend = o.backend;
    this.#o = o;
  }

  /** Per-request headers: the session's own plus outgoing auth/passthrough when there are any.
   * Synchronous when the backend's auth headers are (unauthenticated, static): the forward
   * path then costs no extra async function and microtask turn per call. */
  #headers(): Record<string, string> | Promise<Record<string, string>> {
    const got = this.#o.headers();
    return got instanceof Promise ? got.then((extra) => this.#merge(extra)) : this.#merge(got);
  }

  #merge(extra: Record<string, string>): Record<string, string> {
    for (const _ in extra) return { ...extra, ...this.#baseHeaders };
    return this.#baseHeaders;
  }

  /** #headers for a forwarded call: the flat array when there is nothing to add. */
  #forwardHeaders(): WireHeaders | Promise<Record<string, string>> {
    const got = this.#o.headers();
    if (got instanceof Promise) return got.then((extra) => this.#merge(extra));
    for (const _ in got) return this.#merge(got);
    return this.#flatHeaders;
  }

  async open(signal?: AbortSignal): Promise<void> {
    const id = nextWireId();
    const body = JSON.stringify({ jsonrpc: "2.0", id, method: "initialize", params: this.#o.init });
    const res = await this.#exchange(body, await this.#headers(), signal && CallCancel.from(signal));
    const sid = headerValue(res.headers, "mcp-session-id");
    const answer = answerIn(res, this.backend, id, this.#o.pools.maxAnswerBytes);
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
    this.#establish(sid);
    await this.send(INITIALIZED_NOTICE);
    // A backend may send a server->client request (sampling, elicitation) on its standalone
    // stream during the very first call: the stream must be open before any call is forwarded.
    if (sid && usesStandaloneStream(this.#o.init.capabilities, this.serverCapabilities))
      await this.#openGetStream();
  }

  #establish(sid: string | undefined): void {
    this.#sessionId = sid;
    const base: Record<string, string> = {
      "content-type": "application/json",
      accept: ACCEPT,
      "mcp-protocol-version": this.protocolVersion,
    };
    if (sid) base["mcp-session-id"] = sid;
    this.#baseHeaders = base;
    this.#flatHeaders = flat(base);
  }

  /** The backend's id for this session; undefined before open or when the backend keeps none. */
  get sessionId(): string | undefined {
    return this.#sessionId;
  }

  /** Continue a session another gateway replica opened, without initialize: if the backend has
   * forgotten it, the first call gets 404 and the caller re-initializes. The standalone stream is
   * tried once in the background (a backend allows one per session; the replica that opened the
   * session may still hold it). */
  resume(r: {
    sessionId: string;
    protocolVersion: string;
    serverCapabilities: Record<string, unknown>;
  }): void {
    this.protocolVersion = r.protocolVersion;
    this.serverCapabilities = r.serverCapabilities;
    this.#establish(r.sessionId);
    if (usesStandaloneStream(this.#o.init.capabilities, this.serverCapabilities))
      void this.#runGetStream(() => {});
  }

  /** Stop using the session in this process but leave it open at the backend, where other
   * replicas continue it. */
  detach(): void {
    this.#closed.abort();
  }

  /** POST one message. 404 on an established session means the backend forgot it; other HTTP
   * errors become BackendErrors carrying the backend's JSON-RPC message when it sent one. */
  async #exchange(
    body: string,
    headers: WireHeaders,
    cancel: CallCancel | undefined,
    reader?: AnswerReader,
  ): Promise<Answer> {
    const { callSlots } = this.#o.pools;
    let res: Answer;
    let timeoutMs = this.#o.timeoutMs;
    if (!callSlots.tryAcquire()) {
      // The wait for a connection is part of the call's time: the answer gets what is left.
      const start = performance.now();
      try {
        await callSlots.acquire(timeoutMs, cancel?.signal);
      } catch (err) {
        throw toBackendError(this.backend, err, this.#o.timeoutMs);
      }
      timeoutMs = Math.max(1, Math.round(timeoutMs - (performance.now() - start)));
    }
    try {
      res = await this.#send(body, headers, cancel, reader, timeoutMs);
    } catch (err) {
      throw toBackendError(this.backend, err, this.#o.timeoutMs);
    } finally {
      callSlots.release();
    }
    this.#refuseStatus(res);
    return res;
  }

  #send(
    body: string,
    headers: WireHeaders,
    cancel: CallCancel | undefined,
    reader: AnswerReader | undefined,
    timeoutMs: number,
  ): Promise<Answer> {
    const { calls, path, maxAnswerBytes } = this.#o.pools;
    return exchange(
      calls,
      {
        method: "POST",
        path,
        // The active span's traceparent (telemetry on): the backend continues the client's trace.
        headers: telemetry.on ? traced(headers) : headers,
        body,
        timeoutMs,
        maxBytes: maxAnswerBytes,
      },
      cancel,
      reader,
    );
  }

  #refuseStatus(res: Answer): void {
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
  }

  forward(msg: JsonRpcRequest, body: string, sink: CallSink, cancel: CallCancel): Promise<void> {
    if (!telemetry.on) return this.#forward(msg, body, sink, cancel);
    return telemetry.backendCall(this.backend, requestInfo(msg.method, msg.params), () =>
      this.#forward(msg, body, sink, cancel),
    );
  }

  /** The hot path: the answer is read by a WireCall (no closures per call). */
  async #forward(msg: JsonRpcRequest, body: string, sink: CallSink, cancel: CallCancel): Promise<void> {
    const wireId = nextWireId();
    this.#wireIds.set(msg.id, wireId);
    const call = new WireCall(this, wireId, msg, sink, this.#o.hooks, this.#o.pools.maxAnswerBytes);
    try {
      const hdrs = this.#forwardHeaders();
      const res = await this.#exchange(
        readdress(body, msg.id, wireId),
        hdrs instanceof Promise ? await hdrs : hdrs,
        cancel,
        call,
      );
      if (call.streamed) {
        sink.end();
        return;
      }
      if (call.answer === undefined) {
        sink.fail(-32603, `backend '${this.backend}' sent an empty answer (HTTP ${res.status})`);
        return;
      }
      sink.json(call.answer);
    } catch (err) {
      const e = toBackendError(this.backend, err, this.#o.timeoutMs);
      if (e.kind === "timeout") void this.send(cancelledNotice(wireId, e.message)).catch(() => {});
      throw e;
    } finally {
      this.#wireIds.delete(msg.id);
    }
  }

  async send(body: string): Promise<void> {
    await this.#exchange(this.#toWire(body), await this.#headers(), undefined);
  }

  /** A client's notifications/cancelled names the call by the client's id; the backend knows
   * the wire id. */
  #toWire(body: string): string {
    if (this.#wireIds.size === 0 || !body.includes('"notifications/cancelled"')) return body;
    const v: unknown = JSON.parse(body);
    if (!isObject(v) || v.method !== "notifications/cancelled" || !isObject(v.params)) return body;
    const rid = v.params.requestId;
    const wire = typeof rid === "string" || typeof rid === "number" ? this.#wireIds.get(rid) : undefined;
    return wire ? JSON.stringify({ ...v, params: { ...v.params, requestId: wire } }) : body;
  }

  async request(method: string, params: Record<string, unknown>, signal?: AbortSignal): Promise<unknown> {
    const id = nextWireId();
    const msg: JsonRpcRequest = { jsonrpc: "2.0", id, method, params };
    const res = await this.#exchange(
      JSON.stringify(msg),
      await this.#headers(),
      signal && CallCancel.from(signal),
    );
    const answer = answerIn(res, this.backend, id, this.#o.pools.maxAnswerBytes);
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
          // (409: another stream of this session is open.)
          if (res.statusCode === 405 || res.statusCode === 409) return;
          if (res.statusCode === 404) {
            this.#o.onStreamLost?.();
            return;
          }
          throw new Error(`HTTP ${res.statusCode}`);
        }
        delay = 500;
        const hooks = this.#o.hooks;
        const parser = new SseParser((ev) => {
          const out = hooks.translate(this, ev.data);
          if (out !== undefined) hooks.unsolicited(this, out);
        }, this.#o.pools.maxAnswerBytes);
        for await (const chunk of res.body) parser.push(chunk as Uint8Array);
        if (!signal.aborted) this.#o.onStreamLost?.();
      } catch (err) {
        answered();
        if (signal.aborted) return;
        this.#o.log.debug({ backend: this.backend, err: String(err) }, "backend GET stream failed; retrying");
        this.#o.onStreamLost?.();
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

type WireHeaders = Record<string, string> | string[];

const flat = (h: Record<string, string>): string[] => Object.entries(h).flat();

/** `h` plus the active span's trace context headers, when there is one. */
function traced(h: WireHeaders): WireHeaders {
  const extra = telemetry.inject({});
  for (const _ in extra) return Array.isArray(h) ? [...h, ...flat(extra)] : { ...h, ...extra };
  return h;
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

/** The answer to the gateway's own request `id` in a buffered answer (JSON or SSE), or undefined;
 * every message in it must pass readDuring. */
function answerIn(res: Answer, backend: string, id: string, maxBytes: number): Decoded | undefined {
  const ct = headerValue(res.headers, "content-type") ?? "";
  let found: Decoded | undefined;
  const read = (data: string) => {
    const r = readDuring(backend, id, data);
    if (r.answer) found = r.msg;
  };
  const text = res.body?.toString("utf8") ?? "";
  if (ct.startsWith("text/event-stream")) new SseParser((ev) => read(ev.data), maxBytes).push(`${text}\n\n`);
  else if (text) read(text);
  return found;
}

/** Reads the answer to one forwarded call (sent as `wireId`): a JSON body is checked (JSON-RPC,
 * answering `wireId`) and re-addressed to the client's id before undici may reuse the connection;
 * an SSE body is checked and handed to the sink event by event, server->client messages
 * translated by the client session. */
class WireCall implements AnswerReader, AnswerStream {
  /** The JSON answer, re-addressed to the client, once it passed its check. */
  answer: string | undefined;
  streamed = false;
  #session: StreamableBackendSession;
  #wireId: string;
  #msg: JsonRpcRequest;
  #sink: CallSink;
  #hooks: RelayHooks;
  #maxEventBytes: number;
  #parser: SseParser | undefined;

  constructor(
    session: StreamableBackendSession,
    wireId: string,
    msg: JsonRpcRequest,
    sink: CallSink,
    hooks: RelayHooks,
    maxEventBytes: number,
  ) {
    this.#session = session;
    this.#wireId = wireId;
    this.#msg = msg;
    this.#sink = sink;
    this.#hooks = hooks;
    this.#maxEventBytes = maxEventBytes;
  }

  start(_status: number, h: IncomingHttpHeaders): AnswerStream | undefined {
    const ct = headerValue(h, "content-type");
    if (!ct?.startsWith("text/event-stream")) return undefined;
    this.streamed = true;
    this.#sink.startStream();
    this.#parser = new SseParser((ev) => this.#event(ev.data), this.#maxEventBytes);
    return this;
  }

  data(chunk: Buffer): void {
    this.#parser?.push(chunk);
  }

  /** Ends the client's stream in the same turn as the backend's, so a held last event and the
   * end go out in one write. */
  end(): void {
    this.#sink.end();
  }

  #event(data: string): void {
    const backend = this.#session.backend;
    const read = readDuring(backend, this.#wireId, data);
    if (read.answer) {
      this.#sink.event(readdress(data, this.#wireId, this.#msg.id, read.msg));
      return;
    }
    const out = this.#hooks.translate(this.#session, data);
    if (out !== undefined) this.#sink.event(out);
  }

  check(bytes: Buffer): Error | undefined {
    const backend = this.#session.backend;
    try {
      const text = bytes.toString("utf8");
      const read = readDuring(backend, this.#wireId, text);
      if (!read.answer) throw new BackendError(backend, "protocol", `backend '${backend}' sent no answer`);
      this.answer = readdress(text, this.#wireId, this.#msg.id, read.msg);
      return undefined;
    } catch (err) {
      return err as Error;
    }
  }
}

/** Whether a client session's standalone GET stream can carry anything: requests to the client
 * need a capability the client declared (sampling, elicitation, roots); unsolicited
 * notifications need one the backend declared (log messages, resources/updated). list_changed
 * reaches the gateway on its control session anyway. Without any, the stream would only hold a
 * connection per client session and backend. */
export function usesStandaloneStream(
  client: Record<string, unknown>,
  server: Record<string, unknown>,
): boolean {
  if (client.sampling || client.elicitation || client.roots) return true;
  const resources = server.resources;
  return Boolean(server.logging) || (isObject(resources) && resources.subscribe === true);
}
