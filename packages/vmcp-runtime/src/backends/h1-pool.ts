import type { IncomingHttpHeaders } from "node:http";
import { connect as netConnect, type Socket } from "node:net";
import { connect as tlsConnect } from "node:tls";

export interface RawResult {
  status: number;
  headers: IncomingHttpHeaders;
  /** The buffered body; undefined when the caller streamed it. */
  body: Buffer | undefined;
}

/** Called when the response headers arrive (2xx with a body): return a consumer to stream the
 * body through it, or undefined to have it buffered. */
export type OnResponseStart = (
  status: number,
  headers: IncomingHttpHeaders,
) => ((chunk: Buffer) => void) | undefined;

/** Error codes shared with undici so error mapping (errors.ts) treats both clients alike. */
class H1Error extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.code = code;
  }
}

export interface H1PoolOptions {
  /** Extra CA certificates (with the system roots) for https origins. */
  ca?: string[];
  connectTimeoutMs?: number;
  maxIdle?: number;
}

export interface H1Request {
  method: "POST" | "DELETE";
  path: string;
  headers: Record<string, string>;
  body?: string;
  /** Longest wait for the first response byte, and longest silence inside the body. */
  timeoutMs: number;
}

const CRLF2 = Buffer.from("\r\n\r\n");

/** A minimal HTTP/1.1 keep-alive client for the gateway's hot path (POSTs to a backend's MCP
 * endpoint): one write per request, a small response parser (Content-Length, chunked, or
 * read-to-close), sockets reused while the server keeps them alive. It exists because the
 * general-purpose client was about a third of the gateway's CPU per call. Long-lived GET streams
 * and SDK transports still use undici. */
export class H1Pool {
  #url: URL;
  #host: string;
  #port: number;
  #tls: boolean;
  #o: H1PoolOptions;
  #idle: Conn[] = [];
  #all = new Set<Conn>();
  #closed = false;

  constructor(origin: string, o: H1PoolOptions = {}) {
    this.#url = new URL(origin);
    this.#tls = this.#url.protocol === "https:";
    this.#host = this.#url.hostname.replace(/^\[|\]$/g, "");
    this.#port = Number(this.#url.port) || (this.#tls ? 443 : 80);
    this.#o = o;
  }

