// A real stack for composite-tool tests: SDK McpServer backends over Streamable HTTP on 127.0.0.1,
// aggregated with the runtime's aggregate() (so hidden tools and `<workload>.<tool>` refs behave as
// in the gateway), an SDK Client per backend as the ToolInvoker, and a front SDK Server that
// advertises the composite tools to a real SDK Client with an elicitation handler.
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { InMemoryTransport } from "@modelcontextprotocol/sdk/inMemory.js";
import { Server } from "@modelcontextprotocol/sdk/server/index.js";
import {
  CallToolRequestSchema,
  type CallToolResult,
  type ElicitRequest,
  ElicitRequestSchema,
  type ElicitResult,
  ElicitResultSchema,
  ListToolsRequestSchema,
  type ToolAnnotations,
} from "@modelcontextprotocol/sdk/types.js";
import { waitFor } from "@vmcp/testenv/test-kit";
import { aggregate, resolveToolRef } from "../../../src/aggregation/aggregate.ts";
import type { AggregateResult, AggregationConfigInput } from "../../../src/aggregation/types.ts";
import { type CompositeTools, createCompositeTools, type ToolInvoker } from "../../../src/composite/index.ts";
import { type Register, type StartedBackend, startBackend } from "../../fixtures/backend.ts";

export interface BackendDef {
  name: string;
  register: Register;
}

export interface Stack {
  backends: StartedBackend[];
  view: AggregateResult;
  clients: Map<string, Client>;
  /** Invoker with a programmable elicitation answer (for direct runWorkflow use). */
  invoker(elicit?: ToolInvoker["elicit"]): ToolInvoker;
  toolExists(ref: string): boolean;
  annotations(ref: string): ToolAnnotations | undefined;
  close(): Promise<void>;
}

export async function startStack(
  defs: BackendDef[],
  aggregation: AggregationConfigInput = {},
): Promise<Stack> {
  const backends: StartedBackend[] = [];
  const clients = new Map<string, Client>();
  try {
    for (const d of defs) {
      const b = await startBackend({ name: d.name, register: d.register });
      backends.push(b);
      const c = new Client({ name: "composite-test", version: "1.0.0" });
      await c.connect(new StreamableHTTPClientTransport(new URL(b.url)));
      clients.set(d.name, c);
    }
    const caps = await Promise.all(
      defs.map(async (d) => ({
        backend: d.name,
        tools: (await (clients.get(d.name) as Client).listTools()).tools,
        resources: [],
        resourceTemplates: [],
        prompts: [],
      })),
    );
    const view = aggregate(caps, aggregation);
    const schemas = new Map<string, Record<string, unknown>>();
    const annotations = new Map<string, ToolAnnotations | undefined>();
    for (const c of caps) {
      for (const t of c.tools) {
        schemas.set(`${c.backend}\u0000${t.name}`, t.inputSchema);
        annotations.set(`${c.backend}\u0000${t.name}`, t.annotations);
      }
    }
    const invoker = (elicit?: ToolInvoker["elicit"]): ToolInvoker => ({
      async callTool(name, args, opts) {
        const route = resolveToolRef(view, name);
        if (!route) throw new Error(`unknown tool ${name}`);
        const client = clients.get(route.backend) as Client;
        return (await client.callTool({ name: route.name, arguments: args }, undefined, {
          signal: opts.signal,
          timeout: 600_000,
        })) as CallToolResult;
      },
      elicit: elicit ?? (async () => ({ action: "cancel" })),
      resolveTool(ref) {
        const route = resolveToolRef(view, ref);
        return route ? { inputSchema: schemas.get(`${route.backend}\u0000${route.name}`) } : undefined;
      },
    });
    return {
      backends,
      view,
      clients,
      invoker,
      toolExists: (ref) => resolveToolRef(view, ref) !== undefined,
      annotations(ref) {
        const route = resolveToolRef(view, ref);
        return route ? annotations.get(`${route.backend}\u0000${route.name}`) : undefined;
      },
      async close() {
        await Promise.allSettled([...clients.values()].map((c) => c.close()));
        await Promise.allSettled(backends.map((b) => b.close()));
      },
    };
  } catch (e) {
    await Promise.allSettled([...clients.values()].map((c) => c.close()));
    await Promise.allSettled(backends.map((b) => b.close()));
    throw e;
  }
}

export interface Front {
  client: Client;
  composite: CompositeTools;
  close(): Promise<void>;
}

/**
 * The composite tools served by an SDK Server to a real SDK Client. Elicitation goes back to that
 * client over `elicitation/create`; the client's request cancellation reaches the workflow.
 */
export async function startFront(
  stack: Stack,
  defs: unknown[],
  onElicit: (message: string) => ElicitResult | Promise<ElicitResult>,
): Promise<Front> {
  const composite = createCompositeTools(defs, {
    toolExists: stack.toolExists,
    stepAnnotations: stack.annotations,
    reservedNames: stack.view.tools.map((t) => t.name),
  });
  const server = new Server({ name: "vmcp-front", version: "1.0.0" }, { capabilities: { tools: {} } });
  server.setRequestHandler(ListToolsRequestSchema, () => ({
    tools: [...stack.view.tools, ...composite.tools],
  }));
  server.setRequestHandler(CallToolRequestSchema, async (req, extra) => {
    const base = stack.invoker();
    return composite.call(req.params.name, req.params.arguments, {
      signal: extra.signal,
      invoker: {
        ...base,
        elicit: (r, signal) =>
          extra.sendRequest(
            { method: "elicitation/create", params: r as unknown as ElicitRequest["params"] },
            ElicitResultSchema,
            { signal },
          ),
      },
    });
  });
  const client = new Client({ name: "user", version: "1.0.0" }, { capabilities: { elicitation: {} } });
  client.setRequestHandler(ElicitRequestSchema, async (req) => onElicit(String(req.params.message)));
  const [a, b] = InMemoryTransport.createLinkedPair();
  await server.connect(a);
  await client.connect(b);
  return {
    client,
    composite,
    async close() {
      await client.close();
      await server.close();
    },
  };
}

/** Resolves when `check` holds, polling on the event loop; rejects after `ms`. */
export async function until(check: () => boolean, ms = 10_000): Promise<void> {
  await waitFor("condition", check, ms, 5);
}
