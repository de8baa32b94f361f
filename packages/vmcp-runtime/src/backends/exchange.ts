import type { IncomingHttpHeaders } from "node:http";
import type { Dispatcher } from "undici";
import type { CallCancel, CancelTarget } from "./cancel.ts";

export interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  /** The buffered body; undefined when the caller streamed it. */
  body: Buffer | undefined;
}

/** Where a streamed 2xx body goes. */
export interface AnswerStream {
  data(chunk: Buffer): void;
  /** The body ended cleanly. Called before the exchange settles, from the same turn that read
   * the end, so whatever the stream still holds can go out together with the end. */
  end(): void;
}

/** How the caller reads one answer. Both hooks are optional: without them the body is buffered. */
export interface AnswerReader {
  /** The final (non-1xx) answer's headers arrived: return a stream to take a 2xx body event by
   * event, or undefined to have it buffered. */
  start?(status: number, headers: IncomingHttpHeaders): AnswerStream | undefined;
  /** Checks a complete buffered 2xx body. When the answer's length was declared, this runs
   * before undici can reuse the connection, so an error here also discards the connection. */
  check?(body: Buffer): Error | undefined;
}

export interface ExchangeRequest {
  method: "POST" | "DELETE";
  path: string;
  /** An object, or name and value after one another (undici's flat form). */
  headers: Record<string, string> | string[];
  body?: string;
  /** Longest wait for the answer's headers, and longest silence inside its body. */
  timeoutMs: number;
  /** A buffered body longer than this aborts the exchange (streamed bodies bound themselves). */
  maxBytes: number;
}

/** Carries undici-style codes so errors.ts maps it with the others. */
export class AnswerTooLargeError extends Error {
  readonly code = "VMCP_ANSWER_TOO_LARGE";
  constructor(limit: number) {
    super(`answer larger than ${limit} bytes`);
  }
}

const NO_READER: AnswerReader = {};

/** The dispatch handler of one exchange. A class rather than a literal of closures: this runs
 * for every forwarded call, and its state lives in one object with shared methods; it is also
 * what the call's CallCancel reaches, without a listener or closure. */
class Exchange implements Dispatcher.DispatchHandler, CancelTarget {
  #req: ExchangeRequest;
  #reader: AnswerReader;
  #cancel: CallCancel | undefined;
  #resolve: (a: Answer) => void;
  #reject: (e: Error) => void;
  #controller: Dispatcher.DispatchController | undefined;
  #status = 0;
  #headers: IncomingHttpHeaders = {};
  #stream: AnswerStream | undefined;
  #chunks: Buffer[] | undefined;
  #size = 0;
  #declared = -1;
  #checked = false;

  constructor(
    req: ExchangeRequest,
    reader: AnswerReader,
    cancel: CallCancel | undefined,
    resolve: (a: Answer) => void,
    reject: (e: Error) => void,
  ) {
    this.#req = req;
    this.#reader = reader;
    this.#cancel = cancel;
    this.#resolve = resolve;
    this.#reject = reject;
    cancel?.bind(this);
  }

  cancelled(): void {
    this.#controller?.abort(new DOMException("request aborted", "AbortError"));
  }

  #settle(): void {
    this.#cancel?.release(this);
  }

  #joined(): Buffer {
    const chunks = this.#chunks;
    if (!chunks || chunks.length === 0) return Buffer.alloc(0);
    if (chunks.length !== 1) this.#chunks = [Buffer.concat(chunks)];
    return (this.#chunks as Buffer[])[0] as Buffer;
  }

  #check(): Error | undefined {
    this.#checked = true;
    const check = this.#reader.check;
    return check && this.#status < 300 && this.#chunks ? check.call(this.#reader, this.#joined()) : undefined;
  }

  onRequestStart(c: Dispatcher.DispatchController): void {
    this.#controller = c;
    if (this.#cancel?.aborted) this.cancelled();
  }

  onResponseStart(_c: Dispatcher.DispatchController, statusCode: number, h: IncomingHttpHeaders): void {
    // Interim answers (102, 103) are not the answer.
    if (statusCode < 200) return;
    this.#status = statusCode;
    this.#headers = h;
    const start = this.#reader.start;
    this.#stream = statusCode < 300 && start ? start.call(this.#reader, statusCode, h) : undefined;
    if (!this.#stream) this.#chunks = [];
    const cl = h["content-length"];
    this.#declared = typeof cl === "string" ? Number(cl) : -1;
  }

  onResponseData(c: Dispatcher.DispatchController, chunk: Buffer): void {
    if (this.#stream) {
      this.#stream.data(chunk);
      return;
    }
    this.#size += chunk.length;
    if (this.#size > this.#req.maxBytes) {
      c.abort(new AnswerTooLargeError(this.#req.maxBytes));
      return;
    }
    this.#chunks?.push(chunk);
    if (this.#size === this.#declared) {
      const err = this.#check();
      if (err) c.abort(err);
    }
  }

  onResponseEnd(): void {
    this.#settle();
    if (this.#stream) {
      try {
        this.#stream.end();
      } catch (err) {
        this.#reject(err as Error);
        return;
      }
    }
    const err = this.#checked ? undefined : this.#check();
    if (err) this.#reject(err);
    else
      this.#resolve({ status: this.#status, headers: this.#headers, body: this.#chunks && this.#joined() });
  }

  onResponseError(_c: Dispatcher.DispatchController | null, err: Error): void {
    this.#settle();
    this.#reject(err);
  }
}

/** One request through undici's lowest public layer (`dispatch`): llhttp framing, connection
 * reuse, no retry of non-idempotent requests, with only what the gateway needs on top. undici's
 * `request()` builds a Readable per answer, which was the larger part of its cost per call. */
export function exchange(
  dispatcher: Dispatcher,
  req: ExchangeRequest,
  cancel?: CallCancel,
  reader: AnswerReader = NO_READER,
): Promise<Answer> {
  const { promise, resolve, reject } = Promise.withResolvers<Answer>();
  const opts: Dispatcher.DispatchOptions = {
    method: req.method,
    path: req.path,
    headers: req.headers,
    headersTimeout: req.timeoutMs,
    bodyTimeout: req.timeoutMs,
  };
  if (req.body !== undefined) opts.body = req.body;
  dispatcher.dispatch(opts, new Exchange(req, reader, cancel, resolve, reject));
  return promise;
}
