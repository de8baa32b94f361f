import { join } from "node:path";
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { ToolListChangedNotificationSchema } from "@modelcontextprotocol/sdk/types.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type StartedBackend, startBackend } from "../fixtures/backend.ts";
import { registerEcho, registerFeatures } from "../fixtures/features.ts";
import {
  connectClient,
  type StartedGateway,
  specOf,
  startGateway,
  textOf,
  until,
} from "../fixtures/gateway.ts";
import { spawnNode, urlLine } from "../fixtures/process.ts";

const fixtures = join(import.meta.dirname, "../fixtures");

describe("gateway routing across backends", () => {
  let alpha: StartedBackend;
  let beta: StartedBackend;
  let everything: Awaited<ReturnType<typeof spawnNode>>;
  let gw: StartedGateway;
  let client: Client;

  beforeAll(async () => {
    [alpha, beta, everything] = await Promise.all([
      startBackend({ name: "alpha", register: registerFeatures, instructions: "Alpha's times are UTC." }),
      startBackend({
        name: "beta",
        register: registerEcho,
        jsonResponse: true,
        instructions: "Beta echoes.",
      }),
      spawnNode([join(fixtures, "everything-process.ts")], urlLine),
    ]);
    gw = await startGateway([
      { name: "alpha", url: alpha.url },
      { name: "beta", url: beta.url },
      { name: "everything", url: everything.value },
    ]);
    client = await connectClient(gw.url);
  });

  afterAll(async () => {
    await client?.close();
    await gw?.close();
    await Promise.all([alpha?.close(), beta?.close(), everything?.stop()]);
  });

  it("lists the tools of every backend under prefixed names, schemas unchanged", async () => {
    const { tools } = await client.listTools();
    const names = tools.map((t) => t.name);
    expect(names).toContain("alpha_add");
    expect(names).toContain("beta_echo");
    expect(names).toContain("everything_echo");
    expect(names).toEqual([...names].sort());
    const add = tools.find((t) => t.name === "alpha_add");
    expect(add?.inputSchema.properties).toEqual({ a: { type: "number" }, b: { type: "number" } });
    expect(add?.outputSchema?.properties).toEqual({ sum: { type: "number" } });
  });

  it("routes each call to its backend with arguments and results intact", async () => {
    const text = 'ünïcødé ✓ "quoted" \n newline';
    expect(textOf(await client.callTool({ name: "alpha_echo", arguments: { text } }))).toBe(`alpha:${text}`);
    expect(textOf(await client.callTool({ name: "beta_echo", arguments: { text } }))).toBe(`beta:${text}`);
    const sum = await client.callTool({ name: "alpha_add", arguments: { a: 2.5, b: -1 } });
    expect(sum.structuredContent).toEqual({ sum: 1.5 });
  });

  it("tells the client every backend's instructions, each under its backend's name", async () => {
    const text = client.getInstructions() ?? "";
    expect(text).toContain("Backend 'alpha' (its tools, prompts and resources):\nAlpha's times are UTC.");
    expect(text).toContain("Backend 'beta' (its tools, prompts and resources):\nBeta echoes.");
    expect(text.indexOf("'alpha'")).toBeLessThan(text.indexOf("'beta'"));
  });

  it("works with server-everything as a backend (tools, prompts, resources)", async () => {
    const echo = await client.callTool({
      name: "everything_echo",
      arguments: { message: "from the gateway" },
    });
    expect(textOf(echo)).toContain("from the gateway");
    const sum = await client.callTool({ name: "everything_get-sum", arguments: { a: 40, b: 2 } });
    expect(textOf(sum)).toContain("42");
    const image = await client.callTool({ name: "everything_get-tiny-image", arguments: {} });
    expect((image.content as Array<{ type: string }>).some((c) => c.type === "image")).toBe(true);
    const { resources } = await client.listResources();
    expect(resources.length).toBeGreaterThan(0);
    const first = resources[0]!;
    const read = await client.readResource({ uri: first.uri });
    expect(read.contents[0]?.uri).toBe(first.uri);
    const { prompts } = await client.listPrompts();
    expect(prompts.length).toBeGreaterThan(0);
  });

  it("answers an unknown tool with -32602 and the tool name", async () => {
    await expect(client.callTool({ name: "nope_tool", arguments: {} })).rejects.toMatchObject({
      code: -32602,
      message: expect.stringContaining("nope_tool"),
    });
  });

  it("serves /health, /readyz, /status and /metrics", async () => {
    expect((await fetch(`${gw.base}/health`)).status).toBe(200);
    expect(await (await fetch(`${gw.base}/readyz`)).json()).toMatchObject({ status: "ready" });
    const status = (await (await fetch(`${gw.base}/status`)).json()) as {
      phase: string;
      backends: Array<{ name: string; health: string; toolCount: number }>;
    };
    expect(status.phase).toBe("Ready");
    expect(status.backends.map((b) => b.name)).toEqual(["alpha", "beta", "everything"]);
    expect(status.backends.find((b) => b.name === "beta")).toMatchObject({ health: "healthy", toolCount: 1 });
    const metrics = await (await fetch(`${gw.base}/metrics`)).text();
    expect(metrics).toMatch(/vmcp_requests_total\{backend="beta",method="tools\/call",outcome="ok"\} \d+/);
    expect(metrics).toContain("vmcp_request_duration_seconds_bucket");
  });
});

