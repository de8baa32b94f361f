// The stdio transport and `vmcp proxy` against a real stdio MCP server process (the SDK's
// StdioServerTransport), its pipes standing in for the attach stream: framing, reconnect after
// the process dies, the line bound, and Streamable HTTP towards an SDK client.
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { afterEach, describe, expect, it } from "vitest";
import { StdioCallError, StdioSession } from "../../../src/backends/stdio-session.ts";
import { runCli } from "../../../src/cli.ts";
import { createLogger } from "../../../src/logger.ts";
import { type RunningProxy, startStdioProxy } from "../../../src/proxy/stdio-proxy.ts";
import { childConnector } from "../../fixtures/stdio-child.ts";

const log = createLogger({ level: "silent" });
const text = (r: unknown) => (r as { content: { text: string }[] }).content.map((c) => c.text).join("");

let cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup.reverse()) await c();
  cleanup = [];
});

function session(maxLineBytes = 1024 * 1024) {
  const child = childConnector();
  const s = new StdioSession({
    name: "fixture",
    connect: child.connect,
    log,
    maxLineBytes,
    callTimeoutMs: 10_000,
    backoff: { initialMs: 20, maxMs: 200 },
  });
  cleanup.push(async () => {
    await s.stop();
    await child.stop();
  });
  s.start();
  return { s, child };
}

const call = (s: StdioSession, name: string, args: Record<string, unknown> = {}) =>
  s.request("tools/call", { name, arguments: args });

// Each test starts server processes; a loaded 2-core machine takes seconds for one.
describe("stdio session with a real server process", { timeout: 30_000 }, () => {
  it("initialises the server itself and answers requests in order of their ids", async () => {
    const { s } = session();
    const init = await s.ready(10_000);
    expect(init.serverInfo).toMatchObject({ name: "stdio-fixture" });
    const tools = (await s.request("tools/list", {})) as { tools: { name: string }[] };
    expect(tools.tools.map((t) => t.name)).toEqual(expect.arrayContaining(["big", "echo", "hang", "pid"]));
    const answers = await Promise.all(["a", "b", "c"].map((t) => call(s, "echo", { text: t })));
    expect(answers.map(text)).toEqual(["a", "b", "c"]);
  });

  it("the server's own JSON-RPC errors reach the caller with their code", async () => {
    const { s } = session();
    await s.ready(10_000);
    const e = await s.request("no/such/method", {}).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(StdioCallError);
    expect((e as StdioCallError).code).toBe(-32601);
  });

  it("the process dies: the call in flight fails with -32603, the session reconnects, later calls work", async () => {
    const { s, child } = session();
    await s.ready(10_000);
    const before = text(await call(s, "pid"));
    const inFlight = call(s, "hang").catch((x: unknown) => x);
    // The hang request has reached the server once any later request was answered.
    await call(s, "echo", { text: "x" });
    child.kill();
    const err = (await inFlight) as StdioCallError;
    expect(err).toBeInstanceOf(StdioCallError);
    expect(err.code).toBe(-32603);
    expect(err.message).toMatch(/^MCP server 'fixture' closed its stdio \(.+\); the proxy reconnects/);
    // A call made while the new process starts waits for it rather than failing.
    const after = text(await call(s, "pid"));
    expect(after).not.toBe(before);
    expect(s.connects).toBe(2);
  });

  it("an answer longer than the line bound closes the stream with a clear error; the next stream works", async () => {
    const { s } = session(4096);
    await s.ready(10_000);
    const err = (await call(s, "big", { bytes: 10_000 }).catch((x: unknown) => x)) as StdioCallError;
    expect(err.code).toBe(-32603);
    expect(err.message).toContain("wrote a line longer than 4096 bytes");
    expect(text(await call(s, "big", { bytes: 100 }))).toBe("x".repeat(100));
  });
});

