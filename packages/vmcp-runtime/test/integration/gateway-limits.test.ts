// Abuse from clients against the real `vmcp serve` process, over real sockets: slow and stalled
// bodies, deep nesting, a session flood from one caller. Each must stay bounded while the process
// lives and another client keeps being served.
import { connect, type Socket } from "node:net";
import { waitFor } from "@vmcp/testenv/test-kit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type StartedBackend, startBackend } from "../fixtures/backend.ts";
import { registerEcho } from "../fixtures/features.ts";
import { INITIALIZE, rawRequest, type ServedGateway, serveProcess } from "../fixtures/serve-process.ts";

const MiB = 1024 * 1024;
const LIMITS = [
  "operational:",
  "  incoming:",
  "    headersTimeout: 1s",
  "    requestTimeout: 2s",
  `    maxRequestBodyBytes: ${8 * MiB}`,
  `    maxInflightBodyBytes: ${16 * MiB}`,
  "    maxJsonDepth: 64",
  "    maxSessions: 200",
  "    maxSessionsPerCaller: 20",
];

describe("client-facing limits of vmcp serve", () => {
  let backend: StartedBackend;
  let gw: ServedGateway;
  let port: number;
  const sockets: Socket[] = [];

  beforeAll(async () => {
    backend = await startBackend({ name: "b", register: registerEcho });
    gw = await serveProcess(backend.url, LIMITS);
    port = Number(new URL(gw.url).port);
  });
  afterAll(async () => {
    for (const s of sockets) s.destroy();
    await gw?.stop();
    await backend?.close();
  });

  /** A client that is not part of the abuse: initialize, then a forwarded tools/call. */
  async function honestCall(sid?: string): Promise<string> {
    let session = sid;
    if (!session) {
      const init = await rawRequest(gw.url, { body: INITIALIZE });
      expect(init.status).toBe(200);
      session = String(init.headers["mcp-session-id"]);
    }
    const r = await rawRequest(gw.url, {
      body: JSON.stringify({
        jsonrpc: "2.0",
        id: 2,
        method: "tools/call",
        params: { name: "b_echo", arguments: { text: "still served" } },
      }),
      headers: { "mcp-session-id": session, "mcp-protocol-version": "2025-11-25" },
    });
    expect(r.status).toBe(200);
    expect(r.body).toContain("still served");
    return session;
  }

  /** A raw connection that has sent `head` (and whatever `write` sends later). */
  function open(head: string): Promise<{ socket: Socket; closed: () => boolean; answer: () => string }> {
    return new Promise((resolve, reject) => {
      let closed = false;
      let answer = "";
      const socket = connect({ host: "127.0.0.1", port }, () => {
        socket.write(head);
        resolve({ socket, closed: () => closed, answer: () => answer });
      });
      sockets.push(socket);
      socket.on("data", (d: Buffer) => {
        answer += d.toString("latin1");
      });
      socket.on("error", () => {});
      socket.on("close", () => {
        closed = true;
      });
      socket.once("error", reject);
    });
  }

  const postHead = (extra: string) =>
    `POST /mcp HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Type: application/json\r\n${extra}\r\n`;

  it("closes connections that send a body one byte at a time (requestTimeout)", async () => {
    const slow = await Promise.all(
      Array.from({ length: 20 }, () => open(postHead("Content-Length: 100000\r\n"))),
    );
    const drip = setInterval(() => {
      for (const c of slow) if (!c.closed()) c.socket.write("[");
    }, 500);
    try {
      await honestCall();
      // requestTimeout is 2 s: every one of them is closed well within 10 s.
      await waitFor("all slow bodies closed", () => slow.every((c) => c.closed()), 10_000);
      expect(gw.alive()).toBe(true);
      await honestCall();
    } finally {
      clearInterval(drip);
    }
  });

  it("closes connections that never finish their headers (headersTimeout)", async () => {
    const slow = await Promise.all(Array.from({ length: 10 }, () => open("POST /mcp HTTP/1.1\r\nHost: x")));
    await waitFor("all slow headers closed", () => slow.every((c) => c.closed()), 10_000);
    await honestCall();
  });

  it("bounds memory held by stalled large bodies: 503 with Retry-After past the budget", async () => {
    const before = await gw.rss();
    const chunk = Buffer.alloc(MiB, 0x20);
    // Chunked, so the gateway cannot refuse on a declared length: the budget is counted as bytes come.
    const stalled = await Promise.all(
      Array.from({ length: 24 }, () => open(postHead("Transfer-Encoding: chunked\r\n"))),
    );
    for (const c of stalled) {
      for (let i = 0; i < 12; i++) c.socket.write(`${chunk.length.toString(16)}\r\n${chunk.toString()}\r\n`);
    }
    // 24 x 12 MiB = 288 MiB sent; the budget lets 16 MiB in, the others are refused. The RSS bound
    // leaves room for socket read buffers and allocator slack (a bounded gateway grows 74-97 MiB here,
    // with the figure swinging under machine load) and is still far below what an unbounded one holds.
    await waitFor(
      "the stalled bodies refused or timed out",
      () => stalled.every((c) => c.closed() || c.answer().length > 0),
      20_000,
    );
    const peak = await gw.rss();
    const refused = stalled.filter((c) => c.answer().startsWith("HTTP/1.1 503"));
    expect(refused.length).toBeGreaterThan(0);
    for (const c of refused) {
      expect(c.answer().toLowerCase()).toContain("retry-after: 1");
      expect(c.answer()).toContain("retry shortly");
    }
    expect(peak - before).toBeLessThan(144 * MiB);
    await honestCall();
    await waitFor("every stalled connection closed", () => stalled.every((c) => c.closed()), 10_000);
    expect(gw.alive()).toBe(true);
  });

  it("refuses deep nesting before parsing it, with -32600 and little memory", async () => {
    const before = await gw.rss();
    const deep = "[".repeat(7.6 * 1e6);
    const r = await rawRequest(gw.url, { body: deep });
    expect(r.status).toBe(400);
    const e = JSON.parse(r.body) as { error: { code: number; message: string } };
    expect(e.error.code).toBe(-32600);
    expect(e.error.message).toContain("nested deeper than 64 levels");
    expect((await gw.rss()) - before).toBeLessThan(64 * MiB);
    await honestCall();
  });

  it("refuses a renamed tool call with deep arguments and a \\u escape (once a stack overflow: 500)", async () => {
    const sid = await honestCall();
    const depth = 20_000;
    const body = `{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"b_echo","arguments":{"text":"\\u0041","x":${"[".repeat(depth)}${"]".repeat(depth)}}}}`;
    const r = await rawRequest(gw.url, {
      body,
      headers: { "mcp-session-id": sid, "mcp-protocol-version": "2025-11-25" },
    });
    expect(r.status).toBe(400);
    expect((JSON.parse(r.body) as { error: { code: number } }).error.code).toBe(-32600);
    // Nesting inside strings is not nesting.
    const inString = JSON.stringify({
      jsonrpc: "2.0",
      id: 4,
      method: "tools/call",
      params: { name: "b_echo", arguments: { text: "[".repeat(1000) } },
    });
    const ok = await rawRequest(gw.url, {
      body: inString,
      headers: { "mcp-session-id": sid, "mcp-protocol-version": "2025-11-25" },
    });
    expect(ok.status).toBe(200);
    expect(ok.body).toContain("[[[[");
  });

  it("limits sessions per caller without evicting anyone else's", async () => {
    const honest = await honestCall();
    const before = await gw.rss();
    const statuses: number[] = [];
    let refusal = "";
    // 500 initialize calls from one other caller (another loopback address), 10 at a time.
    for (let round = 0; round < 50; round++) {
      const batch = await Promise.all(
        Array.from({ length: 10 }, () => rawRequest(gw.url, { body: INITIALIZE, localAddress: "127.0.0.2" })),
      );
      for (const r of batch) {
        statuses.push(r.status);
        if (r.status === 429) refusal = r.body;
      }
    }
    expect(statuses.filter((s) => s === 200)).toHaveLength(20);
    expect(statuses.filter((s) => s === 429)).toHaveLength(480);
    expect(refusal).toContain("Too many sessions for this caller (limit 20)");
    // The honest caller's session survived the flood, and it can still open new ones.
    await honestCall(honest);
    await honestCall();
    expect((await gw.rss()) - before).toBeLessThan(48 * MiB);
    expect(gw.alive()).toBe(true);
  });
});
