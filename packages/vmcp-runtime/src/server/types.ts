import type { IncomingHttpHeaders } from "node:http";
import type { Prompt, Resource, ResourceTemplate, Tool } from "@modelcontextprotocol/sdk/types.js";
import type { BackendCapabilities } from "../aggregation/types.ts";
import type { Identity } from "../backends/types.ts";

// One definition, in aggregation (which merges them); named here too for the server's users.
export type { BackendCapabilities };

/** The part of aggregation's AggregateResult the data plane reads. */
export interface AggregateView {
  tools: Tool[];
  toolRoutes: Map<string, { backend: string; name: string }>;
  resources: Resource[];
  resourceRoutes: Map<string, string>;
  resourceTemplates: Array<ResourceTemplate & { backend: string }>;
  prompts: Prompt[];
  promptRoutes: Map<string, { backend: string; name: string }>;
  warnings: string[];
  /** Unresolved manual-strategy clashes (their tools are withheld). Optional like backendTools. */
  conflicts?: string[];
  /** backend -> (own or override name -> own name), for `<workload>.<tool>` composite step refs.
   * Optional so hand-built views (tests) need not carry it. */
  backendTools?: Map<string, Map<string, string>>;
}

export type AggregateFn = (caps: BackendCapabilities[]) => AggregateView;

export type AuthResult =
  | { ok: true; identity: Identity }
  | { ok: false; status: 401 | 403; wwwAuthenticate: string; error: string };

/** Incoming auth (contract with auth/incoming.ts). */
export interface IncomingAuth {
  authenticate(headers: IncomingHttpHeaders): Promise<AuthResult>;
  protectedResourceMetadata(): object | undefined;
}

export function emptyAggregate(): AggregateView {
  return {
    tools: [],
    toolRoutes: new Map(),
    resources: [],
    resourceRoutes: new Map(),
    resourceTemplates: [],
    prompts: [],
    promptRoutes: new Map(),
    warnings: [],
    backendTools: new Map(),
  };
}
