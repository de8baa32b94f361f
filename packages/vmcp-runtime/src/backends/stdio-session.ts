// One MCP session with a server over its stdio, through a stream that can break and be made again
// (a Kubernetes attach to the server's pod, a child process in tests). The session owns the
// handshake: each new stream starts a fresh server process's life, so it initialises the server
// itself and keeps the answer for the clients it serves. Calls in flight when the stream breaks
// fail with -32603; the next stream is made with backoff, and later calls work again.
import type { Readable, Writable } from "node:stream";
import { LATEST_PROTOCOL_VERSION } from "@modelcontextprotocol/sdk/types.js";
import { sleep } from "@vmcp/kube-kit/backoff";
import type { Logger } from "../logger.ts";
import { ErrorCodes, isObject, type JsonObject } from "../protocol/jsonrpc.ts";
import { frame, LineSplitter, LineTooLongError } from "./stdio-lines.ts";

/** A server's stdin and stdout, and the end of the connection carrying them. */
export interface StdioStream {
  readable: Readable;
  writable: Writable;
  /** Settles (never rejects) with why the connection ended. */
  closed: Promise<string>;
  close(): void;
}

export type StdioConnector = (signal: AbortSignal) => Promise<StdioStream>;

/** A JSON-RPC error for the client: the server's own, or the proxy's (-32603) when the stream broke. */
export class StdioCallError extends Error {
  readonly code: number;
  readonly data: unknown;
  constructor(code: number, message: string, data?: unknown) {
    super(message);
    this.name = "StdioCallError";
    this.code = code;
    this.data = data;
  }
}

/** An abort reason whose message reaches the server as the `reason` of its notifications/cancelled. */
export class CallCancelled extends Error {
  constructor(message: string) {
    super(message);
    this.name = "CallCancelled";
  }
}

export interface StdioSessionOptions {
  /** Names the server in errors and logs. */
  name: string;
  connect: StdioConnector;
  log: Logger;
  /** Largest line (one message) accepted from the server. */
  maxLineBytes: number;
  /** Longest wait for one answer. */
  callTimeoutMs: number;
  /** Longest wait for the server's initialize answer on a new stream. */
  initTimeoutMs?: number;
  /** Calls in flight at once; more are refused rather than queued without bound. */
  maxInFlight?: number;
  backoff?: { initialMs: number; maxMs: number };
  clientInfo?: { name: string; version: string };
}

/** Who hears what the server says on its own (one listener: the proxy in front of the session). */
export interface StdioSessionListener {
  /** The server's notifications (progress, list changes, log messages...), in the order written. */
  notification(method: string, params: JsonObject | undefined): void;
  /** A new stream is up and initialised: state the server lost with its old process can be restored. */
  connected(): void;
}

interface Pending {
  resolve: (result: unknown) => void;
  reject: (e: StdioCallError) => void;
  timer: NodeJS.Timeout;
}

const DEFAULT_BACKOFF = { initialMs: 200, maxMs: 5_000 };

export class StdioSession {
  readonly #o: StdioSessionOptions;
  readonly #stop = new AbortController();
  #stream: StdioStream | undefined;
  #initialized: Record<string, unknown> | undefined;
  #pending = new Map<string, Pending>();
  #seq = 0;
  #waiters = new Set<() => void>();
  #connects = 0;
  #running: Promise<void> | undefined;
  #listener: StdioSessionListener | undefined;

  constructor(o: StdioSessionOptions) {
    this.#o = o;
  }

  /** The server's initialize result on the current stream; undefined while there is none. */
  get initializeResult(): Record<string, unknown> | undefined {
    return this.#initialized;
  }

  /** Streams made and initialised so far (1 after the first, 2 after a reconnect...). */
  get connects(): number {
    return this.#connects;
  }

  listen(listener: StdioSessionListener): void {
    this.#listener = listener;
  }

  start(): void {
    this.#running ??= this.#run();
  }

  async stop(): Promise<void> {
    this.#stop.abort();
    this.#stream?.close();
    await this.#running;
  }

