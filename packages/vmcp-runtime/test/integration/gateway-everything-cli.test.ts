// server-everything as its own CLI runs it (Streamable HTTP, event store on: each SSE answer
// opens with a priming event) behind the gateway, used by a current SDK client (protocol
// 2025-11-25): every tool, resource, prompt and completion works, and sampling and elicitation
// requested by the backend during the first call of a session reach the client.
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import {
  CreateMessageRequestSchema,
  ElicitRequestSchema,
  LATEST_PROTOCOL_VERSION,
  ListRootsRequestSchema,
} from "@modelcontextprotocol/sdk/types.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEverythingCli } from "../fixtures/everything-cli.ts";
import { connectClient, type StartedGateway, startGateway, textOf } from "../fixtures/gateway.ts";

let everything: { url: string; stop: () => Promise<void> };
let gw: StartedGateway;

beforeAll(async () => {
  everything = await startEverythingCli();
  gw = await startGateway([{ name: "every", url: everything.url, timeoutMs: 10_000 }]);
});
afterAll(async () => {
  await gw?.close();
  await everything?.stop();
});

const CAPABILITIES = { sampling: {}, elicitation: { form: {} }, roots: { listChanged: true } };

/** A client that answers what server-everything asks of it. */
function connect(): Promise<Client> {
  return connectClient(gw.url, CAPABILITIES, (c) => {
    c.setRequestHandler(CreateMessageRequestSchema, () => ({
      model: "test-model",
      role: "assistant" as const,
      content: { type: "text" as const, text: "sampled by the test client" },
    }));
    c.setRequestHandler(ElicitRequestSchema, () => ({
      action: "accept" as const,
      content: { name: "Ada", check: true, email: "ada@example.com", integer: 7, number: 1.5 },
    }));
    c.setRequestHandler(ListRootsRequestSchema, () => ({ roots: [{ uri: "file:///tmp", name: "tmp" }] }));
  });
}

/** Arguments for tools whose defaults would wait long or reach outside this machine. */
const ARGS: Record<string, Record<string, unknown>> = {
  echo: { message: "hello" },
  "get-annotated-message": { messageType: "success", includeImage: true },
  "get-sum": { a: 2, b: 3 },
  "get-structured-content": { location: "New York" },
  "trigger-long-running-operation": { duration: 0.2, steps: 2 },
  "gzip-file-as-resource": { name: "x.gz", data: "data:text/plain;base64,aGVsbG8=", outputType: "resource" },
  "trigger-sampling-request": { prompt: "hi", maxTokens: 5 },
  "simulate-research-query": { topic: "gateways" },
};

/** Tools that need task-based execution (the experimental tasks API), which the gateway does not
 * offer; listed only when the client declares it, apart from the research tool. */
const NEEDS_CLIENT_TASKS = new Set([
  "simulate-research-query",
  "trigger-sampling-request-async",
  "trigger-elicitation-request-async",
  "trigger-url-elicitation",
]);

describe("server-everything from its own CLI behind the gateway", () => {
  it("negotiates the current protocol", async () => {
    const c = await connect();
    try {
      const transport = c.transport as { protocolVersion?: string };
      expect(transport.protocolVersion).toBe(LATEST_PROTOCOL_VERSION);
    } finally {
      await c.close();
    }
  });

  it("sampling requested during the first call of a session reaches the client", async () => {
    const c = await connect();
    try {
      const r = await c.callTool({
        name: "every_trigger-sampling-request",
        arguments: ARGS["trigger-sampling-request"],
      });
      expect(textOf(r)).toContain("sampled by the test client");
    } finally {
      await c.close();
    }
  });

  it("elicitation requested during the first call of a session reaches the client", async () => {
    const c = await connect();
    try {
      const r = await c.callTool({ name: "every_trigger-elicitation-request", arguments: {} });
      expect(r.isError).toBeFalsy();
      expect(textOf(r)).toContain("Ada");
    } finally {
      await c.close();
    }
  });

  it("calls every tool", async () => {
    const c = await connect();
    try {
      const { tools } = await c.listTools();
      const names = tools.map((t) => t.name.replace(/^every_/, ""));
      expect(names).toEqual(expect.arrayContaining(["echo", "get-sum", "trigger-sampling-request"]));
      const failures: string[] = [];
      for (const t of tools) {
        const name = t.name.replace(/^every_/, "");
        if (NEEDS_CLIENT_TASKS.has(name)) {
          console.log(`not called: ${name} (needs task-based execution, which the gateway does not offer)`);
          continue;
        }
        try {
          const r = await c.callTool({ name: t.name, arguments: ARGS[name] ?? {} });
          if (r.isError) failures.push(`${name}: ${textOf(r)}`);
        } catch (err) {
          failures.push(`${name}: ${String(err)}`);
        }
      }
      expect(failures).toEqual([]);
    } finally {
      await c.close();
    }
  });

  it("reads every resource and template, gets every prompt, completes arguments", async () => {
    const c = await connect();
    try {
      const { resources } = await c.listResources();
      expect(resources.length).toBeGreaterThan(0);
      for (const r of resources) {
        const read = await c.readResource({ uri: r.uri });
        expect(read.contents.length, r.uri).toBeGreaterThan(0);
      }
      const { resourceTemplates } = await c.listResourceTemplates();
      expect(resourceTemplates.length).toBeGreaterThan(0);
      for (const t of resourceTemplates) {
        const uri = t.uriTemplate.replace(/\{[^}]+\}/g, "1");
        const read = await c.readResource({ uri });
        expect(read.contents.length, uri).toBeGreaterThan(0);
      }
      const { prompts } = await c.listPrompts();
      const promptArgs: Record<string, Record<string, string>> = {
        "args-prompt": { city: "Paris" },
        "completable-prompt": { department: "Engineering", name: "Alice" },
        "resource-prompt": { resourceType: "Text", resourceId: "1" },
      };
      for (const p of prompts) {
        const name = p.name.replace(/^every_/, "");
        const got = await c.getPrompt({ name: p.name, arguments: promptArgs[name] ?? {} });
        expect(got.messages.length, name).toBeGreaterThan(0);
      }
      const done = await c.complete({
        ref: { type: "ref/prompt", name: "every_completable-prompt" },
        argument: { name: "department", value: "Eng" },
      });
      expect(done.completion.values).toContain("Engineering");
    } finally {
      await c.close();
    }
  });
});
