// The manual strategy with an unresolved clash never depends on timing: three real backends that
// all offer `search` (two also clash on `lookup`, one renamed) join the gateway's group one at a
// time, in every order. Whatever the order, once all three are listed the catalog is the same:
// the clashing names are withheld on every backend (fail closed), every other tool is served, and
// /status says which overrides are missing.
import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import fc from "fast-check";
import { afterAll, beforeAll, expect, it } from "vitest";
import type { AggregationConfigInput } from "../../../src/aggregation/types.ts";
import { type StartedBackend, startBackend } from "../../fixtures/backend.ts";
import { connectClient, specOf, startGateway, until } from "../../fixtures/gateway.ts";

const OWN: Record<string, string[]> = {
  a: ["search", "lookup", "only_a"],
  b: ["search", "lookup", "only_b"],
  c: ["search", "only_c"],
};
const register = (tools: string[]) => (s: McpServer, ctx: { name: string }) => {
  for (const t of tools)
    s.registerTool(t, { description: `${t} on ${ctx.name}` }, async () => ({
      content: [{ type: "text", text: `${ctx.name}:${t}` }],
    }));
};
const aggregation: AggregationConfigInput = {
  conflictResolution: "manual",
  tools: [{ workload: "a", overrides: { lookup: { name: "a_lookup" } } }],
};

const backends = new Map<string, StartedBackend>();
beforeAll(async () => {
  for (const [name, tools] of Object.entries(OWN))
    backends.set(name, await startBackend({ name, register: register(tools) }));
});
afterAll(async () => {
  for (const b of backends.values()) await b.close();
});

const ALL_ORDERS = [
  ["a", "b", "c"],
  ["a", "c", "b"],
  ["b", "a", "c"],
  ["b", "c", "a"],
  ["c", "a", "b"],
  ["c", "b", "a"],
];

async function catalogAfterArrivals(order: string[]) {
  const gw = await startGateway([], { aggregation });
  const client = await connectClient(gw.url);
  try {
    const joined: string[] = [];
    for (const name of order) {
      joined.push(name);
      gw.registry.replaceAll(joined.map((n) => specOf({ name: n, url: backends.get(n)!.url })));
      await until(
        () => joined.every((n) => gw.gateway.catalog.entry(n)?.listing),
        `${joined.join(",")} listed`,
      );
    }
    const tools = (await client.listTools()).tools.map((t) => t.name);
    const st = gw.gateway.status();
    return { tools, phase: st.phase, messages: st.aggregationMessages };
  } finally {
    await client.close();
    await gw.close();
  }
}

it("every arrival order of three clashing backends ends in the same catalog, with the clashes withheld", async () => {
  const expected = {
    tools: ["a_lookup", "only_a", "only_b", "only_c"],
    phase: "Degraded",
  };
  await fc.assert(
    fc.asyncProperty(fc.constantFrom(...ALL_ORDERS), async (order) => {
      const got = await catalogAfterArrivals(order);
      expect({ order, tools: got.tools, phase: got.phase }).toEqual({ order, ...expected });
      const text = got.messages.join("\n");
      expect(text).toContain('tool "search" is offered by a, b, c');
      expect(text).toContain('tool "lookup" is offered by a, b');
      expect(text).toContain("aggregation.tools[workload=b].overrides.lookup.name");
    }),
    { examples: ALL_ORDERS.map((o) => [o]), numRuns: ALL_ORDERS.length },
  );
}, 120_000);
