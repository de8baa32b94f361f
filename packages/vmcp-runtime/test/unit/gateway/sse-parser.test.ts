import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type SseEvent, SseParser, sseFrame } from "../../../src/backends/sse-parser.ts";

function parseAll(chunks: Array<string | Uint8Array>): SseEvent[] {
  const out: SseEvent[] = [];
  const p = new SseParser((e) => out.push(e));
  for (const c of chunks) p.push(c);
  return out;
}

describe("SseParser", () => {
  it("reads events with ids, names, multi-line data and comments", () => {
    const text = ': comment\nid: 7\nevent: message\ndata: {"a":1}\n\ndata: line1\ndata: line2\n\n';
    expect(parseAll([text])).toEqual([
      { event: "message", data: '{"a":1}', id: "7" },
      { event: "message", data: "line1\nline2", id: "7" },
    ]);
  });

  it("accepts CRLF and CR line endings", () => {
    expect(parseAll(["data: a\r\n\r\ndata: b\r\rdata: c\n\n"]).map((e) => e.data)).toEqual(["a", "b", "c"]);
  });

  it("gives the same events however the bytes are split, multi-byte characters included", () => {
    const messages = ['{"text":"héllo ✓ 🚀"}', '{"id":1,"result":{}}', "plain"];
    const bytes = new TextEncoder().encode(messages.map(sseFrame).join(""));
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: bytes.length - 1 }), { maxLength: 8 }), (cuts) => {
        const points = [...new Set(cuts)].sort((a, b) => a - b);
        const chunks: Uint8Array[] = [];
        let prev = 0;
        for (const p of points) {
          chunks.push(bytes.slice(prev, p));
          prev = p;
        }
        chunks.push(bytes.slice(prev));
        expect(parseAll(chunks).map((e) => e.data)).toEqual(messages);
      }),
    );
  });

  it("hands on no priming event (empty data) and ignores retry lines", () => {
    const text = 'id: e1\ndata:\n\nretry: 1000\n\nid: e2\nretry: 500\ndata: {"id":1,"result":{}}\n\n';
    expect(parseAll([text])).toEqual([{ event: "message", data: '{"id":1,"result":{}}', id: "e2" }]);
  });

  it("refuses an event larger than its bound, however it is split, and accepts many small ones", () => {
    const big = new SseParser(() => {}, 1000);
    expect(() => {
      for (let i = 0; i < 20; i++) big.push(`data: ${"x".repeat(100)}`);
    }).toThrow(/larger than 1000 bytes/);
    const events: SseEvent[] = [];
    const many = new SseParser((e) => events.push(e), 1000);
    for (let i = 0; i < 100; i++) many.push(`data: ${"y".repeat(500)}\n\n`);
    expect(events).toHaveLength(100);
  });

  it("splits CRLF, CR and LF endings alike wherever the chunks break", () => {
    const text = "data: a\r\n\r\ndata: b\r\rdata: c\n\ndata: d\r\n\r\n";
    for (let i = 1; i < text.length; i++)
      for (let j = i; j < text.length; j++) {
        const got = parseAll([text.slice(0, i), text.slice(i, j), text.slice(j)]).map((e) => e.data);
        expect(got, `cut at ${i},${j}`).toEqual(["a", "b", "c", "d"]);
      }
  });

  it("reads one long event arriving in many chunks", () => {
    const events: SseEvent[] = [];
    const p = new SseParser((e) => events.push(e), 8 * 1024 * 1024);
    const piece = "z".repeat(64 * 1024);
    p.push("data: ");
    for (let i = 0; i < 64; i++) p.push(piece);
    p.push("\n\n");
    expect(events).toHaveLength(1);
    expect(events[0]?.data.length).toBe(64 * piece.length);
  });
});
