// Aggregation through the gateway against real SDK backends on 127.0.0.1: the manual
// strategy with renaming overrides, an unresolved manual clash, filters, description overrides,
// excludeAll and defaultToolVisibility, as an MCP client sees them.
import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import type { AggregationConfigInput } from "../../../src/aggregation/types.ts";
import { type StartedBackend, startBackend } from "../../fixtures/backend.ts";
import { connectClient, startGateway, textOf, until } from "../../fixtures/gateway.ts";

// Both backends offer `fetch` (the clash) and one tool of their own.
const register = (own: string) => (s: McpServer, ctx: { name: string }) => {
  s.registerTool(
    "fetch",
    { description: `fetch from ${ctx.name}`, inputSchema: { url: z.string() } },
    async ({ url }) => ({
      content: [{ type: "text", text: `${ctx.name} fetched ${url}` }],
    }),
  );
  s.registerTool(own, { description: `${own} tool` }, async () => ({
    content: [{ type: "text", text: `${ctx.name}:${own}` }],
  }));
};

let alpha: StartedBackend;
let beta: StartedBackend;
beforeAll(async () => {
  alpha = await startBackend({ name: "alpha", register: register("only_a") });
  beta = await startBackend({ name: "beta", register: register("only_b") });
});
afterAll(async () => {
  await alpha?.close();
  await beta?.close();
});

/** Starts a gateway over alpha and beta with `aggregation`, runs `body` with a client, cleans up. */
async function withGateway(
  aggregation: AggregationConfigInput,
  body: (
    c: Awaited<ReturnType<typeof connectClient>>,
    gw: Awaited<ReturnType<typeof startGateway>>,
  ) => Promise<void>,
) {
  const gw = await startGateway(
    [
      { name: "alpha", url: alpha.url },
      { name: "beta", url: beta.url },
    ],
    { aggregation },
  );
  const client = await connectClient(gw.url);
  try {
    await until(() => gw.gateway.status().ready, "first listing done");
    await body(client, gw);
  } finally {
    await client.close();
    await gw.close();
  }
}

const names = async (c: Awaited<ReturnType<typeof connectClient>>) =>
  (await c.listTools()).tools.map((t) => t.name);

describe("aggregation through the gateway (real backends)", () => {
  it("manual: every clash served under its override name, routed to the original tool", async () => {
    await withGateway(
      {
        conflictResolution: "manual",
        tools: [
          { workload: "alpha", overrides: { fetch: { name: "web_fetch" } } },
          { workload: "beta", overrides: { fetch: { name: "beta_fetch", description: "Fetch via beta" } } },
        ],
      },
      async (c) => {
        const tools = (await c.listTools()).tools;
        expect(tools.map((t) => t.name).sort()).toEqual(["beta_fetch", "only_a", "only_b", "web_fetch"]);
        expect(tools.find((t) => t.name === "beta_fetch")?.description).toBe("Fetch via beta");
        expect(textOf(await c.callTool({ name: "web_fetch", arguments: { url: "u1" } }))).toBe(
          "alpha fetched u1",
        );
        expect(textOf(await c.callTool({ name: "beta_fetch", arguments: { url: "u2" } }))).toBe(
          "beta fetched u2",
        );
        expect(textOf(await c.callTool({ name: "only_b", arguments: {} }))).toBe("beta:only_b");
      },
    );
  });

  it("manual: an unresolved clash is a clear error naming the missing override; nothing is guessed", async () => {
    await withGateway(
      {
        conflictResolution: "manual",
        tools: [{ workload: "alpha", overrides: { fetch: { name: "web_fetch" } } }],
      },
      async (c, gw) => {
        const st = gw.gateway.status();
        expect(st.phase).toBe("Degraded");
        expect(st.aggregationMessages.join("\n")).toContain(
          "aggregation.tools[workload=beta].overrides.fetch.name",
        );
        expect(await names(c)).not.toContain("fetch");
        await expect(c.callTool({ name: "fetch", arguments: { url: "x" } })).rejects.toMatchObject({
          code: -32602,
        });
      },
    );
  });

  it("prefix with a filter, a description override and excludeAll on the other workload", async () => {
    await withGateway(
      {
        tools: [
          { workload: "alpha", filter: ["fetch"], overrides: { fetch: { description: "Alpha's fetch" } } },
          { workload: "beta", excludeAll: true },
        ],
      },
      async (c) => {
        const tools = (await c.listTools()).tools;
        expect(tools.map((t) => t.name)).toEqual(["alpha_fetch"]);
        expect(tools[0]?.description).toBe("Alpha's fetch");
        expect(textOf(await c.callTool({ name: "alpha_fetch", arguments: { url: "u" } }))).toBe(
          "alpha fetched u",
        );
      },
    );
  });

  it("defaultToolVisibility deny lists only workloads with an entry; excludeAllTools lists nothing", async () => {
    await withGateway({ defaultToolVisibility: "deny", tools: [{ workload: "beta" }] }, async (c) => {
      expect((await names(c)).sort()).toEqual(["beta_fetch", "beta_only_b"]);
    });
    await withGateway({ excludeAllTools: true }, async (c) => {
      expect(await names(c)).toEqual([]);
    });
  });
});
