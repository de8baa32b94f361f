import {
  LATEST_PROTOCOL_VERSION,
  ListPromptsResultSchema,
  ListResourcesResultSchema,
  ListResourceTemplatesResultSchema,
  ListToolsResultSchema,
} from "@modelcontextprotocol/sdk/types.js";
import type { BackendCapabilities } from "../aggregation/types.ts";
import type { Logger } from "../logger.ts";
import { isObject } from "../protocol/jsonrpc.ts";
import type { BackendSpec } from "../registry/types.ts";
import { toBackendError } from "./errors.ts";
import type { BackendPools } from "./pools.ts";
import { StreamableBackendSession } from "./streamable-session.ts";
import { BackendError, type BackendSession, type OutgoingAuth } from "./types.ts";

export interface ListingResult extends BackendCapabilities {
  protocolVersion: string | undefined;
  /** From the backend's initialize result. */
  instructions: string | undefined;
}

/** A result schema (the SDK's zod schemas): what a listing page is checked against. */
interface PageSchema<P> {
  safeParse(v: unknown): { success: true; data: P } | { success: false; error: { message: string } };
}

/** What the backend's own session tells whoever borrows it (the catalog). */
export interface ControlEvents {
  /** The backend sent a list_changed notification. */
  onChanged(): void;
  /** The established session was lost (its stream failed, the backend forgot it). */
  onLost(): void;
}

/** The gateway's own session with a backend: capability listings, list_changed, health pings. */
export interface ControlSession {
  list(timeoutMs: number): Promise<ListingResult>;
  /** `ping` on the established session (health checks reuse it); false when there is none. */
  ping(timeoutMs: number, signal: AbortSignal): Promise<boolean>;
  close(): Promise<void>;
}

export interface ControlSessionOptions {
  spec: BackendSpec;
  pools: BackendPools;
  auth: OutgoingAuth;
  log: Logger;
  events: ControlEvents;
}

/** Declared so backends that register tools conditionally (server-everything does) show their
 * full catalog; the requests they allow are answered by `answerServerRequest`. */
const CONTROL_INIT = {
  protocolVersion: LATEST_PROTOCOL_VERSION,
  capabilities: { roots: { listChanged: true }, sampling: {}, elicitation: {} },
  clientInfo: { name: "vmcp-control", version: "0.1.0" },
};

const LIST_CHANGED = new Set([
  "notifications/tools/list_changed",
  "notifications/resources/list_changed",
  "notifications/prompts/list_changed",
]);

/** Pages of one list read at most (in case a backend's cursor never ends). */
const MAX_PAGES = 100;

/** A control session over Streamable HTTP on the pool's own exchange path (the one calls use):
 * no SDK Client, transport or web streams per backend. Listings are still checked against the
 * SDK's result schemas (a backend is not trusted), and notifications and requests the backend
 * sends on the standalone stream are read by the same SSE parser calls use. */
export class StreamableControlSession implements ControlSession {
  readonly #o: ControlSessionOptions;
  #session: StreamableBackendSession | undefined;
  #closed = false;

  constructor(o: ControlSessionOptions) {
    this.#o = o;
  }