describe("backend failures and catalog changes", () => {
  it("a backend that dies mid-session fails fast with a clear error; others keep working", async () => {
    const alive = await startBackend({ name: "alive", register: registerEcho });
    const doomed = await startBackend({ name: "doomed", register: registerEcho });
    const gw = await startGateway([
      { name: "alive", url: alive.url },
      { name: "doomed", url: doomed.url, timeoutMs: 20_000 },
    ]);
    const client = await connectClient(gw.url);
    try {
      expect(textOf(await client.callTool({ name: "doomed_echo", arguments: { text: "1" } }))).toBe(
        "doomed:1",
      );
      await doomed.close();
      const err = await client
        .callTool({ name: "doomed_echo", arguments: { text: "2" } })
        .catch((e: unknown) => e);
      // Refused at once, not after the 20 s timeout: the error says unreachable, naming the backend.
      expect(err).toMatchObject({
        code: -32603,
        message: expect.stringContaining("backend 'doomed' unreachable"),
      });
      expect(textOf(await client.callTool({ name: "alive_echo", arguments: { text: "3" } }))).toBe("alive:3");
      // Listing still serves the last good view of the dead backend.
      expect((await client.listTools()).tools.map((t) => t.name)).toContain("doomed_echo");
      const status = await until(async () => {
        const s = gw.gateway.status();
        return s.backends.find((b) => b.name === "doomed")?.health === "unhealthy" ? s : undefined;
      }, "doomed marked unhealthy");
      expect(status.phase).toBe("Degraded");
      expect(gw.reporter.history.some((s) => s.phase === "Degraded")).toBe(true);
    } finally {
      await client.close();
      await gw.close();
      await alive.close();
    }
  });

  it("a backend's list_changed reaches a connected client and the new tool is callable", async () => {
    // Tools added at runtime exist on live sessions and on sessions opened later, as on a
    // real server whose catalog changed.
    const extra: string[] = [];
    const addFresh = (s: McpServer) =>
      s.registerTool("fresh", { description: "new" }, async () => ({
        content: [{ type: "text", text: "fresh!" }],
      }));
    const dyn = await startBackend({
      name: "dyn",
      register: (s, ctx) => {
        registerEcho(s, ctx);
        if (extra.includes("fresh")) addFresh(s);
      },
    });
    const gw = await startGateway([{ name: "dyn", url: dyn.url }]);
    let changed = 0;
    const client = await connectClient(gw.url, {}, (c) => {
      c.setNotificationHandler(ToolListChangedNotificationSchema, () => {
        changed++;
      });
    });
    try {
      // Add a tool on every live backend session (the control session included): the SDK
      // server sends tools/list_changed on each.
      extra.push("fresh");
      for (const s of dyn.ctx.servers) addFresh(s);
      await until(() => changed > 0, "tools/list_changed at the client");
      expect((await client.listTools()).tools.map((t) => t.name)).toContain("dyn_fresh");
      expect(textOf(await client.callTool({ name: "dyn_fresh", arguments: {} }))).toBe("fresh!");
    } finally {
      await client.close();
      await gw.close();
      await dyn.close();
    }
  });

  it("a backend added to the registry shows up for connected clients", async () => {
    const one = await startBackend({ name: "one", register: registerEcho });
    const two = await startBackend({ name: "two", register: registerEcho });
    const gw = await startGateway([{ name: "one", url: one.url }]);
    let changed = 0;
    const client = await connectClient(gw.url, {}, (c) =>
      c.setNotificationHandler(ToolListChangedNotificationSchema, () => {
        changed++;
      }),
    );
    try {
      gw.registry.replaceAll([specOf({ name: "one", url: one.url }), specOf({ name: "two", url: two.url })]);
      await until(() => changed > 0, "list_changed after registry change");
      expect(textOf(await client.callTool({ name: "two_echo", arguments: { text: "hi" } }))).toBe("two:hi");
      gw.registry.replaceAll([specOf({ name: "one", url: one.url })]);
      await until(() => changed > 1, "list_changed after removal");
      await expect(client.callTool({ name: "two_echo", arguments: { text: "x" } })).rejects.toMatchObject({
        code: -32602,
      });
    } finally {
      await client.close();
      await gw.close();
      await one.close();
      await two.close();
    }
  });
});
