import type { JsonRpcId, JsonRpcRequest } from "../protocol/jsonrpc.ts";
import type { CallCancel } from "./cancel.ts";

/** Caller identity from incoming auth (contract with auth/incoming.ts). */
export interface Identity {
  subject: string;
  issuer?: string;
  claims: Record<string, unknown>;
  token?: string;
}

/** Outgoing auth for one backend (contract with auth/outgoing.ts). */
export interface OutgoingAuth {
  type: string;
  headers(ctx: {
    identity?: Identity;
    healthCheck?: boolean;
    signal?: AbortSignal;
  }): Promise<Record<string, string>>;
}

/** Where a forwarded call's answer goes. The HTTP implementation mirrors the backend: a JSON
 * answer becomes a JSON answer, an SSE stream becomes an SSE stream. */
export interface CallSink {
  /** The backend answered with one complete JSON-RPC response (raw bytes, passed through). */
  json(body: Uint8Array | string): void;
  /** The backend is streaming: switch the client response to SSE now. */
  startStream(): void;
  /** One message for the client on this call's stream (already translated). */
  event(data: string): void;
  /** The backend's stream ended. */
  end(): void;
  /** Answer the call with a JSON-RPC error. */
  fail(code: number, message: string, data?: unknown): void;
  readonly done: boolean;
}

/** Per-client-session hooks that a backend session uses to hand messages to the client. */
export interface RelayHooks {
  /** Translate one message the backend sent (ids of server->client requests and backend
   * cancellations are remapped); undefined means drop it. */
  translate(from: BackendSession, data: string): string | undefined;
  /** A message outside any call (backend GET stream / legacy SSE stream). */
  unsolicited(from: BackendSession, data: string): void;
  /** The backend's own catalog changed (list_changed seen on a client session). */
  listChanged(backend: string): void;
}

export interface InitializeParams {
  protocolVersion: string;
  capabilities: Record<string, unknown>;
  clientInfo: Record<string, unknown>;
}

/** One MCP session with one backend on behalf of one client session. */
export interface BackendSession {
  readonly backend: string;
  readonly protocolVersion: string;
  readonly serverCapabilities: Record<string, unknown>;
  /** What the backend's initialize result told clients about using it, if anything. */
  readonly instructions: string | undefined;
  open(signal?: AbortSignal): Promise<void>;
  /** Forward a client request (body already rewritten). Throws SessionGoneError on a 404. */
  forward(msg: JsonRpcRequest, body: string, sink: CallSink, cancel: CallCancel): Promise<void>;
  /** Send a notification or a response to a server->client request. */
  send(body: string): Promise<void>;
  /** A request of the gateway's own (logging/setLevel fan-out, re-subscribe). */
  request(method: string, params: Record<string, unknown>): Promise<unknown>;
  close(): Promise<void>;
  /** Stop using the session here without ending it at the backend (another replica continues
   * it); absent where a session cannot outlive its connection. */
  detach?(): void;
}

export class BackendError extends Error {
  readonly backend: string;
  /** busy: no free connection to the backend within the call's timeout (the gateway's cap). */
  readonly kind: "unreachable" | "timeout" | "http" | "protocol" | "gone" | "cancelled" | "busy";
  readonly status: number | undefined;
  constructor(
    backend: string,
    kind: BackendError["kind"],
    message: string,
    status?: number,
    cause?: unknown,
  ) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = "BackendError";
    this.backend = backend;
    this.kind = kind;
    this.status = status;
  }
}

export function isSessionGone(err: unknown): boolean {
  return err instanceof BackendError && err.kind === "gone";
}

export type { JsonRpcId };
