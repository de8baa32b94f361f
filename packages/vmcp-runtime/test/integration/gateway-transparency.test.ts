import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import {
  CallToolResultSchema,
  CreateMessageRequestSchema,
  ElicitRequestSchema,
  ListRootsRequestSchema,
  LoggingMessageNotificationSchema,
  ResourceUpdatedNotificationSchema,
} from "@modelcontextprotocol/sdk/types.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type StartedBackend, startBackend } from "../fixtures/backend.ts";
import { FEATURE_CAPABILITIES, PNG_B64, registerFeatures, WAV_B64 } from "../fixtures/features.ts";
import {
  connectClient,
  postJsonRpc,
  type StartedGateway,
  startGateway,
  textOf,
  until,
} from "../fixtures/gateway.ts";

const CLIENT_CAPS = { sampling: {}, elicitation: {}, roots: { listChanged: true } };

// Both response modes of a Streamable HTTP backend: SSE streams (SDK default) and plain JSON.
describe.each([
  { mode: "sse-responses", jsonResponse: false },
  { mode: "json-responses", jsonResponse: true },
])("transparency through the gateway ($mode)", ({ jsonResponse }) => {
  let backend: StartedBackend;
  let gw: StartedGateway;
  let client: Client;
  const logs: Array<{ level: string; data: unknown }> = [];
  const updated: string[] = [];
  const samplingSeen: unknown[] = [];

  beforeAll(async () => {
    backend = await startBackend({
      name: "feat",
      register: registerFeatures,
      jsonResponse,
      capabilities: FEATURE_CAPABILITIES,
    });
    gw = await startGateway([{ name: "feat", url: backend.url }]);
    client = await connectClient(gw.url, CLIENT_CAPS, (c) => {
      c.setRequestHandler(CreateMessageRequestSchema, async (req) => {
        samplingSeen.push(req.params);
        return { role: "assistant", content: { type: "text", text: "forty-two" }, model: "test-model" };
      });
      c.setRequestHandler(ElicitRequestSchema, async () => ({ action: "accept", content: { name: "Ada" } }));
      c.setRequestHandler(ListRootsRequestSchema, async () => ({
        roots: [{ uri: "file:///work", name: "work" }],
      }));
      c.setNotificationHandler(LoggingMessageNotificationSchema, (n) => {
        logs.push({ level: n.params.level, data: n.params.data });
      });
      c.setNotificationHandler(ResourceUpdatedNotificationSchema, (n) => {
        updated.push(n.params.uri);
      });
    });
  });

  afterAll(async () => {
    await client?.close();
    await gw?.close();
    await backend?.close();
  });

  it("passes every content type, _meta, isError and structuredContent unchanged", async () => {
    const r = await client.callTool({ name: "feat_content", arguments: {} });
    expect(r.content).toEqual([
      { type: "text", text: "hello", annotations: { audience: ["user"], priority: 0.5 } },
      { type: "image", data: PNG_B64, mimeType: "image/png" },
      { type: "audio", data: WAV_B64, mimeType: "audio/wav" },
      {
        type: "resource",
        resource: { uri: "mem://embedded", mimeType: "text/plain", text: "embedded text" },
      },
      {
        type: "resource",
        resource: { uri: "mem://blob", mimeType: "application/octet-stream", blob: "AAEC" },
      },
      { type: "resource_link", uri: "mem://linked", name: "linked", mimeType: "text/plain" },
    ]);
    expect(r._meta).toEqual({ "example.com/extra": { kept: true } });
    const failed = await client.callTool({ name: "feat_fail", arguments: {} });
    expect(failed).toMatchObject({ isError: true, content: [{ type: "text", text: "it broke" }] });
    const sum = await client.callTool({ name: "feat_add", arguments: { a: 20, b: 22 } });
    expect(sum.structuredContent).toEqual({ sum: 42 });
  });

  // A backend in JSON-response mode drops everything it would send inside a call's stream (the
  // SDK only has the SSE stream for that), so progress and server->client requests made during a
  // call only exist with SSE responses; that is the backend's choice, the same without a gateway.
  it.runIf(!jsonResponse)("relays progress notifications with the client's token", async () => {
    const seen: Array<{ progress: number; total?: number; message?: string }> = [];
    const r = await client.request(
      { method: "tools/call", params: { name: "feat_progress", arguments: { steps: 3 } } },
      CallToolResultSchema,
      { onprogress: (p) => seen.push(p) },
    );
    expect(textOf(r)).toBe("done 3");
    expect(seen).toEqual([
      { progress: 1, total: 3, message: "step 1" },
      { progress: 2, total: 3, message: "step 2" },
      { progress: 3, total: 3, message: "step 3" },
    ]);
  });

  it.runIf(!jsonResponse)(
    "relays sampling, elicitation and roots requests to the client and the answers back",
    async () => {
      expect(textOf(await client.callTool({ name: "feat_sample", arguments: { prompt: "6x7?" } }))).toBe(
        "model said: forty-two (test-model)",
      );
      expect(samplingSeen.at(-1)).toMatchObject({
        messages: [{ role: "user", content: { type: "text", text: "6x7?" } }],
      });
      expect(textOf(await client.callTool({ name: "feat_elicit", arguments: {} }))).toBe(
        'accept:{"name":"Ada"}',
      );
      expect(textOf(await client.callTool({ name: "feat_roots", arguments: {} }))).toBe("file:///work");
    },
  );

  it("passes log messages and honours logging/setLevel per client session", async () => {
    await client.setLoggingLevel("error");
    logs.length = 0;
    await client.callTool({ name: "feat_log", arguments: { text: "a" } });
    await until(() => logs.length >= 1, "error log message");
    expect(logs).toEqual([{ level: "error", data: "error:a" }]);
    await client.setLoggingLevel("debug");
    logs.length = 0;
    await client.callTool({ name: "feat_log", arguments: { text: "b" } });
    await until(() => logs.length >= 2, "both log messages");
    expect(logs).toEqual([
      { level: "info", data: "info:b" },
      { level: "error", data: "error:b" },
    ]);
  });

  it("forwards cancellation to the backend", async () => {
    const controller = new AbortController();
    const call = client.callTool({ name: "feat_wait", arguments: { tag: "c1" } }, undefined, {
      signal: controller.signal,
    });
    await until(() => backend.ctx.events.includes("wait-start:c1"), "tool started");
    controller.abort("user gave up");
    await expect(call).rejects.toThrow();
    await until(() => backend.ctx.events.includes("cancelled:c1"), "backend saw notifications/cancelled");
    // The session is still usable afterwards.
    expect(textOf(await client.callTool({ name: "feat_echo", arguments: { text: "after" } }))).toBe(
      "feat:after",
    );
  });

  it("routes resources/subscribe and relays notifications/resources/updated", async () => {
    await client.subscribeResource({ uri: "mem://counter" });
    await until(() => backend.ctx.events.includes("subscribe:mem://counter"), "subscription at the backend");
    expect(textOf(await client.callTool({ name: "feat_touch", arguments: {} }))).toBe("notified");
    await until(() => updated.includes("mem://counter"), "resources/updated at the client");
    const read = await client.readResource({ uri: "mem://counter" });
    expect(read.contents).toEqual([{ uri: "mem://counter", mimeType: "text/plain", text: "42" }]);
    const item = await client.readResource({ uri: "mem://items/beta" });
    expect(item.contents[0]).toMatchObject({ uri: "mem://items/beta", text: '{"id":"beta"}' });
  });

  it("answers completion/complete for prompts and resource templates, and prompts/get", async () => {
    const p = await client.complete({
      ref: { type: "ref/prompt", name: "feat_greet" },
      argument: { name: "name", value: "A" },
    });
    expect(p.completion.values).toEqual(["Ada", "Alan"]);
    const r = await client.complete({
      ref: { type: "ref/resource", uri: "mem://items/{id}" },
      argument: { name: "id", value: "g" },
    });
    expect(r.completion.values).toEqual(["gamma"]);
    const prompt = await client.getPrompt({ name: "feat_greet", arguments: { name: "Grace" } });
    expect(prompt.messages).toEqual([{ role: "user", content: { type: "text", text: "Hello Grace" } }]);
  });

  it("answers ping", async () => {
    expect(await client.ping()).toEqual({});
  });

  it("re-initializes transparently when the backend forgets the session (404)", async () => {
    expect(textOf(await client.callTool({ name: "feat_echo", arguments: { text: "before" } }))).toBe(
      "feat:before",
    );
    await backend.dropSessions();
    expect(textOf(await client.callTool({ name: "feat_echo", arguments: { text: "after" } }))).toBe(
      "feat:after",
    );
    // The re-created backend session got the client's log level back.
    logs.length = 0;
    await client.callTool({ name: "feat_log", arguments: { text: "c" } });
    await until(() => logs.length >= 2, "log messages after re-init");
  });
});

