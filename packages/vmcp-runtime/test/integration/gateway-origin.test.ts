// DNS rebinding: a page on a foreign origin (or a foreign name resolved to the loopback address)
// must not reach the gateway; origins on operational.allowedOrigins work like a browser would use them.
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type StartedBackend, startBackend } from "../fixtures/backend.ts";
import { registerEcho } from "../fixtures/features.ts";
import { textOf } from "../fixtures/gateway.ts";
import { INITIALIZE, rawRequest, type ServedGateway, serveProcess } from "../fixtures/serve-process.ts";

const APP = "https://app.example.com";

describe("Origin and Host validation (vmcp serve on loopback)", () => {
  let backend: StartedBackend;
  let gw: ServedGateway;
  let own: string;

  beforeAll(async () => {
    backend = await startBackend({ name: "b", register: registerEcho });
    gw = await serveProcess(backend.url, ["operational:", "  allowedOrigins:", `    - ${APP}`]);
    own = new URL(gw.url).origin;
  });
  afterAll(async () => {
    await gw?.stop();
    await backend?.close();
  });

  const expectRefused = (r: { status: number; body: string }, what: RegExp) => {
    expect(r.status).toBe(403);
    const e = JSON.parse(r.body) as { jsonrpc: string; error: { code: number; message: string } };
    expect(e.jsonrpc).toBe("2.0");
    expect(e.error.message).toMatch(what);
  };

  it("serves a non-browser client (no Origin header)", async () => {
    const r = await rawRequest(gw.url, { body: INITIALIZE });
    expect(r.status).toBe(200);
    expect(r.headers["mcp-session-id"]).toBeTruthy();
  });

  it("refuses a foreign Host with a matching Origin (a rebinding page) with 403", async () => {
    const port = new URL(gw.url).port;
    const r = await rawRequest(gw.url, {
      body: INITIALIZE,
      headers: { host: `evil.example.com:${port}`, origin: `http://evil.example.com:${port}` },
    });
    expectRefused(r, /Host/);
  });

  it("refuses a foreign Host on every path, not only /mcp", async () => {
    const r = await rawRequest(new URL("/status", gw.url).href, {
      method: "GET",
      headers: { host: "evil.example.com" },
    });
    expect(r.status).toBe(403);
  });

  it("refuses an Origin that is neither the gateway's own nor allowed", async () => {
    const r = await rawRequest(gw.url, { body: INITIALIZE, headers: { origin: "http://evil.example.com" } });
    expectRefused(r, /Origin/);
    expect(r.headers["access-control-allow-origin"]).toBeUndefined();
  });

  it("accepts the gateway's own origin", async () => {
    const r = await rawRequest(gw.url, { body: INITIALIZE, headers: { origin: own } });
    expect(r.status).toBe(200);
  });

  it("answers a CORS preflight from an allowed origin", async () => {
    const r = await rawRequest(gw.url, {
      method: "OPTIONS",
      headers: {
        origin: APP,
        "access-control-request-method": "POST",
        "access-control-request-headers": "content-type, mcp-session-id, mcp-protocol-version",
      },
    });
    expect(r.status).toBe(204);
    expect(r.headers["access-control-allow-origin"]).toBe(APP);
    expect(String(r.headers["access-control-allow-methods"])).toMatch(/POST/);
    expect(String(r.headers["access-control-allow-headers"]).toLowerCase()).toMatch(/mcp-session-id/);
  });

  it("refuses a CORS preflight from a foreign origin", async () => {
    const r = await rawRequest(gw.url, {
      method: "OPTIONS",
      headers: { origin: "http://evil.example.com", "access-control-request-method": "POST" },
    });
    expect(r.status).toBe(403);
  });

  it("serves a browser-like client on the allow-list end to end", async () => {
    const client = new Client({ name: "browser", version: "1" });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(gw.url), { requestInit: { headers: { origin: APP } } }),
    );
    try {
      const r = await client.callTool({ name: "b_echo", arguments: { text: "hi" } });
      expect(textOf(r)).toContain("hi");
    } finally {
      await client.close();
    }
    const r = await rawRequest(gw.url, { body: INITIALIZE, headers: { origin: APP } });
    expect(r.status).toBe(200);
    expect(r.headers["access-control-allow-origin"]).toBe(APP);
    expect(String(r.headers["access-control-expose-headers"]).toLowerCase()).toMatch(/mcp-session-id/);
  });
});
