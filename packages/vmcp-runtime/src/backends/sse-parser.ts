// Incremental parser for text/event-stream (WHATWG "event stream interpretation"), enough for MCP:
// data lines (joined with \n), event names, ids, comments and `retry:` ignored. Chunks may split
// anywhere, including inside a multi-byte character, so decoding is streaming. Events with empty
// data carry no message: resumable servers open each stream with one (an id to resume from, a
// "priming" event), so they are never handed on. One event may not exceed `maxEventBytes`.
import { AnswerTooLargeError } from "./exchange.ts";

export interface SseEvent {
  event: string;
  data: string;
  id?: string;
}

export class SseParser {
  #decoder = new TextDecoder();
  #buffer = "";
  #data: string[] = [];
  #event = "";
  #id: string | undefined;
  /** Characters of the event being read: its lines so far and the unfinished one. */
  #eventChars = 0;
  #onEvent: (ev: SseEvent) => void;
  #max: number;

  constructor(onEvent: (ev: SseEvent) => void, maxEventBytes = Number.POSITIVE_INFINITY) {
    this.#onEvent = onEvent;
    this.#max = maxEventBytes;
  }

  push(chunk: Uint8Array | string): void {
    this.#buffer += typeof chunk === "string" ? chunk : this.#decoder.decode(chunk, { stream: true });
    let start = 0;
    for (;;) {
      const nl = this.#nextLineEnd(start);
      if (nl === -1) break;
      const line = this.#buffer.slice(start, nl);
      start = nl + (this.#buffer[nl] === "\r" && this.#buffer[nl + 1] === "\n" ? 2 : 1);
      this.#line(line);
    }
    this.#buffer = this.#buffer.slice(start);
    // Counted in UTF-16 units, close enough to bytes for a bound.
    if (this.#eventChars + this.#buffer.length > this.#max) throw new AnswerTooLargeError(this.#max);
  }

  #nextLineEnd(from: number): number {
    const lf = this.#buffer.indexOf("\n", from);
    const cr = this.#buffer.indexOf("\r", from);
    if (cr === -1) return lf;
    if (lf === -1) {
      // A lone CR at the very end may be the first half of CRLF: wait for more input.
      return cr === this.#buffer.length - 1 ? -1 : cr;
    }
    return Math.min(lf, cr);
  }

  #line(line: string): void {
    if (line === "") {
      this.#eventChars = 0;
      if (this.#data.length > 0 && (this.#data.length > 1 || this.#data[0] !== "")) {
        const ev: SseEvent = { event: this.#event || "message", data: this.#data.join("\n") };
        if (this.#id !== undefined) ev.id = this.#id;
        this.#onEvent(ev);
      }
      this.#data = [];
      this.#event = "";
      return;
    }
    this.#eventChars += line.length;
    if (line.startsWith(":")) return;
    const colon = line.indexOf(":");
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? "" : line.slice(colon + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    if (field === "data") this.#data.push(value);
    else if (field === "event") this.#event = value;
    else if (field === "id" && !value.includes("\0")) this.#id = value;
  }
}

/** Serialize one SSE message event. JSON never contains raw newlines, but guard anyway. */
export function sseFrame(data: string): string {
  if (data.includes("\n")) return `event: message\ndata: ${data.split("\n").join("\ndata: ")}\n\n`;
  return `event: message\ndata: ${data}\n\n`;
}
