// Catalog changes other than tools reach a connected client: a real SDK backend adds a resource
// and a prompt while a client is connected.
import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import {
  PromptListChangedNotificationSchema,
  ResourceListChangedNotificationSchema,
} from "@modelcontextprotocol/sdk/types.js";
import { expect, it } from "vitest";
import { startBackend } from "../../fixtures/backend.ts";
import { connectClient, startGateway, until } from "../../fixtures/gateway.ts";

const addResource = (s: McpServer) =>
  s.registerResource("later", "memo://later", { mimeType: "text/plain" }, async (uri) => ({
    contents: [{ uri: uri.href, text: "added later" }],
  }));
const addPrompt = (s: McpServer) =>
  s.registerPrompt("later", { description: "added later" }, async () => ({
    messages: [{ role: "user", content: { type: "text", text: "later" } }],
  }));

it("resources/list_changed and prompts/list_changed reach a connected client; the new items are served", async () => {
  let grown = false;
  const dyn = await startBackend({
    name: "dyn",
    register: (s) => {
      s.registerResource("first", "memo://first", { mimeType: "text/plain" }, async (uri) => ({
        contents: [{ uri: uri.href, text: "first" }],
      }));
      s.registerPrompt("first", { description: "first" }, async () => ({
        messages: [{ role: "user", content: { type: "text", text: "first" } }],
      }));
      if (grown) {
        addResource(s);
        addPrompt(s);
      }
    },
  });
  const gw = await startGateway([{ name: "dyn", url: dyn.url }]);
  const seen = { resources: 0, prompts: 0 };
  const client = await connectClient(gw.url, {}, (c) => {
    c.setNotificationHandler(ResourceListChangedNotificationSchema, () => void seen.resources++);
    c.setNotificationHandler(PromptListChangedNotificationSchema, () => void seen.prompts++);
  });
  try {
    expect((await client.listResources()).resources.map((r) => r.uri)).toEqual(["memo://first"]);
    expect((await client.listPrompts()).prompts.map((p) => p.name)).toEqual(["dyn_first"]);
    // The SDK server announces each addition on every live backend session (the gateway's too).
    grown = true;
    for (const s of dyn.ctx.servers) {
      addResource(s);
      addPrompt(s);
    }
    await until(() => seen.resources > 0 && seen.prompts > 0, "resources and prompts list_changed");
    expect((await client.listResources()).resources.map((r) => r.uri).sort()).toEqual([
      "memo://first",
      "memo://later",
    ]);
    expect((await client.listPrompts()).prompts.map((p) => p.name).sort()).toEqual([
      "dyn_first",
      "dyn_later",
    ]);
    const read = await client.readResource({ uri: "memo://later" });
    expect(read.contents).toEqual([{ uri: "memo://later", text: "added later" }]);
  } finally {
    await client.close();
    await gw.close();
    await dyn.close();
  }
});
