import { describe, expect, it } from "vitest";
import { DepthScanner } from "../../../src/server/body.ts";

const fits = (max: number, ...chunks: string[]) => {
  const s = new DepthScanner(max);
  return chunks.every((c) => s.feed(Buffer.from(c)));
};

describe("JSON nesting depth, counted before parsing", () => {
  it("accepts nesting up to the limit and refuses one level more", () => {
    expect(fits(3, '{"a":[{"b":1}]}')).toBe(true);
    expect(fits(3, '{"a":[{"b":[1]}]}')).toBe(false);
  });

  it("does not count brackets inside strings, escaped quotes included", () => {
    expect(fits(2, '{"a":"[[[[{{{{","b":"\\"[[[[\\\\","c":[1]}')).toBe(true);
  });

  it("keeps its state across chunk boundaries, even inside an escape", () => {
    expect(fits(2, '{"a":"\\', '"[[[[', '","b":[', "[", "1]]}")).toBe(false);
    expect(fits(2, '{"a":"\\', '"[[[[', '","b":[', "1]}")).toBe(true);
  });

  it("tells escaped quotes from a string's end after runs of backslashes, in any chunking", () => {
    // Serialised, these strings end in runs of backslashes before their closing quote, and hold
    // an escaped quote after an odd run: only the parity of the run tells the two apart.
    const body = JSON.stringify({ a: "\\\\", b: '\\\\"[[[', c: [[1]] });
    expect(body).toContain('\\\\\\\\\\"[[[');
    for (let cut = 1; cut < body.length; cut++) {
      expect(fits(3, body.slice(0, cut), body.slice(cut))).toBe(true);
      expect(fits(2, body.slice(0, cut), body.slice(cut))).toBe(false);
    }
  });

  it("is not fooled by multi-byte UTF-8 text", () => {
    expect(fits(1, '{"a":"é😀[[["}')).toBe(true);
  });
});