  async #connect(timeoutMs: number): Promise<StreamableBackendSession> {
    if (this.#session) return this.#session;
    const { spec, pools, auth, log } = this.#o;
    const session: StreamableBackendSession = new StreamableBackendSession({
      backend: spec.name,
      pools,
      timeoutMs,
      init: CONTROL_INIT,
      headers: () => auth.headers({ healthCheck: true }),
      log,
      hooks: {
        translate: (from, data) => {
          this.#incoming(from, data);
          return undefined;
        },
        unsolicited: () => {},
        listChanged: () => this.#o.events.onChanged(),
      },
      onStreamLost: () => {
        // Only the established session's loss is news; our own closes are not.
        if (this.#session !== session) return;
        this.#session = undefined;
        session.detach();
        if (!this.#closed) this.#o.events.onLost();
      },
    });
    await session.open(AbortSignal.timeout(timeoutMs));
    if (this.#closed) {
      await session.close();
      throw new BackendError(spec.name, "cancelled", `backend '${spec.name}': control session closed`);
    }
    this.#session = session;
    return session;
  }

  /** A message the backend sent outside an answer: list_changed, or a request to answer. */
  #incoming(from: BackendSession, data: string): void {
    let msg: unknown;
    try {
      msg = JSON.parse(data);
    } catch {
      return;
    }
    if (!isObject(msg) || typeof msg.method !== "string") return;
    if (msg.id === undefined) {
      if (LIST_CHANGED.has(msg.method)) this.#o.events.onChanged();
      return;
    }
    if (typeof msg.id !== "string" && typeof msg.id !== "number") return;
    void from.send(JSON.stringify(answerServerRequest(msg.id, msg.method))).catch(() => {});
  }

  async list(timeoutMs: number): Promise<ListingResult> {
    try {
      return await this.#list(timeoutMs);
    } catch (err) {
      // A failed listing may mean a dead session: start from scratch next time.
      const s = this.#session;
      this.#session = undefined;
      s?.detach();
      throw toBackendError(this.#o.spec.name, err, timeoutMs);
    }
  }

  async #list(timeoutMs: number): Promise<ListingResult> {
    const session = await this.#connect(timeoutMs);
    const caps = session.serverCapabilities;
    const name = this.#o.spec.name;
    const signal = AbortSignal.timeout(timeoutMs);
    const lists = await listCapabilities(name, caps, (method, params) =>
      session.request(method, params, signal),
    );
    return {
      ...lists,
      protocolVersion: session.protocolVersion || undefined,
      instructions: session.instructions,
    };
  }

  async ping(_timeoutMs: number, signal: AbortSignal): Promise<boolean> {
    const s = this.#session;
    if (!s) return false;
    await s.request("ping", {}, signal);
    return true;
  }

  async close(): Promise<void> {
    this.#closed = true;
    const s = this.#session;
    this.#session = undefined;
    await s?.close();
  }
}

/** The control session's answer to a backend's request: no roots, and nothing else served. */
export function answerServerRequest(id: string | number, method: string): object {
  if (method === "roots/list") return { jsonrpc: "2.0", id, result: { roots: [] } };
  if (method === "ping") return { jsonrpc: "2.0", id, result: {} };
  return {
    jsonrpc: "2.0",
    id,
    error: { code: -32601, message: "the vMCP control session does not serve this request" },
  };
}

/**
 * Every page of each list a backend declares, shared by both control sessions: at most MAX_PAGES
 * (a cursor that never ends), each page checked against the SDK's result schema.
 */
export async function listCapabilities(
  name: string,
  caps: { tools?: unknown; resources?: unknown; prompts?: unknown } | undefined,
  requestPage: (method: string, params: { cursor?: string }) => Promise<unknown>,
): Promise<BackendCapabilities> {
  const listAll = async <P extends { nextCursor?: string | undefined }, T>(
    enabled: unknown,
    method: string,
    schema: PageSchema<P>,
    items: (page: P) => T[],
  ): Promise<T[]> => {
    if (!enabled) return [];
    const all: T[] = [];
    let cursor: string | undefined;
    for (let i = 0; i < MAX_PAGES; i++) {
      const page = schema.safeParse(await requestPage(method, cursor ? { cursor } : {}));
      if (!page.success)
        throw new BackendError(
          name,
          "protocol",
          `backend '${name}' sent an invalid ${method} result: ${page.error.message.slice(0, 300)}`,
        );
      all.push(...items(page.data));
      cursor = page.data.nextCursor;
      if (!cursor) break;
    }
    return all;
  };
  const [tools, resources, resourceTemplates, prompts] = await Promise.all([
    listAll(caps?.tools, "tools/list", ListToolsResultSchema, (p) => p.tools),
    listAll(caps?.resources, "resources/list", ListResourcesResultSchema, (p) => p.resources),
    listAll(
      caps?.resources,
      "resources/templates/list",
      ListResourceTemplatesResultSchema,
      (p) => p.resourceTemplates,
    ),
    listAll(caps?.prompts, "prompts/list", ListPromptsResultSchema, (p) => p.prompts),
  ]);
  return { backend: name, tools, resources, resourceTemplates, prompts };
}
