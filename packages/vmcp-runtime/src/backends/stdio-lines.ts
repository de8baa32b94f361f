// The framing of MCP's stdio transport: one JSON-RPC message per line, newline-terminated, UTF-8.
// A server's stdout is an unbounded byte stream, so the bytes of a line still being read are
// bounded: a line longer than the limit is the server's protocol error and ends the stream.

export class LineTooLongError extends Error {
  readonly limit: number;
  constructor(limit: number) {
    super(`the MCP server wrote a line longer than ${limit} bytes (the largest message accepted)`);
    this.name = "LineTooLongError";
    this.limit = limit;
  }
}

/** Splits a byte stream into lines. Chunks are kept until their line ends (no copy per chunk);
 * a line's text is decoded once, so a multi-byte character split across chunks survives. */
export class LineSplitter {
  readonly #maxBytes: number;
  #parts: Buffer[] = [];
  #size = 0;

  constructor(maxBytes: number) {
    if (!Number.isInteger(maxBytes) || maxBytes <= 0) throw new Error(`invalid line limit ${maxBytes}`);
    this.#maxBytes = maxBytes;
  }

  /** The complete lines `chunk` ends (without "\n" or a trailing "\r"; blank lines skipped).
   * Throws LineTooLongError once the line being read exceeds the limit. */
  push(chunk: Buffer): string[] {
    const lines: string[] = [];
    let start = 0;
    for (let nl = chunk.indexOf(10, start); nl !== -1; nl = chunk.indexOf(10, start)) {
      const piece = chunk.subarray(start, nl);
      this.#grow(piece.length);
      this.#parts.push(piece);
      const line = (this.#parts.length === 1 ? piece : Buffer.concat(this.#parts)).toString("utf8");
      this.#parts = [];
      this.#size = 0;
      const text = line.endsWith("\r") ? line.slice(0, -1) : line;
      if (text.trim() !== "") lines.push(text);
      start = nl + 1;
    }
    if (start < chunk.length) {
      const rest = chunk.subarray(start);
      this.#grow(rest.length);
      this.#parts.push(rest);
    }
    return lines;
  }

  #grow(n: number): void {
    this.#size += n;
    if (this.#size > this.#maxBytes) {
      this.#parts = [];
      this.#size = 0;
      throw new LineTooLongError(this.#maxBytes);
    }
  }
}

/** One message as the stdio transport writes it. JSON.stringify never emits a raw newline. */
export const frame = (message: unknown): string => `${JSON.stringify(message)}\n`;
