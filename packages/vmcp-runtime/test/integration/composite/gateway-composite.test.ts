// Composite tools served by the real gateway: SDK backends on 127.0.0.1, the gateway's own /mcp,
// and an SDK Client (with an elicitation handler) as the user.
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import {
  type CallToolResult,
  ElicitRequestSchema,
  type ElicitResult,
  ToolListChangedNotificationSchema,
} from "@modelcontextprotocol/sdk/types.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { type Register, type StartedBackend, startBackend } from "../../fixtures/backend.ts";
import { connectClient, type StartedGateway, startGateway, textOf, until } from "../../fixtures/gateway.ts";

const events: string[] = [];
let lateToolEnabled = false;

const json = (v: Record<string, unknown>): CallToolResult => ({
  content: [{ type: "text", text: JSON.stringify(v) }],
  structuredContent: v,
});

const registerAlpha: Register = (server) => {
  server.registerTool("echo", { inputSchema: { text: z.string() } }, async ({ text }) => {
    events.push(`echo:${text}`);
    return json({ text });
  });
  server.registerTool("hang", { inputSchema: { tag: z.string() } }, async ({ tag }, extra) => {
    events.push(`hang:${tag}`);
    await new Promise<void>((resolve) =>
      extra.signal.addEventListener("abort", () => resolve(), { once: true }),
    );
    events.push(`aborted:${tag}`);
    return json({ tag });
  });
};

function registerLate(server: Parameters<Register>[0]): void {
  server.registerTool("late", { inputSchema: { text: z.string() } }, async ({ text }) =>
    json({ late: text }),
  );
}

const registerBeta: Register = (server) => {
  server.registerTool("upper", { inputSchema: { text: z.string() } }, async ({ text }) => {
    events.push(`upper:${text}`);
    return json({ upper: text.toUpperCase() });
  });
  // Hidden from clients by the aggregation filter below; workflows may still call it.
  server.registerTool("secret", { inputSchema: { n: z.number() } }, async ({ n }) =>
    json({ doubled: n * 2 }),
  );
  if (lateToolEnabled) registerLate(server);
};

const compositeTools = [
  {
    name: "shout",
    description: "echo on alpha, then upper-case on beta",
    parameters: { type: "object", properties: { text: { type: "string" } }, required: ["text"] },
    steps: [
      { id: "say", tool: "alpha_echo", arguments: { text: "{{.params.text}}" } },
      {
        id: "loud",
        tool: "beta.upper",
        dependsOn: ["say"],
        arguments: { text: "{{.steps.say.output.text}}!" },
      },
    ],
  },
  {
    name: "double",
    parameters: { type: "object", properties: { n: { type: "string" } } },
    // beta.secret is filtered out of tools/list; its integer input is coerced from the template text.
    steps: [{ id: "calc", tool: "beta.secret", arguments: { n: "{{.params.n}}" } }],
  },
  {
    name: "confirm",
    parameters: { type: "object", properties: { env: { type: "string" } }, required: ["env"] },
    steps: [
      {
        id: "ask",
        type: "elicitation",
        message: "Deploy to {{.params.env}}?",
        schema: { type: "object", properties: { reason: { type: "string" } } },
      },
      {
        id: "do",
        tool: "alpha_echo",
        dependsOn: ["ask"],
        arguments: { text: "{{.steps.ask.output.action}}:{{.steps.ask.output.content.reason}}" },
      },
    ],
  },
  {
    name: "wait",
    parameters: { type: "object", properties: { tag: { type: "string" } } },
    steps: [{ id: "block", tool: "alpha.hang", arguments: { tag: "{{.params.tag}}" } }],
  },
  {
    // beta.late does not exist at startup: left out, reported, and advertised once it appears
    // (hidden by the filter, so only the composite tool changes what clients see).
    name: "later",
    parameters: { type: "object", properties: { text: { type: "string" } } },
    steps: [{ id: "l", tool: "beta.late", arguments: { text: "{{.params.text}}" } }],
  },
];