describe("vmcp proxy: the stdio server over Streamable HTTP", { timeout: 30_000 }, () => {
  async function proxy(): Promise<{ p: RunningProxy; child: ReturnType<typeof childConnector> }> {
    const child = childConnector();
    const s = new StdioSession({
      name: "fixture",
      connect: child.connect,
      log,
      maxLineBytes: 1024 * 1024,
      callTimeoutMs: 10_000,
      backoff: { initialMs: 20, maxMs: 200 },
    });
    const p = await startStdioProxy({
      session: s,
      log,
      host: "127.0.0.1",
      port: 0,
      maxBodyBytes: 64 * 1024,
      connectWaitMs: 10_000,
    });
    cleanup.push(async () => {
      await p.close();
      await child.stop();
    });
    return { p, child };
  }

  async function client(url: string): Promise<Client> {
    const c = new Client({ name: "test", version: "1" });
    await c.connect(new StreamableHTTPClientTransport(new URL(url)));
    cleanup.push(() => c.close());
    return c;
  }

  it("an SDK client initialises, lists and calls tools; /readyz says whether the server is attached", async () => {
    const { p } = await proxy();
    const c = await client(p.url);
    expect(c.getServerVersion()?.name).toBe("stdio-fixture");
    expect((await c.listTools()).tools.map((t) => t.name)).toContain("echo");
    expect(text(await c.callTool({ name: "echo", arguments: { text: "hello" } }))).toBe("hello");
    const ready = await fetch(p.url.replace("/mcp", "/readyz"));
    expect(ready.status).toBe(200);
    // A GET stream belongs to a client session; without one there is nothing to stream.
    expect((await fetch(p.url, { headers: { accept: "text/event-stream" } })).status).toBe(400);
    expect((await fetch(p.url, { method: "PUT" })).status).toBe(405);
  });

  it("the server restarts: a client's session keeps working, no new initialize needed", async () => {
    const { p, child } = await proxy();
    const c = await client(p.url);
    const first = text(await c.callTool({ name: "pid", arguments: {} }));
    child.kill();
    let second = first;
    // The first call after the kill may be the one that finds the stream broken.
    for (let i = 0; i < 3 && second === first; i++) {
      second = await c.callTool({ name: "pid", arguments: {} }).then(text, () => first);
    }
    expect(second).not.toBe(first);
  });

  it("bad bodies get JSON-RPC errors with HTTP status, not the server's attention", async () => {
    const { p } = await proxy();
    const post = (body: string) =>
      fetch(p.url, { method: "POST", headers: { "content-type": "application/json" }, body });
    const parse = await post("{");
    expect(parse.status).toBe(400);
    expect(((await parse.json()) as { error: { code: number } }).error.code).toBe(-32700);
    expect((await post("x".repeat(70 * 1024))).status).toBe(413);
    expect((await post(JSON.stringify({ jsonrpc: "2.0", method: "notifications/initialized" }))).status).toBe(
      202,
    );
  });
});

describe("vmcp proxy command line", { timeout: 30_000 }, () => {
  const run = async (argv: string[]) => {
    const out: string[] = [];
    const err: string[] = [];
    const code = await runCli(argv, { out: (l) => out.push(l), err: (l) => err.push(l) });
    return { code, out: out.join("\n"), err: err.join("\n") };
  };

  it("--help prints its usage; a missing --pod/--command or a bad port is a usage error (exit 2) naming it", async () => {
    expect(await run(["proxy", "--help"])).toMatchObject({
      code: 0,
      out: expect.stringContaining("vmcp proxy --pod <name>"),
    });
    expect(await run(["proxy", "--namespace", "x"])).toMatchObject({
      code: 2,
      err: expect.stringContaining("--pod <name> or --command <program> is required"),
    });
    expect(await run(["proxy", "--pod", "p", "--command", "x", "--namespace", "x"])).toMatchObject({
      code: 2,
      err: expect.stringContaining("--pod and --command exclude each other"),
    });
    expect((await run(["proxy", "--help"])).out).toContain("vmcp proxy --command <program>");
    expect(await run(["proxy", "--pod", "p", "--namespace", "x", "--port", "99999"])).toMatchObject({
      code: 2,
      err: expect.stringContaining("invalid --port 99999"),
    });
    expect(await run(["proxy", "--pod", "p", "--namespace", "x", "--call-timeout", "soon"])).toMatchObject({
      code: 2,
      err: expect.stringContaining('invalid --call-timeout "soon"'),
    });
    expect((await run(["--help"])).out).toContain("vmcp proxy --pod <name>");
  });
});
