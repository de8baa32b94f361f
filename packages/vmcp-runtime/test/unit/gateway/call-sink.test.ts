import { createServer, get, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { SseParser } from "../../../src/backends/sse-parser.ts";
import { HttpCallSink } from "../../../src/server/sink.ts";

/** A real HTTP exchange: `serve` writes through an HttpCallSink, the client reads the events. */
async function exchange(
  serve: (sink: HttpCallSink, res: ServerResponse, received: Promise<string>) => void | Promise<void>,
): Promise<{ events: string[]; contentType: string | undefined }> {
  let firstEvent: (data: string) => void = () => {};
  const received = new Promise<string>((r) => {
    firstEvent = r;
  });
  const server = createServer((_req, res) => void serve(new HttpCallSink(res, 7), res, received));
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as AddressInfo;
  return new Promise((resolve, reject) => {
    get(`http://127.0.0.1:${port}/`, (res) => {
      const events: string[] = [];
      const parser = new SseParser((ev) => {
        if (events.length === 0) firstEvent(ev.data);
        events.push(ev.data);
      });
      res.on("data", (c: Buffer) => parser.push(c));
      res.on("end", () => resolve({ events, contentType: res.headers["content-type"] }));
      res.on("error", reject);
    }).on("error", reject);
  });
}

const servers: ReturnType<typeof createServer>[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await new Promise((r) => s.close(r));
});

const progress = '{"jsonrpc":"2.0","method":"notifications/progress","params":{"progress":1}}';
const answer = '{"jsonrpc":"2.0","id":7,"result":{}}';

describe("HttpCallSink, streamed answers", () => {
  it("delivers an event while the stream stays open, before anything follows it", async () => {
    const r = await exchange(async (sink, _res, received) => {
      sink.startStream();
      sink.event(progress);
      // Nothing else is written until the client has seen the progress notification.
      expect(await received).toBe(progress);
      sink.event(answer);
      sink.end();
    });
    expect(r.contentType).toBe("text/event-stream");
    expect(r.events).toEqual([progress, answer]);
  });

  it("keeps the order of events, the answer and the end when they come together", async () => {
    const r = await exchange((sink) => {
      sink.startStream();
      sink.event(progress);
      sink.event(answer);
      sink.end();
    });
    expect(r.events).toEqual([progress, answer]);
  });

  it("writes the events it holds before an error or a final answer ends the stream", async () => {
    const failed = await exchange((sink) => {
      sink.event(progress);
      sink.fail(-32603, "backend 'b' sent invalid JSON");
    });
    expect(failed.events.length).toBe(2);
    expect(failed.events[0]).toBe(progress);
    expect(JSON.parse(failed.events[1] as string)).toMatchObject({ id: 7, error: { code: -32603 } });

    const answered = await exchange((sink) => {
      sink.event(progress);
      sink.json(answer);
    });
    expect(answered.events).toEqual([progress, answer]);
  });

  it("writes what it holds when the call is abandoned", async () => {
    const r = await exchange((sink) => {
      sink.event(progress);
      sink.abandon();
    });
    expect(r.events).toEqual([progress]);
  });
});
