import { describe, expect, it } from "vitest";
import {
  decodeCursor,
  encodeCursor,
  ListBytes,
  replyWithResult,
  resultPrefix,
} from "../../../src/server/list-bytes.ts";

const tools = (n: number) =>
  Array.from({ length: n }, (_, i) => ({ name: `t${String(i).padStart(3, "0")}` }));
type Page = { tools: Array<{ name: string }>; nextCursor?: string };
const parse = (a: ReturnType<ListBytes["answer"]>): Page => {
  if (!a.ok) throw new Error(a.message);
  return JSON.parse(a.result.toString()) as Page;
};

describe("ListBytes pagination", () => {
  it("pages through the whole list and ends without nextCursor", () => {
    const lb = new ListBytes(10);
    const all = tools(25);
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const p = parse(lb.answer("tools", all, cursor));
      seen.push(...p.tools.map((t) => t.name));
      cursor = p.nextCursor;
      pages++;
    } while (cursor);
    expect(pages).toBe(3);
    expect(seen).toEqual(all.map((t) => t.name));
  });

  it("answers the whole list without a page size, and refuses any cursor", () => {
    const lb = new ListBytes(undefined);
    const p = parse(lb.answer("tools", tools(250), undefined));
    expect(p.tools).toHaveLength(250);
    expect(p.nextCursor).toBeUndefined();
    expect(lb.answer("tools", tools(2), encodeCursor("tools", 10))).toMatchObject({ ok: false });
  });

  it("refuses garbage, a cursor of another list and forged offsets", () => {
    const lb = new ListBytes(10);
    const all = tools(30);
    for (const bad of [
      "",
      "not a cursor!",
      42,
      encodeCursor("prompts", 10),
      encodeCursor("tools", 7),
      encodeCursor("tools", 0),
    ])
      expect(lb.answer("tools", all, bad)).toEqual({
        ok: false,
        message: "Invalid params: unknown cursor for tools",
      });
    expect(decodeCursor("tools", Buffer.from("vmcp1:tools:-10").toString("base64url"), 10)).toBeUndefined();
  });

  it("answers a cursor past the end of a list that shrank with an empty last page", () => {
    const lb = new ListBytes(10);
    const cursor = parse(lb.answer("tools", tools(30), undefined)).nextCursor;
    const p = parse(lb.answer("tools", tools(5), parse(lb.answer("tools", tools(30), cursor)).nextCursor));
    expect(p).toEqual({ tools: [] });
  });

  it("serialises a list once and a replaced list again", () => {
    const lb = new ListBytes(undefined);
    const all = tools(3);
    const a = lb.answer("tools", all, undefined);
    const b = lb.answer("tools", all, undefined);
    expect(a.ok && b.ok && a.result === b.result).toBe(true);
    const next = [...all, { name: "t999" }];
    expect(parse(lb.answer("tools", next, undefined)).tools).toHaveLength(4);
  });

  it("wraps cached result bytes in a JSON-RPC response for any id", () => {
    expect(JSON.parse(`${resultPrefix('a"b')}{"tools":[]}}`)).toEqual({
      jsonrpc: "2.0",
      id: 'a"b',
      result: { tools: [] },
    });
    expect(JSON.parse(`${resultPrefix(7)}{"tools":[]}}`).id).toBe(7);
  });
});

describe("replyWithResult", () => {
  it("writes the cached list buffer itself, not a copy, inside one corked write", async () => {
    const { createServer, request } = await import("node:http");
    const lb = new ListBytes(undefined);
    const answer = lb.answer("tools", tools(2000), undefined);
    if (!answer.ok) throw new Error(answer.message);
    const written: unknown[] = [];
    const server = createServer((_req, res) => {
      const write = res.write.bind(res);
      res.write = ((chunk: unknown, ...rest: never[]) => {
        written.push(chunk);
        return write(chunk as Buffer, ...rest);
      }) as typeof res.write;
      replyWithResult(res, 9, answer.result);
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    try {
      const { port } = server.address() as { port: number };
      const body = await new Promise<string>((resolve, reject) => {
        request({ port, host: "127.0.0.1", method: "POST" }, (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (c: Buffer) => chunks.push(c));
          res.on("end", () => resolve(Buffer.concat(chunks).toString()));
        })
          .on("error", reject)
          .end();
      });
      expect(JSON.parse(body)).toEqual({ jsonrpc: "2.0", id: 9, result: { tools: tools(2000) } });
      expect(written.some((c) => c === answer.result)).toBe(true);
    } finally {
      server.close();
    }
  });
});
