// tools/list, prompts/list and resources/list through the real gateway with a real SDK client:
// paged with MCP cursors when operational.listPageSize is set, whole otherwise, and never stale
// after a backend's list changes (the answers are serialised once per catalog version).
import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { McpError, ToolListChangedNotificationSchema } from "@modelcontextprotocol/sdk/types.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type StartedBackend, startBackend } from "../fixtures/backend.ts";
import { connectClient, type StartedGateway, startGateway, until } from "../fixtures/gateway.ts";

const TOOLS = 12;
let extra = false;
function register(server: McpServer): void {
  for (let i = 0; i < TOOLS; i++)
    server.registerTool(`t${String(i).padStart(2, "0")}`, { description: `tool ${i}` }, async () => ({
      content: [{ type: "text", text: String(i) }],
    }));
  for (let i = 0; i < 3; i++)
    server.registerPrompt(`p${i}`, { description: `prompt ${i}` }, async () => ({
      messages: [{ role: "user", content: { type: "text", text: String(i) } }],
    }));
  if (extra) addLate(server);
}
const addLate = (s: McpServer) =>
  s.registerTool("late", { description: "added later" }, async () => ({
    content: [{ type: "text", text: "late" }],
  }));

describe("list pagination through the gateway", () => {
  let a: StartedBackend;
  let b: StartedBackend;
  let paged: StartedGateway;
  let whole: StartedGateway;

  beforeAll(async () => {
    a = await startBackend({ name: "a", register });
    b = await startBackend({ name: "b", register });
    const refs = [
      { name: "a", url: a.url },
      { name: "b", url: b.url },
    ];
    paged = await startGateway(refs, { listPageSize: 5 });
    whole = await startGateway(refs);
  });
  afterAll(async () => {
    await paged?.close();
    await whole?.close();
    await a?.close();
    await b?.close();
  });

  it("a client following nextCursor gets every tool exactly once, in the order of the whole list", async () => {
    const client = await connectClient(paged.url);
    const wholeClient = await connectClient(whole.url);
    try {
      const names: string[] = [];
      const sizes: number[] = [];
      let cursor: string | undefined;
      do {
        const page = await client.listTools(cursor ? { cursor } : {});
        names.push(...page.tools.map((t) => t.name));
        sizes.push(page.tools.length);
        cursor = page.nextCursor;
      } while (cursor);
      expect(sizes).toEqual([5, 5, 5, 5, 4]);
      const all = await wholeClient.listTools();
      expect(all.nextCursor).toBeUndefined();
      expect(all.tools).toHaveLength(2 * TOOLS);
      expect(names).toEqual(all.tools.map((t) => t.name));

      const prompts = await client.listPrompts();
      expect(prompts.prompts).toHaveLength(5);
      const rest = await client.listPrompts({ cursor: prompts.nextCursor as string });
      expect(rest.prompts.map((p) => p.name)).toEqual(["b_p2"]);
      expect(rest.nextCursor).toBeUndefined();
    } finally {
      await client.close();
      await wholeClient.close();
    }
  });

  it("a cursor the gateway did not issue for that list is refused with -32602", async () => {
    const client = await connectClient(paged.url);
    const wholeClient = await connectClient(whole.url);
    try {
      const first = await client.listTools();
      const refused = async (p: Promise<unknown>) => {
        const err = await p.then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(err).toBeInstanceOf(McpError);
        expect((err as McpError).code).toBe(-32602);
      };
      await refused(client.listTools({ cursor: "bogus" }));
      await refused(client.listPrompts({ cursor: first.nextCursor as string }));
      await refused(wholeClient.listTools({ cursor: first.nextCursor as string }));
      // The session is still usable afterwards.
      expect((await client.listTools()).tools).toHaveLength(5);
    } finally {
      await client.close();
      await wholeClient.close();
    }
  });

  it("a tool a backend adds shows up in the next list (no stale cached answer)", async () => {
    const client = await connectClient(whole.url, {}, (c) => {
      c.setNotificationHandler(ToolListChangedNotificationSchema, () => {
        changed++;
      });
    });
    let changed = 0;
    try {
      expect((await client.listTools()).tools.map((t) => t.name)).not.toContain("a_late");
      extra = true;
      for (const s of a.ctx.servers) addLate(s);
      await until(() => changed > 0, "tools/list_changed at the client");
      expect((await client.listTools()).tools.map((t) => t.name)).toContain("a_late");
    } finally {
      await client.close();
    }
  });
});
