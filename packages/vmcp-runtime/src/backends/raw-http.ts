import type { IncomingHttpHeaders } from "node:http";
import type { Dispatcher } from "undici";

export interface RawResult {
  status: number;
  headers: IncomingHttpHeaders;
  /** The buffered body; undefined when the caller streamed it. */
  body: Buffer | undefined;
}

/** Called when the response headers arrive: return a consumer to stream the body through it,
 * or undefined to have it buffered. */
export type OnResponseStart = (
  status: number,
  headers: IncomingHttpHeaders,
) => ((chunk: Buffer) => void) | undefined;

/** One HTTP exchange on undici's low-level dispatch API: no Readable stream, no body mixin, just
 * callbacks. This is the gateway's hot path, so it is worth the few lines. */
export function rawDispatch(
  dispatcher: Dispatcher,
  opts: Dispatcher.DispatchOptions,
  signal: AbortSignal | undefined,
  onStart?: OnResponseStart,
): Promise<RawResult> {
  return new Promise<RawResult>((resolve, reject) => {
    if (signal?.aborted) {
      reject(new DOMException("request aborted", "AbortError"));
      return;
    }
    let controller: Dispatcher.DispatchController | undefined;
    let status = 0;
    let headers: IncomingHttpHeaders = {};
    let chunks: Buffer[] | undefined;
    let consume: ((chunk: Buffer) => void) | undefined;
    let settled = false;
    const onAbort = () => controller?.abort(new DOMException("request aborted", "AbortError"));
    signal?.addEventListener("abort", onAbort, { once: true });
    const finish = (err: unknown, result?: RawResult) => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener("abort", onAbort);
      if (err) reject(err);
      else resolve(result as RawResult);
    };
    dispatcher.dispatch(opts, {
      onRequestStart(c) {
        controller = c;
        if (signal?.aborted) c.abort(new DOMException("request aborted", "AbortError"));
      },
      onResponseStart(_c, s, h) {
        status = s;
        headers = h;
        consume = onStart?.(s, h);
        if (!consume) chunks = [];
      },
      onResponseData(c, chunk) {
        if (consume) {
          try {
            consume(chunk);
          } catch (err) {
            c.abort(err instanceof Error ? err : new Error(String(err)));
          }
        } else chunks?.push(chunk);
      },
      onResponseEnd() {
        const body = chunks ? (chunks.length === 1 ? chunks[0] : Buffer.concat(chunks)) : undefined;
        finish(undefined, { status, headers, body });
      },
      onResponseError(_c, err) {
        finish(err);
      },
    });
  });
}
