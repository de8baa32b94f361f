import { describe, expect, it } from "vitest";
import { frame, LineSplitter, LineTooLongError } from "../../../src/backends/stdio-lines.ts";

describe("stdio line framing", () => {
  it("splits messages at newlines across chunks, keeps a multi-byte character split between chunks, drops CR and blank lines", () => {
    const s = new LineSplitter(1024);
    const bytes = Buffer.from(`${frame({ a: "é" })}\r\n\n${frame({ b: 2 }).replace("\n", "\r\n")}{"c"`);
    const cut = bytes.indexOf(0xa9); // second byte of "é"
    expect(s.push(bytes.subarray(0, cut))).toEqual([]);
    expect(s.push(bytes.subarray(cut))).toEqual(['{"a":"é"}', '{"b":2}']);
    expect(s.push(Buffer.from(":3}\n"))).toEqual(['{"c":3}']);
  });

  it("a line longer than the limit is refused with the limit named, even when it never ends", () => {
    const s = new LineSplitter(10);
    expect(s.push(Buffer.from("12345"))).toEqual([]);
    expect(() => s.push(Buffer.from("678901"))).toThrow(LineTooLongError);
    expect(() => new LineSplitter(10).push(Buffer.from(`${"x".repeat(11)}\n`))).toThrow(
      "the MCP server wrote a line longer than 10 bytes",
    );
    // Exactly the limit is accepted.
    expect(new LineSplitter(10).push(Buffer.from(`${"x".repeat(10)}\n`))).toEqual(["x".repeat(10)]);
  });
});
