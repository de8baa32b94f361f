// `vmcp proxy --command` as a real process in front of real stdio servers it starts itself: the
// reference server-everything (its own CLI, stdio mode, defaults), the SDK fixture server and a
// hostile server; current SDK clients and raw HTTP towards it. What streams: progress to its
// caller only, server notifications on each client's GET stream, per-client subscriptions and log
// levels, cancellation reaching the server, each client's protocol version, and a server that
// breaks the protocol reaching no client it should not.
import { createRequire } from "node:module";
import { connect as tcpConnect } from "node:net";
import { dirname, join } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import {
  LATEST_PROTOCOL_VERSION,
  LoggingMessageNotificationSchema,
  type Progress,
  ResourceUpdatedNotificationSchema,
  ToolListChangedNotificationSchema,
} from "@modelcontextprotocol/sdk/types.js";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { type ProxyProcess, startProxyProcess } from "../fixtures/proxy-process.ts";
import { serveProcess } from "../fixtures/serve-process.ts";

const require = createRequire(import.meta.url);
const EVERYTHING = join(
  dirname(require.resolve("@modelcontextprotocol/server-everything/package.json")),
  "dist/index.js",
);
const FIXTURE = join(import.meta.dirname, "../fixtures/stdio-server.ts");
const HOSTILE = join(import.meta.dirname, "../fixtures/hostile-stdio-server.ts");

const text = (r: unknown) => (r as { content: { text: string }[] }).content.map((c) => c.text).join("");
const waitFor = <T>(fn: () => T | Promise<T>, timeout = 20_000) => vi.waitFor(fn, { timeout, interval: 100 });

interface Seen {
  logs: string[];
  listChanged: number;
  updated: string[];
}

async function connect(url: string, closers: (() => Promise<void>)[]): Promise<{ c: Client; seen: Seen }> {
  const c = new Client({ name: "test", version: "1" });
  const seen: Seen = { logs: [], listChanged: 0, updated: [] };
  c.setNotificationHandler(LoggingMessageNotificationSchema, (n) => {
    seen.logs.push(`${n.params.level}: ${String(n.params.data)}`);
  });
  c.setNotificationHandler(ToolListChangedNotificationSchema, () => {
    seen.listChanged++;
  });
  c.setNotificationHandler(ResourceUpdatedNotificationSchema, (n) => {
    seen.updated.push(n.params.uri);
  });
  await c.connect(new StreamableHTTPClientTransport(new URL(url)));
  closers.push(() => c.close());
  return { c, seen };
}

const post = (url: string, body: unknown, headers: Record<string, string> = {}, signal?: AbortSignal) =>
  fetch(url, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      accept: "application/json, text/event-stream",
      ...headers,
    },
    body: JSON.stringify(body),
    signal,
  });

async function rawInit(url: string, protocolVersion: string): Promise<{ sid: string; version: unknown }> {
  const r = await post(url, {
    jsonrpc: "2.0",
    id: 1,
    method: "initialize",
    params: { protocolVersion, capabilities: {}, clientInfo: { name: "raw", version: "1" } },
  });
  expect(r.status).toBe(200);
  const body = (await r.json()) as { result: { protocolVersion: unknown } };
  return { sid: r.headers.get("mcp-session-id") ?? "", version: body.result.protocolVersion };
}

