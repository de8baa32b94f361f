import type { ServerResponse } from "node:http";
import { sseFrame } from "../backends/sse-parser.ts";
import type { CallSink } from "../backends/types.ts";
import { errorResponse, type JsonRpcId } from "../protocol/jsonrpc.ts";

/** Headers of a complete JSON answer, with its length (see HttpCallSink.json). */
export function jsonHeaders(body: Uint8Array | string): Record<string, string | number> {
  return {
    "content-type": "application/json",
    "content-length": typeof body === "string" ? Buffer.byteLength(body) : body.byteLength,
  };
}
const SSE_HEADERS = {
  "content-type": "text/event-stream",
  "cache-control": "no-cache",
  connection: "keep-alive",
};

/** Writes one forwarded call's answer to the client, in whatever shape the backend chose. */
export class HttpCallSink implements CallSink {
  #res: ServerResponse;
  #id: JsonRpcId;
  #mode: "none" | "json" | "sse" = "none";
  #done = false;
  /** The latest SSE frame, held back until the next event, the end of the stream or the end of
   * this turn, whichever comes first: a backend's answer event and the end of its stream usually
   * arrive together, and then headers, answer and end leave in one write instead of three. */
  #held: string | undefined;
  #flushQueued = false;

  constructor(res: ServerResponse, id: JsonRpcId) {
    this.#res = res;
    this.#id = id;
  }

  get done(): boolean {
    return this.#done;
  }

  get started(): boolean {
    return this.#mode !== "none";
  }

  json(body: Uint8Array | string): void {
    if (this.#done) return;
    if (this.#mode === "sse") {
      this.#writeHeld();
      this.#done = true;
      this.#res.end(sseFrame(typeof body === "string" ? body : Buffer.from(body).toString("utf8")));
      return;
    }
    this.#done = true;
    this.#mode = "json";
    // An explicit Content-Length keeps node:http from chunk-framing the answer (fewer iovecs,
    // and the client parses a plain body): measurably cheaper per call on the forward path.
    this.#res.writeHead(200, jsonHeaders(body));
    this.#res.end(body);
  }

  /** The headers leave with the first event (or the end): sent alone they would cost a write. */
  startStream(): void {
    if (this.#mode !== "none" || this.#done) return;
    this.#mode = "sse";
    this.#res.writeHead(200, SSE_HEADERS);
  }

  event(data: string): void {
    if (this.#done) return;
    if (this.#mode === "none") this.startStream();
    this.#writeHeld();
    this.#held = sseFrame(data);
    if (!this.#flushQueued) {
      this.#flushQueued = true;
      queueMicrotask(() => {
        this.#flushQueued = false;
        if (!this.#done) this.#writeHeld();
      });
    }
  }

  #writeHeld(): void {
    const held = this.#held;
    if (held === undefined) return;
    this.#held = undefined;
    this.#res.write(held);
  }

  end(): void {
    if (this.#done) return;
    if (this.#mode === "none") {
      this.fail(-32603, "the backend closed the call without an answer");
      return;
    }
    this.#done = true;
    const held = this.#held;
    this.#held = undefined;
    if (held === undefined) this.#res.end();
    else this.#res.end(held);
  }

  fail(code: number, message: string, data?: unknown): void {
    if (this.#done) return;
    const body = errorResponse(this.#id, code, message, data);
    if (this.#mode === "sse") {
      this.#writeHeld();
      this.#done = true;
      this.#res.end(sseFrame(body));
      return;
    }
    this.#done = true;
    this.#mode = "json";
    this.#res.writeHead(200, jsonHeaders(body));
    this.#res.end(body);
  }

  /** The client gave up (cancelled): close the exchange without an answer. */
  abandon(): void {
    if (this.#done) return;
    this.#writeHeld();
    this.#done = true;
    if (this.#mode === "none") {
      if (!this.#res.headersSent) this.#res.writeHead(202);
      this.#res.end();
    } else this.#res.end();
  }
}
