// The proxy's clients. The server has one stdio session that all of them share; each client gets
// a session of the proxy's own (Mcp-Session-Id) so that what belongs to one client stays its own:
// its GET stream, its resource subscriptions, its log level and its calls in flight (which its
// `notifications/cancelled` names by the client's own ids).
import { randomUUID } from "node:crypto";
import { CallCancelled } from "../backends/stdio-session.ts";
import type { EventStream } from "./event-stream.ts";
import type { LogLevel } from "./log-levels.ts";

export class ClientSession {
  readonly id = randomUUID();
  readonly protocolVersion: string;
  lastSeen = Date.now();
  /** The client's calls in flight, by the client's id (`idKey`). */
  readonly inFlight = new Map<string, AbortController>();
  readonly subscriptions = new Set<string>();
  logLevel: LogLevel | undefined;
  stream: EventStream | undefined;

  constructor(protocolVersion: string) {
    this.protocolVersion = protocolVersion;
  }

  /** Idle: no stream open and no call in flight. */
  idleSince(now: number): number {
    return this.stream?.open || this.inFlight.size > 0 ? 0 : now - this.lastSeen;
  }
}

export interface ClientSessionsOptions {
  max: number;
  idleMs: number;
  /** A session ended (DELETE, idle expiry, shutdown): its subscriptions are to be released. */
  onEnd: (s: ClientSession) => void;
}

export class ClientSessions {
  readonly #o: ClientSessionsOptions;
  readonly #sessions = new Map<string, ClientSession>();
  readonly #sweeper: NodeJS.Timeout;

  constructor(o: ClientSessionsOptions) {
    this.#o = o;
    this.#sweeper = setInterval(() => this.sweep(), Math.max(1_000, Math.min(o.idleMs / 4, 60_000)));
    this.#sweeper.unref();
  }

  get size(): number {
    return this.#sessions.size;
  }

  all(): IterableIterator<ClientSession> {
    return this.#sessions.values();
  }

  /** A new session, or undefined when `max` are open even after idle ones were swept. */
  create(protocolVersion: string): ClientSession | undefined {
    if (this.#sessions.size >= this.#o.max) this.sweep();
    if (this.#sessions.size >= this.#o.max) return undefined;
    const s = new ClientSession(protocolVersion);
    this.#sessions.set(s.id, s);
    return s;
  }

  get(id: string): ClientSession | undefined {
    const s = this.#sessions.get(id);
    if (s) s.lastSeen = Date.now();
    return s;
  }

  end(id: string, why: string): boolean {
    const s = this.#sessions.get(id);
    if (!s) return false;
    this.#sessions.delete(id);
    for (const c of s.inFlight.values()) c.abort(new CallCancelled(why));
    s.inFlight.clear();
    s.stream?.end();
    this.#o.onEnd(s);
    return true;
  }

  sweep(now = Date.now()): void {
    for (const s of [...this.#sessions.values()])
      if (s.idleSince(now) > this.#o.idleMs) this.end(s.id, "the client's session expired");
  }

  close(): void {
    clearInterval(this.#sweeper);
    for (const id of [...this.#sessions.keys()]) this.end(id, "the vmcp proxy is shutting down");
  }
}
