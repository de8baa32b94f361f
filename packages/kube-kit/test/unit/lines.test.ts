import { describe, expect, it } from "vitest";
import { LineTooLongError, utf8Lines } from "../../src/lines.ts";

async function collect(chunks: (Uint8Array | string)[], max = 1024): Promise<string[]> {
  const out: string[] = [];
  for await (const l of utf8Lines(
    (async function* () {
      yield* chunks;
    })(),
    max,
  ))
    out.push(l);
  return out;
}

describe("utf8Lines", () => {
  it("keeps a character whose bytes arrive in different chunks", async () => {
    const bytes = Buffer.from('{"n":"日🙂é"}\n{"n":"x"}\n');
    const oneByOne = [...bytes].map((b) => Uint8Array.of(b));
    expect(await collect(oneByOne)).toEqual(['{"n":"日🙂é"}', '{"n":"x"}']);
  });

  it("strips CRLF, yields a last line without newline", async () => {
    expect(await collect(["a\r\nb", "\nc"])).toEqual(["a", "b", "c"]);
  });

  it("refuses a line beyond the bound instead of buffering it", async () => {
    await expect(collect(["x".repeat(600), "x".repeat(600)], 1000)).rejects.toThrow(LineTooLongError);
  });
});