describe("protocol version negotiation", () => {
  let backend: StartedBackend;
  let gw: StartedGateway;

  beforeAll(async () => {
    backend = await startBackend({
      name: "feat",
      register: registerFeatures,
      capabilities: FEATURE_CAPABILITIES,
    });
    gw = await startGateway([{ name: "feat", url: backend.url }]);
  });
  afterAll(async () => {
    await gw?.close();
    await backend?.close();
  });

  const post = (body: unknown, headers: Record<string, string> = {}) =>
    postJsonRpc(gw.url, JSON.stringify(body), headers);

  it.each(["2025-06-18", "2025-11-25"])("negotiates %s end to end", async (version) => {
    const init = await post({
      jsonrpc: "2.0",
      id: 1,
      method: "initialize",
      params: { protocolVersion: version, capabilities: {}, clientInfo: { name: "raw", version: "1" } },
    });
    expect(init.status).toBe(200);
    const sid = init.headers.get("mcp-session-id");
    expect(sid).toBeTruthy();
    const body = (await init.json()) as {
      result: { protocolVersion: string; capabilities: Record<string, unknown> };
    };
    expect(body.result.protocolVersion).toBe(version);
    expect(body.result.capabilities).toMatchObject({
      tools: { listChanged: true },
      resources: { subscribe: true },
    });
    const h = { "mcp-session-id": sid!, "mcp-protocol-version": version };
    expect((await post({ jsonrpc: "2.0", method: "notifications/initialized" }, h)).status).toBe(202);
    const call = await post(
      { jsonrpc: "2.0", id: 2, method: "tools/call", params: { name: "feat_version", arguments: {} } },
      h,
    );
    const text = await call.text();
    // The backend session was opened with the client's version.
    expect(text).toContain(`"text":"${version}"`);
  });

  it("answers an unsupported version with the latest one", async () => {
    const init = await post({
      jsonrpc: "2.0",
      id: 1,
      method: "initialize",
      params: { protocolVersion: "1999-01-01", capabilities: {}, clientInfo: { name: "raw", version: "1" } },
    });
    const body = (await init.json()) as { result: { protocolVersion: string } };
    expect(body.result.protocolVersion).toBe("2025-11-25");
  });
});