// Processes start under load on a 2-core machine: seconds each.
describe("vmcp proxy in front of server-everything (stdio, its own CLI)", { timeout: 60_000 }, () => {
  let proxy: ProxyProcess;
  const closers: (() => Promise<void>)[] = [];
  beforeAll(async () => {
    proxy = await startProxyProcess(process.execPath, [EVERYTHING, "stdio"]);
  });
  afterAll(async () => {
    for (const c of closers.reverse()) await c();
    await proxy?.stop();
  });

  it("progress of a long-running tool reaches its caller only, over SSE, with two clients at once", async () => {
    const a = await connect(proxy.url, closers);
    const b = await connect(proxy.url, closers);
    const got: { a: Progress[]; b: Progress[] } = { a: [], b: [] };
    // Both clients' first call has the same id, so both pick the same progress token.
    const [ra, rb] = await Promise.all([
      a.c.callTool(
        { name: "trigger-long-running-operation", arguments: { duration: 1, steps: 4 } },
        undefined,
        { onprogress: (p) => got.a.push(p) },
      ),
      b.c.callTool(
        { name: "trigger-long-running-operation", arguments: { duration: 1, steps: 2 } },
        undefined,
        { onprogress: (p) => got.b.push(p) },
      ),
    ]);
    expect(text(ra)).toContain("Steps: 4");
    expect(text(rb)).toContain("Steps: 2");
    expect(got.a.map((p) => [p.progress, p.total])).toEqual([
      [1, 4],
      [2, 4],
      [3, 4],
      [4, 4],
    ]);
    expect(got.b.map((p) => [p.progress, p.total])).toEqual([
      [1, 2],
      [2, 2],
    ]);
  });

  it("a client that accepts only JSON gets a JSON answer to a call with a progress token", async () => {
    const { sid } = await rawInit(proxy.url, LATEST_PROTOCOL_VERSION);
    const r = await post(
      proxy.url,
      {
        jsonrpc: "2.0",
        id: 2,
        method: "tools/call",
        params: {
          name: "trigger-long-running-operation",
          arguments: { duration: 0.2, steps: 2 },
          _meta: { progressToken: "t" },
        },
      },
      { accept: "application/json", "mcp-session-id": sid },
    );
    expect(r.headers.get("content-type")).toBe("application/json");
    expect(text(((await r.json()) as { result: unknown }).result)).toContain("Steps: 2");
  });

  it("log messages reach the GET stream; resources/updated only the client that subscribed, the server subscribed once", async () => {
    const a = await connect(proxy.url, closers);
    const b = await connect(proxy.url, closers);
    const c = await connect(proxy.url, closers);
    const uri = (await a.c.listResources()).resources[0]?.uri ?? "";
    expect(uri).not.toBe("");
    // The server acknowledges each subscribe it receives with a log message to its one session.
    const acks = (s: Seen, u: string) =>
      s.logs.filter((l) => l.includes(`Received Subscribe Resource request for URI: ${u}`));
    await a.c.subscribeResource({ uri });
    await c.c.subscribeResource({ uri });
    await a.c.callTool({ name: "toggle-subscriber-updates", arguments: {} });
    await waitFor(() => expect(a.seen.updated).toContain(uri));
    await waitFor(() => expect(c.seen.updated).toContain(uri));
    // A later log message to every stream: once b has it, b would have had the update before it.
    const other = (await a.c.listResources()).resources[1]?.uri ?? "";
    await b.c.subscribeResource({ uri: other });
    await waitFor(() => expect(acks(b.seen, other)).toHaveLength(1));
    expect(b.seen.updated).not.toContain(uri);
    expect(acks(b.seen, uri).length).toBeLessThanOrEqual(1);
    expect(acks(a.seen, uri)).toHaveLength(1);
  });

  it("behind the gateway (vmcp serve, the proxy as its streamable-http backend): calls and their progress pass", async () => {
    const gw = await serveProcess(proxy.url);
    closers.push(() => gw.stop());
    const { c } = await connect(gw.url, closers);
    const tool = (await c.listTools()).tools.find((t) => t.name.endsWith("trigger-long-running-operation"));
    expect(tool).toBeDefined();
    const got: Progress[] = [];
    const r = await c.callTool(
      { name: tool?.name ?? "", arguments: { duration: 0.5, steps: 2 } },
      undefined,
      { onprogress: (p) => got.push(p) },
    );
    expect(text(r)).toContain("Steps: 2");
    expect(got.map((p) => p.progress)).toEqual([1, 2]);
  });

  it("a client asking an older protocol version gets it; one asking an unknown version gets the server's", async () => {
    expect((await rawInit(proxy.url, "2024-11-05")).version).toBe("2024-11-05");
    expect((await rawInit(proxy.url, "2025-03-26")).version).toBe("2025-03-26");
    expect((await rawInit(proxy.url, "2099-01-01")).version).toBe(LATEST_PROTOCOL_VERSION);
    const { c } = await connect(proxy.url, closers);
    expect(c.getServerVersion()?.name).toBe("mcp-servers/everything");
  });
});