  #connect(): Conn {
    const socket = this.#tls
      ? tlsConnect({
          host: this.#host,
          port: this.#port,
          ca: this.#o.ca,
          servername: /^[\d.:]+$/.test(this.#host) ? undefined : this.#host,
          ALPNProtocols: ["http/1.1"],
        })
      : netConnect({ host: this.#host, port: this.#port });
    socket.setNoDelay(true);
    const conn = new Conn(socket, () => this.#drop(conn));
    this.#all.add(conn);
    return conn;
  }

  #drop(conn: Conn): void {
    this.#all.delete(conn);
    const i = this.#idle.indexOf(conn);
    if (i !== -1) this.#idle.splice(i, 1);
  }

  #release(conn: Conn): void {
    if (this.#closed || !conn.reusable || this.#idle.length >= (this.#o.maxIdle ?? 256)) {
      conn.destroy();
      return;
    }
    conn.idle();
    this.#idle.push(conn);
  }

  async request(req: H1Request, signal?: AbortSignal, onStart?: OnResponseStart): Promise<RawResult> {
    if (this.#closed) throw new H1Error("UND_ERR_DESTROYED", "pool closed");
    const head = this.#head(req);
    for (let attempt = 0; ; attempt++) {
      const reused = this.#idle.pop();
      const conn = reused ?? this.#connect();
      try {
        const res = await conn.exchange(
          head,
          req.body,
          req.timeoutMs,
          this.#o.connectTimeoutMs ?? 10_000,
          signal,
          onStart,
        );
        this.#release(conn);
        return res;
      } catch (err) {
        conn.destroy();
        // A kept-alive socket the server closed before reading our request: nothing was
        // processed, so one retry on a fresh socket is safe.
        if (
          reused &&
          attempt === 0 &&
          err instanceof H1Error &&
          err.code === "UND_ERR_SOCKET" &&
          !conn.gotBytes
        )
          continue;
        throw err;
      }
    }
  }

  #head(req: H1Request): string {
    let h = `${req.method} ${req.path} HTTP/1.1\r\nhost: ${this.#url.host}\r\n`;
    for (const k in req.headers) h += `${k}: ${req.headers[k]}\r\n`;
    h += `content-length: ${req.body === undefined ? 0 : Buffer.byteLength(req.body)}\r\n\r\n`;
    return h;
  }

  close(): void {
    this.#closed = true;
    for (const c of this.#all) c.destroy();
    this.#all.clear();
    this.#idle = [];
  }
}

type BodyMode = "length" | "chunked" | "close" | "none";

class Conn {
  readonly socket: Socket;
  reusable = true;
  gotBytes = false;
  #onGone: () => void;
  #idleTimer: NodeJS.Timeout | undefined;
  #idleTimerMs = -1;
  #keepAliveMs = 4_000;
  // per-exchange state
  #buf: Buffer | undefined;
  #status = 0;
  #headers: IncomingHttpHeaders = {};
  #mode: BodyMode = "none";
  #remaining = 0;
  #chunkState: "size" | "data" | "crlf" | "trailers" = "size";
  #chunks: Buffer[] | undefined;
  #consume: ((chunk: Buffer) => void) | undefined;
  #resolve: ((r: RawResult) => void) | undefined;
  #reject: ((e: unknown) => void) | undefined;
  #onStart: OnResponseStart | undefined;
  #timer: NodeJS.Timeout | undefined;
  #inHeaders = true;

  constructor(socket: Socket, onGone: () => void) {
    this.socket = socket;
    this.#onGone = onGone;
    socket.on("data", (d: Buffer) => this.#data(d));
    socket.on("error", (e) => this.#fail(new H1Error("UND_ERR_SOCKET", `${e.message}`), e));
    socket.on("close", () => {
      if (this.#mode === "close" && this.#resolve) this.#finish();
      this.#fail(new H1Error("UND_ERR_SOCKET", "other side closed"));
      this.reusable = false;
      clearTimeout(this.#idleTimer);
      this.#onGone();
    });
  }

  idle(): void {
    // One idle timer per connection, re-armed with refresh() rather than a new Timeout per call;
    // exchange() leaves it armed and the callback ignores a connection that is busy again.
    const t = this.#idleTimer;
    if (t && this.#idleTimerMs === this.#keepAliveMs) {
      t.refresh();
      return;
    }
    clearTimeout(t);
    this.#idleTimerMs = this.#keepAliveMs;
    this.#idleTimer = setTimeout(() => {
      if (!this.#resolve) this.destroy();
    }, this.#keepAliveMs);
    this.#idleTimer.unref();
  }

  destroy(): void {
    this.reusable = false;
    clearTimeout(this.#idleTimer);
    this.socket.destroy();
  }

  exchange(
    head: string,
    body: string | undefined,
    timeoutMs: number,
    connectTimeoutMs: number,
    signal: AbortSignal | undefined,
    onStart: OnResponseStart | undefined,
  ): Promise<RawResult> {
    if (signal?.aborted) return Promise.reject(new DOMException("request aborted", "AbortError"));
    this.gotBytes = false;
    this.#buf = undefined;
    this.#inHeaders = true;
    this.#chunks = undefined;
    this.#consume = undefined;
    this.#onStart = onStart;
    return new Promise<RawResult>((resolve, reject) => {
      const onAbort = () => this.#fail(new DOMException("request aborted", "AbortError"));
      signal?.addEventListener("abort", onAbort, { once: true });
      this.#resolve = (r) => {
        signal?.removeEventListener("abort", onAbort);
        resolve(r);
      };
      this.#reject = (e) => {
        signal?.removeEventListener("abort", onAbort);
        reject(e);
      };
      const connecting = this.socket.connecting;
      this.#timer = setTimeout(
        () =>
          this.#fail(
            this.socket.connecting
              ? new H1Error("UND_ERR_CONNECT_TIMEOUT", "connect timeout")
              : new H1Error(this.#inHeaders ? "UND_ERR_HEADERS_TIMEOUT" : "UND_ERR_BODY_TIMEOUT", "timeout"),
          ),
        connecting ? Math.min(connectTimeoutMs, timeoutMs) : timeoutMs,
      );
      if (connecting) {
        const t = this.#timer;
        this.socket.once("connect", () => {
          // From here on the call's own timeout applies.
          t.refresh();
        });
      }
      this.socket.write(body === undefined ? head : head + body);
    });
  }

  #fail(err: unknown, _cause?: unknown): void {
    const reject = this.#reject;
    if (!reject) return;
    this.#clear();
    this.reusable = false;
    this.socket.destroy();
    reject(err);
  }

  #clear(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#resolve = undefined;
    this.#reject = undefined;
  }

  #finish(): void {
    const resolve = this.#resolve;
    if (!resolve) return;
    const chunks = this.#chunks;
    const body = chunks ? (chunks.length === 1 ? chunks[0] : Buffer.concat(chunks)) : undefined;
    const result: RawResult = { status: this.#status, headers: this.#headers, body };
    this.#clear();
    this.#buf = undefined;
    resolve(result);
  }

  #data(d: Buffer): void {
    if (!this.#resolve) {
      // Bytes outside an exchange: the connection is out of sync; never reuse it.
      this.destroy();
      return;
    }
    this.gotBytes = true;
    this.#timer?.refresh();
    let buf = this.#buf ? Buffer.concat([this.#buf, d]) : d;
    this.#buf = undefined;
    if (this.#inHeaders) {
      const end = buf.indexOf(CRLF2);
      if (end === -1) {
        if (buf.length > 1024 * 1024)
          this.#fail(new H1Error("UND_ERR_HEADERS_OVERFLOW", "response headers too large"));
        else this.#buf = buf;
        return;
      }
      if (!this.#parseHead(buf.toString("latin1", 0, end))) return;
      this.#inHeaders = false;
      buf = buf.subarray(end + 4);
      if (this.#mode === "none" || (this.#mode === "length" && this.#remaining === 0)) {
        this.#finish();
        return;
      }
    }
    this.#body(buf);
  }

  #parseHead(text: string): boolean {
    const lines = text.split("\r\n");
    const m = /^HTTP\/1\.[01] (\d{3})/.exec(lines[0] ?? "");
    if (!m) {
      this.#fail(new H1Error("UND_ERR_SOCKET", "invalid HTTP response"));
      return false;
    }
    this.#status = Number(m[1]);
    const headers: IncomingHttpHeaders = {};
    for (let i = 1; i < lines.length; i++) {
      const line = lines[i] as string;
      const c = line.indexOf(":");
      if (c <= 0) continue;
      const k = line.slice(0, c).trim().toLowerCase();
      const v = line.slice(c + 1).trim();
      const prev = headers[k];
      if (prev === undefined) headers[k] = v;
      else if (Array.isArray(prev)) prev.push(v);
      else headers[k] = k === "set-cookie" ? [prev, v] : `${prev}, ${v}`;
    }
    this.#headers = headers;
    const connection = String(headers.connection ?? "").toLowerCase();
    if (connection.includes("close")) this.reusable = false;
    const ka = /timeout=(\d+)/.exec(String(headers["keep-alive"] ?? ""));
    // Give the socket back before the server's own keep-alive timer closes it.
    if (ka) this.#keepAliveMs = Math.max(0, Number(ka[1]) * 1000 - 1000);
    const te = String(headers["transfer-encoding"] ?? "").toLowerCase();
    const cl = headers["content-length"];
    if (this.#status < 200 || this.#status === 204 || this.#status === 304) this.#mode = "none";
    else if (te.includes("chunked")) {
      this.#mode = "chunked";
      this.#chunkState = "size";
    } else if (cl !== undefined) {
      this.#mode = "length";
      this.#remaining = Number(cl);
    } else {
      this.#mode = "close";
      this.reusable = false;
    }
    const consume =
      this.#status < 300 && this.#mode !== "none" ? this.#onStart?.(this.#status, headers) : undefined;
    this.#consume = consume;
    if (!consume) this.#chunks = [];
    return true;
  }

  #emit(part: Buffer): void {
    if (part.length === 0) return;
    if (this.#consume) {
      try {
        this.#consume(part);
      } catch (err) {
        this.#fail(err);
      }
    } else this.#chunks?.push(part);
  }

  #body(buf: Buffer): void {
    if (this.#mode === "length") {
      if (buf.length >= this.#remaining) {
        this.#emit(buf.subarray(0, this.#remaining));
        if (buf.length > this.#remaining) this.reusable = false;
        this.#remaining = 0;
        this.#finish();
      } else {
        this.#remaining -= buf.length;
        this.#emit(buf);
      }
      return;
    }
    if (this.#mode === "close") {
      this.#emit(buf);
      return;
    }
    // chunked
    let pos = 0;
    while (pos < buf.length && this.#resolve) {
      if (this.#chunkState === "size") {
        const nl = buf.indexOf("\r\n", pos);
        if (nl === -1) break;
        const size = Number.parseInt(buf.toString("latin1", pos, nl).split(";")[0] as string, 16);
        if (!Number.isFinite(size)) {
          this.#fail(new H1Error("UND_ERR_SOCKET", "invalid chunk size"));
          return;
        }
        pos = nl + 2;
        if (size === 0) this.#chunkState = "trailers";
        else {
          this.#remaining = size;
          this.#chunkState = "data";
        }
      } else if (this.#chunkState === "data") {
        const take = Math.min(this.#remaining, buf.length - pos);
        this.#emit(buf.subarray(pos, pos + take));
        pos += take;
        this.#remaining -= take;
        if (this.#remaining === 0) this.#chunkState = "crlf";
      } else if (this.#chunkState === "crlf") {
        if (buf.length - pos < 2) break;
        if (buf[pos] !== 13 || buf[pos + 1] !== 10) {
          this.#fail(new H1Error("UND_ERR_SOCKET", "invalid chunked encoding"));
          return;
        }
        pos += 2;
        this.#chunkState = "size";
      } else {
        // trailers: lines until an empty one
        const nl = buf.indexOf("\r\n", pos);
        if (nl === -1) break;
        const empty = nl === pos;
        pos = nl + 2;
        if (empty) {
          if (pos < buf.length) this.reusable = false;
          this.#finish();
          return;
        }
      }
    }
    if (pos < buf.length && this.#resolve) this.#buf = buf.subarray(pos);
  }
}
