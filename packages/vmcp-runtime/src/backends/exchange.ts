import type { IncomingHttpHeaders } from "node:http";
import type { Dispatcher } from "undici";

export interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  /** The buffered body; undefined when the caller streamed it. */
  body: Buffer | undefined;
}

/** Called when the final (non-1xx) answer's headers arrive: return a consumer to stream a 2xx
 * body through it, or undefined to have the body buffered. */
export type OnAnswerStart = (
  status: number,
  headers: IncomingHttpHeaders,
) => ((chunk: Buffer) => void) | undefined;

export interface ExchangeRequest {
  method: "POST" | "DELETE";
  path: string;
  headers: Record<string, string>;
  body?: string;
  /** Longest wait for the answer's headers, and longest silence inside its body. */
  timeoutMs: number;
  /** A buffered body longer than this aborts the exchange (streamed bodies bound themselves). */
  maxBytes: number;
  /** Checks a complete buffered 2xx body. When the answer's length was declared, this runs
   * before undici can reuse the connection, so an error here also discards the connection. */
  check?: (body: Buffer) => Error | undefined;
}

/** Carries undici-style codes so errors.ts maps it with the others. */
export class AnswerTooLargeError extends Error {
  readonly code = "VMCP_ANSWER_TOO_LARGE";
  constructor(limit: number) {
    super(`answer larger than ${limit} bytes`);
  }
}

/** One request through undici's lowest public layer (`dispatch`): llhttp framing, connection
 * reuse, no retry of non-idempotent requests, with only what the gateway needs on top. undici's
 * `request()` builds a Readable per answer, which was the larger part of its cost per call. */
export function exchange(
  dispatcher: Dispatcher,
  req: ExchangeRequest,
  signal?: AbortSignal,
  onStart?: OnAnswerStart,
): Promise<Answer> {
  return new Promise<Answer>((resolve, reject) => {
    let status = 0;
    let headers: IncomingHttpHeaders = {};
    let chunks: Buffer[] | undefined;
    let size = 0;
    let declared = -1;
    let checked = false;
    const check = (): Error | undefined => {
      checked = true;
      return status < 300 && chunks ? req.check?.(joined()) : undefined;
    };
    const joined = () => {
      if (!chunks) return Buffer.alloc(0);
      if (chunks.length !== 1) chunks = [Buffer.concat(chunks)];
      return chunks[0] as Buffer;
    };
    let consume: ((chunk: Buffer) => void) | undefined;
    let controller: Dispatcher.DispatchController | undefined;
    const onAbort = () => controller?.abort(new DOMException("request aborted", "AbortError"));
    const settle = () => signal?.removeEventListener("abort", onAbort);
    const handler: Dispatcher.DispatchHandler = {
      onRequestStart(c) {
        controller = c;
        if (signal?.aborted) onAbort();
      },
      onResponseStart(_c, statusCode, h) {
        // Interim answers (102, 103) are not the answer.
        if (statusCode < 200) return;
        status = statusCode;
        headers = h;
        consume = statusCode < 300 ? onStart?.(statusCode, h) : undefined;
        if (!consume) chunks = [];
        const cl = h["content-length"];
        declared = typeof cl === "string" ? Number(cl) : -1;
      },
      onResponseData(c, chunk) {
        if (consume) {
          consume(chunk);
          return;
        }
        size += chunk.length;
        if (size > req.maxBytes) {
          c.abort(new AnswerTooLargeError(req.maxBytes));
          return;
        }
        chunks?.push(chunk);
        if (size === declared) {
          const err = check();
          if (err) c.abort(err);
        }
      },
      onResponseEnd() {
        settle();
        const err = checked ? undefined : check();
        if (err) reject(err);
        else resolve({ status, headers, body: chunks ? joined() : undefined });
      },
      onResponseError(_c, err) {
        settle();
        reject(err);
      },
    };
    signal?.addEventListener("abort", onAbort, { once: true });
    const opts: Dispatcher.DispatchOptions = {
      method: req.method,
      path: req.path,
      headers: req.headers,
      headersTimeout: req.timeoutMs,
      bodyTimeout: req.timeoutMs,
    };
    if (req.body !== undefined) opts.body = req.body;
    dispatcher.dispatch(opts, handler);
  });
}