describe("vmcp proxy in front of an SDK stdio server", { timeout: 60_000 }, () => {
  let proxy: ProxyProcess;
  const closers: (() => Promise<void>)[] = [];
  beforeAll(async () => {
    proxy = await startProxyProcess(process.execPath, [FIXTURE]);
  });
  afterAll(async () => {
    for (const c of closers.reverse()) await c();
    await proxy?.stop();
  });

  const cancels = async (c: Client) =>
    JSON.parse(text(await c.callTool({ name: "cancels", arguments: {} }))) as string[];

  it("tools/list_changed reaches every client's GET stream", async () => {
    const a = await connect(proxy.url, closers);
    const b = await connect(proxy.url, closers);
    // A GET stream opens after initialize: changes before it are nobody's to replay.
    await waitFor(async () => {
      await a.c.callTool({ name: "add-tool", arguments: {} });
      expect(b.seen.listChanged).toBeGreaterThan(0);
      expect(a.seen.listChanged).toBeGreaterThan(0);
    });
  });

  it("each client gets log messages at its own level; the server is set to the most verbose", async () => {
    const a = await connect(proxy.url, closers);
    const b = await connect(proxy.url, closers);
    await a.c.setLoggingLevel("error");
    await b.c.setLoggingLevel("debug");
    await waitFor(async () => {
      await a.c.callTool({ name: "log", arguments: { level: "error", data: "barrier" } });
      expect(a.seen.logs).toContain("error: barrier");
      expect(b.seen.logs).toContain("error: barrier");
    });
    await a.c.callTool({ name: "log", arguments: { level: "info", data: "details" } });
    await a.c.callTool({ name: "log", arguments: { level: "error", data: "after" } });
    await waitFor(() => expect(a.seen.logs).toContain("error: after"));
    await waitFor(() => expect(b.seen.logs).toContain("info: details"));
    expect(a.seen.logs).not.toContain("info: details");
  });

  it("notifications/cancelled is forwarded with the proxy's id and its reason; the call ends at the server", async () => {
    const { c } = await connect(proxy.url, closers);
    const abort = new AbortController();
    const waiting = c
      .callTool({ name: "wait", arguments: {} }, undefined, { signal: abort.signal })
      .catch((e: unknown) => e);
    // The server reads its stdin in order: once a later call is answered, `wait` is running there.
    await c.callTool({ name: "echo", arguments: { text: "x" } });
    abort.abort("the user gave up");
    await waiting;
    await waitFor(async () => expect(await cancels(c)).toContain("the user gave up"));
  });

  it("a client that disconnects mid-call has the call cancelled at the server; its id is free again", async () => {
    const { c } = await connect(proxy.url, closers);
    const { sid } = await rawInit(proxy.url, LATEST_PROTOCOL_VERSION);
    const gone = new AbortController();
    const waitCall = { jsonrpc: "2.0", id: 7, method: "tools/call", params: { name: "wait", arguments: {} } };
    const first = post(proxy.url, waitCall, { "mcp-session-id": sid }, gone.signal).catch((e: unknown) => e);
    await c.callTool({ name: "echo", arguments: { text: "x" } });
    gone.abort();
    await first;
    await waitFor(async () => expect(await cancels(c)).toContain("the client disconnected"));
    // Cancelled by notification: the entry for id 7 is released, so id 7 can be used again.
    const second = post(proxy.url, waitCall, { "mcp-session-id": sid, accept: "application/json" });
    await c.callTool({ name: "echo", arguments: { text: "y" } });
    const cancel = await post(
      proxy.url,
      { jsonrpc: "2.0", method: "notifications/cancelled", params: { requestId: 7, reason: "raw cancel" } },
      { "mcp-session-id": sid },
    );
    expect(cancel.status).toBe(202);
    expect((await second).status).toBe(200);
    await waitFor(async () => expect(await cancels(c)).toContain("raw cancel"));
    const third = await post(
      proxy.url,
      { jsonrpc: "2.0", id: 7, method: "tools/call", params: { name: "echo", arguments: { text: "again" } } },
      { "mcp-session-id": sid, accept: "application/json" },
    );
    expect(text(((await third.json()) as { result: unknown }).result)).toBe("again");
  });
});