describe("composite tools through the gateway", () => {
  let alpha: StartedBackend;
  let beta: StartedBackend;
  let gw: StartedGateway;
  let client: Client;
  let elicitAnswer: () => ElicitResult = () => ({ action: "cancel" });
  const asked: string[] = [];
  let toolsChanged = 0;

  beforeAll(async () => {
    alpha = await startBackend({ name: "alpha", register: registerAlpha });
    beta = await startBackend({ name: "beta", register: registerBeta });
    gw = await startGateway(
      [
        { name: "alpha", url: alpha.url },
        { name: "beta", url: beta.url },
      ],
      {
        compositeTools,
        aggregation: {
          conflictResolution: "prefix",
          conflictResolutionConfig: { prefixFormat: "{workload}_" },
          tools: [{ workload: "beta", filter: ["upper"] }],
        },
      },
    );
    client = await connectClient(gw.url, { elicitation: {} }, (c) => {
      c.setRequestHandler(ElicitRequestSchema, async (req) => {
        asked.push(String(req.params.message));
        return elicitAnswer();
      });
      c.setNotificationHandler(ToolListChangedNotificationSchema, () => {
        toolsChanged++;
      });
    });
  });

  afterAll(async () => {
    await client?.close();
    await gw?.close();
    await Promise.allSettled([alpha?.close(), beta?.close()]);
  });

  it("advertises valid composite tools with their parameters, and not the invalid one", async () => {
    const { tools } = await client.listTools();
    const names = tools.map((t) => t.name);
    expect(names).toEqual(["alpha_echo", "alpha_hang", "beta_upper", "confirm", "double", "shout", "wait"]);
    expect(tools.find((t) => t.name === "shout")).toMatchObject({
      description: "echo on alpha, then upper-case on beta",
      inputSchema: { type: "object", properties: { text: { type: "string" } }, required: ["text"] },
    });
    const status = gw.gateway.status();
    expect(status.compositeToolCount).toBe(4);
    expect(status.phase).toBe("Ready");
    expect(status.compositeToolProblems).toEqual([
      expect.stringMatching(/^composite tool "later" not advertised: ToolNotFound: .*beta\.late/),
    ]);
    // The gateway keeps working for plain tools.
    expect(textOf(await client.callTool({ name: "alpha_echo", arguments: { text: "plain" } }))).toContain(
      "plain",
    );
    const unknown = await client.callTool({ name: "later", arguments: { text: "x" } }).catch((e) => e);
    expect(String(unknown)).toContain("Unknown tool: later");
  });

  it("runs a chain across two backends, with progress", async () => {
    events.length = 0;
    const progress: number[] = [];
    const r = (await client.callTool({ name: "shout", arguments: { text: "hello" } }, undefined, {
      onprogress: (p) => progress.push(p.progress),
    })) as CallToolResult;
    expect(r.isError).toBeFalsy();
    expect(r.structuredContent).toEqual({ upper: "HELLO!" });
    expect(events).toEqual(["echo:hello", "upper:hello!"]);
    expect(progress).toEqual([1, 2]);
  });

  it("calls a tool hidden by the filter, coercing arguments to its input schema", async () => {
    const { tools } = await client.listTools();
    expect(tools.some((t) => t.name.includes("secret"))).toBe(false);
    const r = (await client.callTool({ name: "double", arguments: { n: "21" } })) as CallToolResult;
    expect(r.isError).toBeFalsy();
    expect(r.structuredContent).toEqual({ doubled: 42 });
  });

  it("asks the client through elicitation: accepted", async () => {
    elicitAnswer = () => ({ action: "accept", content: { reason: "release" } });
    const r = (await client.callTool({ name: "confirm", arguments: { env: "prod" } })) as CallToolResult;
    expect(asked.at(-1)).toBe("Deploy to prod?");
    expect(r.isError).toBeFalsy();
    expect(r.structuredContent).toEqual({ text: "accept:release" });
  });

  it("asks the client through elicitation: declined aborts, naming the step", async () => {
    events.length = 0;
    elicitAnswer = () => ({ action: "decline" });
    const r = (await client.callTool({ name: "confirm", arguments: { env: "dev" } })) as CallToolResult;
    expect(asked.at(-1)).toBe("Deploy to dev?");
    expect(r.isError).toBe(true);
    expect(textOf(r)).toContain('composite tool "confirm"');
    expect(textOf(r)).toContain('step "ask"');
    expect(events).toEqual([]);
  });

  it("client cancellation aborts the workflow and the backend call", async () => {
    const ac = new AbortController();
    const call = client.callTool({ name: "wait", arguments: { tag: "c1" } }, undefined, {
      signal: ac.signal,
    });
    await until(() => events.includes("hang:c1"), "the backend call to start");
    ac.abort("user gave up");
    await expect(call).rejects.toThrow();
    await until(() => events.includes("aborted:c1"), "the backend to see the cancellation");
    await until(
      () => [...gw.gateway.sessions.all()].every((s) => s.inflight === 0),
      "the composite call to end",
    );
    // The session is still usable afterwards.
    const r = (await client.callTool({ name: "shout", arguments: { text: "again" } })) as CallToolResult;
    expect(r.structuredContent).toEqual({ upper: "AGAIN!" });
  });

  it("re-validates when the aggregate changes: a tool that appears later makes a definition valid", async () => {
    const before = toolsChanged;
    lateToolEnabled = true;
    for (const s of beta.ctx.servers) registerLate(s);
    await until(() => toolsChanged > before, "notifications/tools/list_changed");
    const { tools } = await until(async () => {
      const l = await client.listTools();
      return l.tools.some((t) => t.name === "later") ? l : undefined;
    }, "the composite tool to be advertised");
    expect(tools.some((t) => t.name.includes("late") && t.name !== "later")).toBe(false);
    const r = (await client.callTool({ name: "later", arguments: { text: "now" } })) as CallToolResult;
    expect(r.structuredContent).toEqual({ late: "now" });
    expect(gw.gateway.status().compositeToolCount).toBe(5);
    expect(gw.gateway.status().compositeToolProblems).toEqual([]);
  });
});
