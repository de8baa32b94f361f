// One SSE response of the proxy's: a POST's answer stream or a client's GET stream. Writes never
// wait: a client that does not read its stream lets bytes pile up in this socket's buffer only,
// and past the bound it loses the stream (the server and every other client go on).
import type { ServerResponse } from "node:http";
import { sseFrame } from "../backends/sse-parser.ts";

const SSE_HEADERS = {
  "content-type": "text/event-stream",
  "cache-control": "no-cache",
  connection: "keep-alive",
};

export class EventStream {
  readonly #res: ServerResponse;
  readonly #maxQueuedBytes: number;
  #open = true;

  constructor(res: ServerResponse, maxQueuedBytes: number, headers: Record<string, string> = {}) {
    this.#res = res;
    this.#maxQueuedBytes = maxQueuedBytes;
    res.writeHead(200, { ...SSE_HEADERS, ...headers });
    // The headers leave now: an SSE client waits for them before it reads events.
    res.flushHeaders();
    res.once("close", () => {
      this.#open = false;
    });
  }

  get open(): boolean {
    return this.#open;
  }

  /** Writes one JSON-RPC message as an event; false once the stream is gone (or was just dropped). */
  send(json: string): boolean {
    if (!this.#open) return false;
    if (this.#res.writableLength > this.#maxQueuedBytes) {
      this.#open = false;
      // Ended abruptly: a clean end would first flush what the client is not reading.
      this.#res.destroy();
      return false;
    }
    this.#res.write(sseFrame(json));
    return true;
  }

  /** Ends the stream, optionally with a last message. */
  end(json?: string): void {
    if (!this.#open) return;
    this.#open = false;
    if (json === undefined) this.#res.end();
    else this.#res.end(sseFrame(json));
  }
}
