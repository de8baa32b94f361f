// Newline-delimited text from a byte stream (watch streams, event streams). Network chunks split
// anywhere, including inside a multibyte UTF-8 character; decoding each chunk on its own turns the
// halves into U+FFFD, and the JSON still parses, so nothing would notice the corruption. The
// streaming TextDecoder keeps an incomplete character until its remaining bytes arrive.

export class LineTooLongError extends Error {
  override name = "LineTooLongError";
}

/**
 * Yields each line (without its "\n" and a trailing "\r") as it completes; a last line without
 * a newline is yielded at the end. A line longer than `maxLineLength` characters throws
 * LineTooLongError instead of growing the buffer without bound.
 */
export async function* utf8Lines(
  source: AsyncIterable<Uint8Array | string>,
  maxLineLength: number,
): AsyncGenerator<string> {
  const decoder = new TextDecoder("utf-8");
  let buf = "";
  const drain = function* (): Generator<string> {
    let start = 0;
    let nl = buf.indexOf("\n");
    while (nl >= 0) {
      const line = buf.slice(start, nl);
      yield line.endsWith("\r") ? line.slice(0, -1) : line;
      start = nl + 1;
      nl = buf.indexOf("\n", start);
    }
    buf = buf.slice(start);
    if (buf.length > maxLineLength) {
      throw new LineTooLongError(`line longer than ${maxLineLength} characters`);
    }
  };
  for await (const chunk of source) {
    buf += typeof chunk === "string" ? chunk : decoder.decode(chunk, { stream: true });
    yield* drain();
  }
  buf += decoder.decode();
  yield* drain();
  if (buf.length > 0) yield buf;
}
