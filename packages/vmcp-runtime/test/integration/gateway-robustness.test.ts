import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type StartedBackend, startBackend } from "../fixtures/backend.ts";
import { registerEcho } from "../fixtures/features.ts";
import {
  connectClient,
  postJsonRpc,
  type StartedGateway,
  startGateway,
  textOf,
  until,
} from "../fixtures/gateway.ts";

describe("bad input never crashes the gateway", () => {
  let backend: StartedBackend;
  let gw: StartedGateway;
  let sid: string;

  const post = (body: string, headers: Record<string, string> = {}) => postJsonRpc(gw.url, body, headers);

  beforeAll(async () => {
    backend = await startBackend({ name: "b", register: registerEcho });
    gw = await startGateway([{ name: "b", url: backend.url }], { maxBodyBytes: 64 * 1024 });
    const init = await post(
      JSON.stringify({
        jsonrpc: "2.0",
        id: 0,
        method: "initialize",
        params: { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "t", version: "1" } },
      }),
    );
    sid = init.headers.get("mcp-session-id")!;
  });
  afterAll(async () => {
    await gw?.close();
    await backend?.close();
  });

  const cases: Array<[string, string, number, number]> = [
    ["not JSON", "{nope", 400, -32700],
    ["an array batch", "[]", 400, -32600],
    ["a JSON string", '"hello"', 400, -32600],
    ["wrong jsonrpc version", '{"jsonrpc":"1.0","id":1,"method":"ping"}', 400, -32600],
    ["a non-string method", '{"jsonrpc":"2.0","id":1,"method":42}', 400, -32600],
    [
      "params that are not an object",
      '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":[1]}',
      400,
      -32600,
    ],
    ["an object id", '{"jsonrpc":"2.0","id":{"a":1},"method":"ping"}', 400, -32600],
  ];
  it.each(cases)("answers %s with a JSON-RPC error", async (_what, body, status, code) => {
    const r = await post(body, { "mcp-session-id": sid });
    expect(r.status).toBe(status);
    expect(((await r.json()) as { error: { code: number } }).error.code).toBe(code);
  });

  it("rejects an oversized body with 413 and a JSON-RPC error", async () => {
    const big = JSON.stringify({
      jsonrpc: "2.0",
      id: 1,
      method: "tools/call",
      params: { name: "b_echo", arguments: { text: "x".repeat(100 * 1024) } },
    });
    const r = await post(big, { "mcp-session-id": sid });
    expect(r.status).toBe(413);
    expect(((await r.json()) as { error: { code: number; message: string } }).error).toMatchObject({
      code: -32600,
    });
  });

  it("answers unknown methods, missing and unknown sessions, wrong media types", async () => {
    const m = await post('{"jsonrpc":"2.0","id":5,"method":"does/not/exist"}', { "mcp-session-id": sid });
    expect(await m.json()).toMatchObject({ id: 5, error: { code: -32601 } });
    const noSession = await post('{"jsonrpc":"2.0","id":1,"method":"ping"}');
    expect(noSession.status).toBe(400);
    const unknown = await post('{"jsonrpc":"2.0","id":1,"method":"ping"}', { "mcp-session-id": "nope" });
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({ error: { code: -32001 } });
    const text = await fetch(gw.url, {
      method: "POST",
      headers: { "content-type": "text/plain" },
      body: "hi",
    });
    expect(text.status).toBe(415);
    const get = await fetch(gw.url, { headers: { "mcp-session-id": sid, accept: "application/json" } });
    expect(get.status).toBe(406);
    const put = await fetch(gw.url, { method: "PUT" });
    expect(put.status).toBe(405);
    const badVersion = await post('{"jsonrpc":"2.0","id":1,"method":"ping"}', {
      "mcp-session-id": sid,
      "mcp-protocol-version": "1900-01-01",
    });
    expect(badVersion.status).toBe(400);
  });

  it("is still serving after all of that", async () => {
    const client = await connectClient(gw.url);
    expect(textOf(await client.callTool({ name: "b_echo", arguments: { text: "ok" } }))).toBe("b:ok");
    await client.close();
    expect((await fetch(`${gw.base}/health`)).status).toBe(200);
  });

  it("DELETE ends a session", async () => {
    const client = await connectClient(gw.url);
    const id = (client.transport as { sessionId?: string }).sessionId!;
    expect((await fetch(gw.url, { method: "DELETE", headers: { "mcp-session-id": id } })).status).toBe(200);
    const after = await post('{"jsonrpc":"2.0","id":1,"method":"ping"}', { "mcp-session-id": id });
    expect(after.status).toBe(404);
    await client.close();
  });
});

describe("sessions", () => {
  it("expire after the idle TTL and their backend sessions are closed", async () => {
    const backend = await startBackend({ name: "b", register: registerEcho });
    const gw = await startGateway([{ name: "b", url: backend.url }], { sessionTtlMs: 300 });
    try {
      const client = await connectClient(gw.url);
      const id = (client.transport as { sessionId?: string }).sessionId!;
      await client.callTool({ name: "b_echo", arguments: { text: "x" } });
      // The client's transport holds a GET stream open, which keeps a session alive; close it.
      await client.close();
      const before = backend.sessionCount();
      await until(() => gw.gateway.sessions.size === 0, "session swept");
      const r = await fetch(gw.url, {
        method: "POST",
        headers: { "content-type": "application/json", "mcp-session-id": id },
        body: '{"jsonrpc":"2.0","id":1,"method":"ping"}',
      });
      expect(r.status).toBe(404);
      await until(() => backend.sessionCount() < before, "backend session closed by DELETE");
    } finally {
      await gw.close();
      await backend.close();
    }
  });

  it("keeps the session map bounded without evicting live sessions", async () => {
    const backend = await startBackend({ name: "b", register: registerEcho });
    const gw = await startGateway([{ name: "b", url: backend.url }], { maxSessions: 3 });
    try {
      const init = () =>
        fetch(gw.url, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({
            jsonrpc: "2.0",
            id: 1,
            method: "initialize",
            params: {
              protocolVersion: "2025-11-25",
              capabilities: {},
              clientInfo: { name: "t", version: "1" },
            },
          }),
        });
      const first = await init();
      expect(first.status).toBe(200);
      for (let i = 0; i < 2; i++) expect((await init()).status).toBe(200);
      // Full: new sessions are refused rather than evicting a live one.
      const refused = await init();
      expect(refused.status).toBe(503);
      expect(await refused.text()).toContain("Too many sessions");
      expect(gw.gateway.sessions.size).toBe(3);
      const ping = await postJsonRpc(gw.url, '{"jsonrpc":"2.0","id":2,"method":"ping"}', {
        "mcp-session-id": first.headers.get("mcp-session-id") ?? "",
      });
      expect(ping.status).toBe(200);
    } finally {
      await gw.close();
      await backend.close();
    }
  });
});