describe("vmcp proxy in front of a hostile stdio server", { timeout: 90_000 }, () => {
  let proxy: ProxyProcess;
  const closers: (() => Promise<void>)[] = [];
  beforeAll(async () => {
    proxy = await startProxyProcess(process.execPath, [HOSTILE]);
  });
  afterAll(async () => {
    for (const c of closers.reverse()) await c();
    await proxy?.stop();
  });

  it("garbage lines and answers to ids never sent reach no client; the real answers do", async () => {
    const a = await connect(proxy.url, closers);
    const b = await connect(proxy.url, closers);
    const progress: Progress[] = [];
    const [ga, sb, ea] = await Promise.all([
      a.c.callTool({ name: "garbage", arguments: { text: "a" } }),
      b.c.callTool({ name: "stray", arguments: { text: "b" } }, undefined, {
        onprogress: (p) => progress.push(p),
      }),
      a.c.callTool({ name: "echo", arguments: { text: "a2" } }, undefined, {
        onprogress: (p) => progress.push(p),
      }),
    ]);
    expect(text(ga)).toBe("garbage done: a");
    expect(text(sb)).toBe("stray done: b");
    expect(text(ea)).toBe("echo done: a2");
    expect(progress).toEqual([]);
    expect(proxy.alive()).toBe(true);
  });

  it("a notification flood: a reading client gets it, one that stops reading loses its stream, calls go on", async () => {
    const a = await connect(proxy.url, closers);
    const b = await connect(proxy.url, closers);
    const { sid } = await rawInit(proxy.url, "2025-06-18");
    // A GET stream whose client stops reading at the first bytes (the socket itself paused, so
    // the kernel's buffers fill and then the proxy's).
    const u = new URL(proxy.url);
    const slow = tcpConnect(Number(u.port), u.hostname, () =>
      slow.write(
        `GET /mcp HTTP/1.1\r\nhost: ${u.host}\r\naccept: text/event-stream\r\nmcp-session-id: ${sid}\r\n\r\n`,
      ),
    );
    closers.push(async () => void slow.destroy());
    const head = await new Promise<string>((resolve) =>
      slow.once("data", (d: Buffer) => resolve(d.toString())),
    );
    slow.pause();
    expect(head).toMatch(/^HTTP\/1.1 200/);
    await waitFor(async () => {
      await a.c.callTool({ name: "flood", arguments: { count: 2 } });
      expect(b.seen.listChanged).toBeGreaterThan(0);
    });
    const count = 20_000;
    const bytes = 1024;
    const flooding = a.c.callTool({ name: "flood", arguments: { count, bytes } });
    expect(text(await b.c.callTool({ name: "echo", arguments: { text: "during" } }))).toBe(
      "echo done: during",
    );
    expect(text(await flooding)).toBe("flood done: ");
    // Read now: what the kernel held, then the end the proxy gave the stream.
    let got = 0;
    slow.on("data", (d: Buffer) => {
      got += d.length;
    });
    slow.on("error", () => {});
    const ended = new Promise<void>((resolve) => slow.once("close", () => resolve()));
    slow.resume();
    await ended;
    expect(got).toBeLessThan((count / 2) * bytes);
    expect(b.seen.logs.length).toBeGreaterThan(0);
    // Whatever the flood did to the SDK clients' own streams, they get notifications again.
    const before = b.seen.listChanged;
    await waitFor(async () => {
      await a.c.callTool({ name: "flood", arguments: { count: 2 } });
      expect(b.seen.listChanged).toBeGreaterThan(before);
    });
    expect(proxy.alive()).toBe(true);
  });

  it("a line over the bound ends the stream with an error naming it; the server is restarted and answers", async () => {
    const { c } = await connect(proxy.url, closers);
    const err = await c
      .callTool({ name: "huge", arguments: { bytes: 17 * 1024 * 1024 } })
      .catch((e: unknown) => e);
    expect(String(err)).toMatch(/-32603.*wrote a line longer than 16777216 bytes/);
    await waitFor(async () =>
      expect(text(await c.callTool({ name: "echo", arguments: { text: "back" } }))).toBe("echo done: back"),
    );
  });

  it("the server negotiated 2025-06-18: newer clients get that, older ones their own", async () => {
    expect((await rawInit(proxy.url, LATEST_PROTOCOL_VERSION)).version).toBe("2025-06-18");
    expect((await rawInit(proxy.url, "2025-03-26")).version).toBe("2025-03-26");
  });
});