  /** Resolves with the initialize result once a stream is up, or throws after `timeoutMs`. */
  async ready(timeoutMs: number): Promise<Record<string, unknown>> {
    const deadline = Date.now() + timeoutMs;
    while (!this.#initialized) {
      const left = deadline - Date.now();
      if (left <= 0 || this.#stop.signal.aborted)
        throw new StdioCallError(
          ErrorCodes.InternalError,
          `MCP server '${this.#o.name}' is not connected (its stdio could not be reached within ${timeoutMs} ms)`,
        );
      await new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(t);
          this.#waiters.delete(done);
          resolve();
        };
        const t = setTimeout(done, left);
        this.#waiters.add(done);
      });
    }
    return this.#initialized;
  }

  /** Sends a request and resolves with its result; a JSON-RPC error answer rejects with it. */
  async request(method: string, params: unknown, signal?: AbortSignal): Promise<unknown> {
    const stream = this.#stream;
    if (!stream || !this.#initialized) await this.ready(this.#o.callTimeoutMs);
    return this.#send(method, params, signal);
  }

  /** A notification for the server; dropped while no stream is up (nothing would remember it). */
  notify(method: string, params?: unknown): void {
    if (!this.#initialized) return;
    this.#write(params === undefined ? { jsonrpc: "2.0", method } : { jsonrpc: "2.0", method, params });
  }

  #send(method: string, params: unknown, signal?: AbortSignal, stream = this.#stream): Promise<unknown> {
    const max = this.#o.maxInFlight ?? 1024;
    if (this.#pending.size >= max)
      return Promise.reject(
        new StdioCallError(
          ErrorCodes.InternalError,
          `MCP server '${this.#o.name}' has ${max} calls in flight`,
        ),
      );
    if (!stream) return Promise.reject(this.#gone("is not connected"));
    const id = `vmcp-proxy-${(++this.#seq).toString(36)}`;
    return new Promise<unknown>((resolve, reject) => {
      const timeoutMs = method === "initialize" ? (this.#o.initTimeoutMs ?? 10_000) : this.#o.callTimeoutMs;
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        this.#write({ jsonrpc: "2.0", method: "notifications/cancelled", params: { requestId: id } }, stream);
        reject(
          new StdioCallError(
            ErrorCodes.RequestTimeout,
            `MCP server '${this.#o.name}' did not answer within ${timeoutMs} ms`,
          ),
        );
      }, timeoutMs);
      this.#pending.set(id, { resolve, reject, timer });
      signal?.addEventListener(
        "abort",
        () => {
          const p = this.#pending.get(id);
          if (!p) return;
          this.#pending.delete(id);
          clearTimeout(p.timer);
          const reason = signal.reason instanceof CallCancelled ? signal.reason.message : undefined;
          this.#write(
            {
              jsonrpc: "2.0",
              method: "notifications/cancelled",
              params: reason === undefined ? { requestId: id } : { requestId: id, reason },
            },
            stream,
          );
          reject(new StdioCallError(ErrorCodes.InternalError, "the call was cancelled"));
        },
        { once: true },
      );
      this.#write(
        params === undefined ? { jsonrpc: "2.0", id, method } : { jsonrpc: "2.0", id, method, params },
        stream,
      );
    });
  }

  #write(message: unknown, stream = this.#stream): void {
    if (!stream || stream.writable.destroyed) return;
    stream.writable.write(frame(message));
  }

  #gone(why: string): StdioCallError {
    return new StdioCallError(
      ErrorCodes.InternalError,
      `MCP server '${this.#o.name}' ${why}; the proxy reconnects, later calls can succeed`,
    );
  }

  async #run(): Promise<void> {
    const backoff = this.#o.backoff ?? DEFAULT_BACKOFF;
    let delay = backoff.initialMs;
    const signal = this.#stop.signal;
    while (!signal.aborted) {
      let why: string;
      try {
        const stream = await this.#o.connect(signal);
        this.#stream = stream;
        const broke = this.#read(stream);
        const result = await Promise.race([
          this.#send(
            "initialize",
            {
              protocolVersion: LATEST_PROTOCOL_VERSION,
              capabilities: {},
              clientInfo: this.#o.clientInfo ?? { name: "vmcp-proxy", version: "1" },
            },
            undefined,
            stream,
          ),
          broke.then((w) => {
            throw new Error(w);
          }),
        ]);
        this.#initialized = isObject(result) ? result : {};
        this.#write({ jsonrpc: "2.0", method: "notifications/initialized" }, stream);
        this.#connects++;
        delay = backoff.initialMs;
        this.#o.log.info({ server: this.#o.name, connects: this.#connects }, "stdio MCP server connected");
        for (const w of [...this.#waiters]) w();
        try {
          this.#listener?.connected();
        } catch (e) {
          this.#o.log.error({ err: e, server: this.#o.name }, "restoring the server's state failed");
        }
        why = await broke;
      } catch (e) {
        why = e instanceof Error ? e.message : String(e);
      }
      this.#initialized = undefined;
      this.#stream?.close();
      this.#stream = undefined;
      this.#failAll(why);
      if (signal.aborted) break;
      this.#o.log.warn({ server: this.#o.name, why, retryInMs: delay }, "stdio MCP server disconnected");
      await sleep(delay, signal);
      delay = Math.min(delay * 2, backoff.maxMs);
    }
  }

  /** Delivers the stream's messages; settles with why it ended (its own end, or a bad line). */
  #read(stream: StdioStream): Promise<string> {
    const lines = new LineSplitter(this.#o.maxLineBytes);
    return new Promise<string>((resolve) => {
      const end = (why: string) => {
        stream.readable.off("data", onData);
        resolve(why);
      };
      const onData = (chunk: Buffer | string) => {
        let got: string[];
        try {
          got = lines.push(typeof chunk === "string" ? Buffer.from(chunk) : chunk);
        } catch (e) {
          if (!(e instanceof LineTooLongError)) throw e;
          this.#o.log.error({ server: this.#o.name, limit: e.limit }, e.message);
          stream.close();
          end(e.message);
          return;
        }
        for (const line of got) this.#onLine(line, stream);
      };
      stream.readable.on("data", onData);
      stream.readable.once("end", () => end("the server's stdout ended"));
      stream.readable.once("error", (e) => end(`the server's stdout failed: ${e.message}`));
      stream.writable.once("error", (e) => end(`the server's stdin failed: ${e.message}`));
      void stream.closed.then(end);
    });
  }

  #onLine(line: string, stream: StdioStream): void {
    let msg: unknown;
    try {
      msg = JSON.parse(line);
    } catch {
      // Servers that print to stdout break the protocol; the line is not a message for anyone.
      this.#o.log.warn(
        { server: this.#o.name, line: line.slice(0, 200) },
        "stdio MCP server wrote a non-JSON line",
      );
      return;
    }
    if (!isObject(msg)) return;
    if (typeof msg.method === "string") {
      if (msg.id === undefined || msg.id === null) {
        this.#deliver(msg.method, isObject(msg.params) ? msg.params : undefined);
        return;
      }
      if (typeof msg.id !== "string" && typeof msg.id !== "number") return;
      // A ping is answered here: it asks whether the proxy (the server's client) is alive.
      if (msg.method === "ping") {
        this.#write({ jsonrpc: "2.0", id: msg.id, result: {} }, stream);
        return;
      }
      // Sampling, elicitation and roots ask a client a question, but this one session of the
      // server's is shared by every client of the proxy, and the proxy declared none of those
      // capabilities: no client can be chosen to answer, so the server is told so.
      this.#write(
        {
          jsonrpc: "2.0",
          id: msg.id,
          error: {
            code: ErrorCodes.MethodNotFound,
            message: `the vmcp proxy relays no server-to-client requests (${msg.method.slice(0, 100)}): the server's stdio session is shared by all of the proxy's clients`,
          },
        },
        stream,
      );
      return;
    }
    if (typeof msg.id !== "string") return;
    const p = this.#pending.get(msg.id);
    if (!p) {
      this.#o.log.debug(
        { server: this.#o.name, id: msg.id.slice(0, 100) },
        "answer to no call in flight dropped",
      );
      return;
    }
    this.#pending.delete(msg.id);
    clearTimeout(p.timer);
    if (isObject(msg.error)) {
      const code = typeof msg.error.code === "number" ? msg.error.code : ErrorCodes.InternalError;
      p.reject(new StdioCallError(code, String(msg.error.message ?? "error"), msg.error.data));
    } else p.resolve(msg.result);
  }

  #deliver(method: string, params: JsonObject | undefined): void {
    try {
      this.#listener?.notification(method, params);
    } catch (e) {
      // A listener's bug must not end the stream that every client shares.
      this.#o.log.error(
        { err: e, server: this.#o.name, method: method.slice(0, 100) },
        "server notification not delivered",
      );
    }
  }

  #failAll(why: string): void {
    const err = this.#gone(`closed its stdio (${why})`);
    for (const [id, p] of this.#pending) {
      this.#pending.delete(id);
      clearTimeout(p.timer);
      p.reject(err);
    }
  }
}
