import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { SSEClientTransport } from "@modelcontextprotocol/sdk/client/sse.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import type { Transport } from "@modelcontextprotocol/sdk/shared/transport.js";
import {
  CreateMessageRequestSchema,
  ElicitRequestSchema,
  ListRootsRequestSchema,
  McpError,
  PromptListChangedNotificationSchema,
  ResourceListChangedNotificationSchema,
  ResultSchema,
  ToolListChangedNotificationSchema,
} from "@modelcontextprotocol/sdk/types.js";
import type { Logger } from "../logger.ts";
import type { BackendSpec } from "../registry/types.ts";
import {
  type ControlSession,
  type ControlSessionOptions,
  type ListingResult,
  listCapabilities,
} from "./control-session.ts";
import { timeoutError, toBackendError } from "./errors.ts";
import { backendFetch } from "./fetch.ts";
import type { BackendPools } from "./pools.ts";
import type { OutgoingAuth } from "./types.ts";

/** The control session of a legacy HTTP+SSE backend, on the SDK Client and its SSE transport
 * (Streamable HTTP backends get `StreamableControlSession`, without the SDK). It declares roots/sampling/elicitation so backends
 * that register tools conditionally (server-everything does) show their full catalog. */
export class ControlClient implements ControlSession {
  readonly spec: BackendSpec;
  #pools: BackendPools;
  #auth: OutgoingAuth;
  #log: Logger;
  #onChanged: () => void;
  #onLost: () => void;
  #client: Client | undefined;
  #closed = false;

  constructor(o: ControlSessionOptions) {
    this.spec = o.spec;
    this.#pools = o.pools;
    this.#auth = o.auth;
    this.#log = o.log;
    this.#onChanged = () => o.events.onChanged();
    this.#onLost = () => o.events.onLost();
  }

  async #connect(timeoutMs: number): Promise<Client> {
    if (this.#client) return this.#client;
    const fetch = backendFetch(this.#pools.streams, () => this.#auth.headers({ healthCheck: true }));
    const url = new URL(this.spec.url);
    const transport: Transport =
      this.spec.transport === "sse"
        ? new SSEClientTransport(url, { fetch, eventSourceInit: { fetch } })
        : new StreamableHTTPClientTransport(url, {
            fetch,
            reconnectionOptions: {
              initialReconnectionDelay: 1000,
              maxReconnectionDelay: 30_000,
              reconnectionDelayGrowFactor: 1.5,
              maxRetries: 1,
            },
          });
    const client = new Client(
      { name: "vmcp-control", version: "0.1.0" },
      { capabilities: { roots: { listChanged: true }, sampling: {}, elicitation: {} } },
    );
    client.setRequestHandler(ListRootsRequestSchema, () => ({ roots: [] }));
    const refuse = () => {
      throw new McpError(-32601, "the vMCP control session does not serve this request");
    };
    client.setRequestHandler(CreateMessageRequestSchema, refuse);
    client.setRequestHandler(ElicitRequestSchema, refuse);
    client.setNotificationHandler(ToolListChangedNotificationSchema, () => this.#onChanged());
    client.setNotificationHandler(ResourceListChangedNotificationSchema, () => this.#onChanged());
    client.setNotificationHandler(PromptListChangedNotificationSchema, () => this.#onChanged());
    client.onclose = () => {
      // Only an established session closing on its own is news; our own closes are not.
      if (this.#client !== client) return;
      this.#client = undefined;
      if (!this.#closed) this.#onLost();
    };
    client.onerror = (err) => {
      // The SDK reports a dropped GET stream here; treat it as "check the backend again".
      this.#log.debug({ backend: this.spec.name, err: String(err) }, "control session error");
      if (!this.#closed && this.#client === client) this.#onLost();
    };
    try {
      await client.connect(transport, { timeout: timeoutMs });
    } catch (err) {
      await client.close().catch(() => {});
      throw err;
    }
    this.#client = client;
    return client;
  }

  async list(timeoutMs: number): Promise<ListingResult> {
    try {
      return await this.#list(timeoutMs);
    } catch (err) {
      // A failed listing may mean a dead session: start from scratch next time.
      const c = this.#client;
      this.#client = undefined;
      await c?.close().catch(() => {});
      if (err instanceof McpError && err.code === -32001) {
        throw timeoutError(this.spec.name, timeoutMs);
      }
      throw toBackendError(this.spec.name, err, timeoutMs);
    }
  }

  async #list(timeoutMs: number): Promise<ListingResult> {
    const client = await this.#connect(timeoutMs);
    const caps = client.getServerCapabilities() ?? {};
    const opts = { timeout: timeoutMs };
    const lists = await listCapabilities(this.spec.name, caps, (method, params) =>
      client.request({ method, params }, ResultSchema, opts),
    );
    const transport = client.transport as { protocolVersion?: string } | undefined;
    return {
      ...lists,
      protocolVersion: transport?.protocolVersion,
      instructions: client.getInstructions(),
    };
  }

  /** `ping` on the established session (health checks reuse it); false when there is none. */
  async ping(timeoutMs: number, signal: AbortSignal): Promise<boolean> {
    const c = this.#client;
    if (!c) return false;
    await c.ping({ timeout: timeoutMs, signal });
    return true;
  }

  async close(): Promise<void> {
    this.#closed = true;
    const c = this.#client;
    this.#client = undefined;
    if (c?.transport instanceof StreamableHTTPClientTransport)
      await c.transport.terminateSession().catch(() => {});
    await c?.close().catch(() => {});
  }
}
