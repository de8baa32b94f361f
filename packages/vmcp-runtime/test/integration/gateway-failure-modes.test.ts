import { randomUUID } from "node:crypto";
import { createServer as createHttp } from "node:http";
import { createServer } from "node:net";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { StreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/streamableHttp.js";
import { describe, expect, it } from "vitest";
import { startBackend } from "../fixtures/backend.ts";
import { FEATURE_CAPABILITIES, registerEcho, registerFeatures } from "../fixtures/features.ts";
import { connectClient, startGateway, textOf, until } from "../fixtures/gateway.ts";

/** A port nothing listens on (bound then released). */
async function deadUrl(): Promise<string> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, "127.0.0.1", r));
  const { port } = srv.address() as { port: number };
  await new Promise<void>((r) => srv.close(() => r()));
  return `http://127.0.0.1:${port}/mcp`;
}

describe("failure handling", () => {
  it("times out a slow call with a clear error, cancels it at the backend, and keeps other calls flowing", async () => {
    const slow = await startBackend({
      name: "slow",
      register: registerFeatures,
      capabilities: FEATURE_CAPABILITIES,
    });
    const fast = await startBackend({ name: "fast", register: registerEcho });
    const gw = await startGateway([
      { name: "slow", url: slow.url, timeoutMs: 400 },
      { name: "fast", url: fast.url },
    ]);
    const client = await connectClient(gw.url);
    try {
      // The 400 ms timeout also bounds discovery: on a loaded machine the first initialize of
      // "slow" can miss it and be retried, so wait for its tools rather than assume them.
      await until(
        async () => (await client.listTools()).tools.some((t) => t.name === "slow_wait"),
        "slow's tools listed",
      );
      const pending = client.callTool({ name: "slow_wait", arguments: { tag: "t1" } });
      expect(textOf(await client.callTool({ name: "fast_echo", arguments: { text: "meanwhile" } }))).toBe(
        "fast:meanwhile",
      );
      await expect(pending).rejects.toMatchObject({
        code: -32001,
        message: expect.stringContaining("backend 'slow' did not answer within 400 ms"),
      });
      await until(
        () => slow.ctx.events.includes("cancelled:t1"),
        "backend told to cancel the timed-out call",
      );
    } finally {
      await client.close();
      await gw.close();
      await slow.close();
      await fast.close();
    }
  });

  it("partialFailureMode fail refuses listings while a backend was never reachable", async () => {
    const ok = await startBackend({ name: "ok", register: registerEcho });
    const gw = await startGateway(
      [
        { name: "ok", url: ok.url },
        { name: "down", url: await deadUrl() },
      ],
      { partialFailureMode: "fail" },
    );
    const client = await connectClient(gw.url);
    try {
      await expect(client.listTools()).rejects.toMatchObject({
        code: -32603,
        message: expect.stringContaining("backend 'down'"),
      });
      // Calls to the healthy backend still work.
      expect(textOf(await client.callTool({ name: "ok_echo", arguments: { text: "x" } }))).toBe("ok:x");
    } finally {
      await client.close();
      await gw.close();
      await ok.close();
    }
  });

  it("partialFailureMode best_effort lists what is reachable and picks up a late backend", async () => {
    const ok = await startBackend({ name: "ok", register: registerEcho });
    const gw = await startGateway(
      [
        { name: "ok", url: ok.url },
        { name: "late", url: await deadUrl() },
      ],
      { partialFailureMode: "best_effort" },
    );
    const client = await connectClient(gw.url);
    try {
      expect((await client.listTools()).tools.map((t) => t.name)).toEqual(["ok_echo"]);
      expect(gw.gateway.status().backends.find((b) => b.name === "late")?.health).toBe("unhealthy");
    } finally {
      await client.close();
      await gw.close();
      await ok.close();
    }
  });

  it("a backend that comes up after the gateway is listed once reachable (startup races heal)", async () => {
    // Reserve a port, start the gateway against it, then start the backend on that port.
    const url = await deadUrl();
    const port = Number(new URL(url).port);
    const gw = await startGateway([{ name: "late", url }], { partialFailureMode: "best_effort" });
    const transports = new Map<string, StreamableHTTPServerTransport>();
    const http = createHttp(async (req, res) => {
      const chunks: Buffer[] = [];
      for await (const c of req) chunks.push(c as Buffer);
      const body = chunks.length ? JSON.parse(Buffer.concat(chunks).toString()) : undefined;
      const sid = req.headers["mcp-session-id"];
      let t = typeof sid === "string" ? transports.get(sid) : undefined;
      if (!t) {
        const s = new McpServer({ name: "late", version: "1" });
        registerEcho(s, { name: "late", servers: new Set(), events: [] });
        const created: StreamableHTTPServerTransport = new StreamableHTTPServerTransport({
          sessionIdGenerator: () => randomUUID(),
          onsessioninitialized: (id) => {
            transports.set(id, created);
          },
        });
        await s.connect(created);
        t = created;
      }
      await t.handleRequest(req, res, body);
    });
    await new Promise<void>((r) => http.listen(port, "127.0.0.1", r));
    const client = await connectClient(gw.url);
    try {
      await until(async () => (await client.listTools()).tools.length === 1, "late backend listed", 10_000);
      expect(textOf(await client.callTool({ name: "late_echo", arguments: { text: "hi" } }))).toBe("late:hi");
    } finally {
      await client.close();
      await gw.close();
      http.closeAllConnections();
      await new Promise<void>((r) => http.close(() => r()));
    }
  });

  it("adds outgoing auth headers and only allow-listed passthrough headers", async () => {
    const b = await startBackend({
      name: "b",
      register: registerFeatures,
      capabilities: FEATURE_CAPABILITIES,
    });
    const gw = await startGateway([{ name: "b", url: b.url }], {
      outgoingAuth: () => ({ type: "header_injection", headers: async () => ({ "x-api-key": "s3cret" }) }),
      passthroughHeaders: ["X-Tenant"],
    });
    const client = new Client({ name: "t", version: "1" });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(gw.url), {
        requestInit: { headers: { "x-tenant": "acme", "x-not-allowed": "nope" } },
      }),
    );
    try {
      const seen = JSON.parse(textOf(await client.callTool({ name: "b_headers", arguments: {} }))) as Record<
        string,
        string
      >;
      expect(seen["x-api-key"]).toBe("s3cret");
      expect(seen["x-tenant"]).toBe("acme");
      expect(seen["x-not-allowed"]).toBeUndefined();
    } finally {
      await client.close();
      await gw.close();
      await b.close();
    }
  });
});
