import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Pool } from "undici";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { CallCancel } from "../../../src/backends/cancel.ts";
import { exchange } from "../../../src/backends/exchange.ts";

/** A backend that reads each request and never answers it: only a cancel ends the exchange. */
describe("exchange cancelled through a CallCancel", () => {
  let server: Server;
  let pool: Pool;
  let received: Promise<string>;
  let closed: Promise<void>;

  beforeEach(async () => {
    let got: (body: string) => void = () => {};
    let gone: () => void = () => {};
    received = new Promise((r) => {
      got = r;
    });
    closed = new Promise((r) => {
      gone = r;
    });
    server = createServer((req: IncomingMessage) => {
      let body = "";
      req.setEncoding("utf8");
      req.on("data", (c: string) => {
        body += c;
      });
      req.on("end", () => got(body));
      req.socket.once("close", gone);
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    pool = new Pool(`http://127.0.0.1:${(server.address() as AddressInfo).port}`, { pipelining: 1 });
  });

  afterEach(async () => {
    await pool.destroy();
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  });

  const post = (cancel: CallCancel, body = "{}") =>
    exchange(
      pool,
      { method: "POST", path: "/mcp", headers: {}, body, timeoutMs: 30_000, maxBytes: 1024 },
      cancel,
    );

  it("ends an exchange in flight as aborted and drops its connection", async () => {
    const cancel = new CallCancel();
    const answer = post(cancel).catch((e: unknown) => e);
    await received;
    cancel.abort();
    expect(await answer).toMatchObject({ name: "AbortError" });
    await closed;
  });

  it("never sends a call cancelled before it was dispatched", async () => {
    const cancel = new CallCancel();
    cancel.abort();
    expect(await post(cancel, '{"n":1}').catch((e: unknown) => e)).toMatchObject({ name: "AbortError" });
    // The next call is the first the backend sees.
    const next = new CallCancel();
    const answer = post(next, '{"n":2}').catch((e: unknown) => e);
    expect(await received).toBe('{"n":2}');
    next.abort();
    await answer;
  });

  it("gives a signal made after the abort, or before it, the same outcome", async () => {
    const early = new CallCancel();
    const signal = early.signal;
    early.abort();
    expect(signal.aborted).toBe(true);
    const late = new CallCancel();
    late.abort();
    expect(late.signal.aborted).toBe(true);
    const outer = new AbortController();
    const followed = CallCancel.from(outer.signal);
    expect(followed.aborted).toBe(false);
    outer.abort();
    expect(followed.aborted).toBe(true);
  });
});
