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
  /** Pieces of the line not ended yet: kept apart, not concatenated, so a long line arriving in
   * many chunks costs linear time, not a rescan of everything so far per chunk. */
  #partial: string[] = [];
  #partialChars = 0;
  /** The last chunk ended in CR: an LF first in the next one belongs to it. */
  #skipLf = false;
  #data: string[] = [];
  #event = "";
  #id: string | undefined;
  /** Characters of the event being read, its unfinished line included. */
  #eventChars = 0;
  #onEvent: (ev: SseEvent) => void;
  #max: number;

  constructor(onEvent: (ev: SseEvent) => void, maxEventBytes = Number.POSITIVE_INFINITY) {
    this.#onEvent = onEvent;
    this.#max = maxEventBytes;
  }

  push(chunk: Uint8Array | string): void {
    const text = typeof chunk === "string" ? chunk : this.#decoder.decode(chunk, { stream: true });
    let start = this.#skipLf && text.startsWith("\n") ? 1 : 0;
    this.#skipLf = false;
    let lf = text.indexOf("\n", start);
    let cr = text.indexOf("\r", start);
    while (lf !== -1 || cr !== -1) {
      const end = cr === -1 || (lf !== -1 && lf < cr) ? lf : cr;
      let line = text.slice(start, end);
      if (this.#partial.length > 0) {
        this.#partial.push(line);
        line = this.#partial.join("");
        this.#partial = [];
        this.#partialChars = 0;
      }
      start = end + 1;
      if (end === cr) {
        if (text[start] === "\n") start++;
        else if (start === text.length) this.#skipLf = true;
      }
      this.#line(line);
      if (lf !== -1 && lf < start) lf = text.indexOf("\n", start);
      if (cr !== -1 && cr < start) cr = text.indexOf("\r", start);
    }
    if (start < text.length) {
      this.#partial.push(text.slice(start));
      this.#partialChars += text.length - start;
    }
    // Counted in UTF-16 units, close enough to bytes for a bound.
    if (this.#eventChars + this.#partialChars > this.#max) throw new AnswerTooLargeError(this.#max);
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
