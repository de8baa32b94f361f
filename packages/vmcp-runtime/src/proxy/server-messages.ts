// What the server says on its own, routed to the clients it is for, and the server-side state the
// clients share: one subscription per resource (however many clients asked) and one log level.
// Progress goes only to the call that carries the token (tokens are the proxy's, so a server
// cannot name another client's); list changes and log messages go to every GET stream;
// resources/updated only to the clients that subscribed to that resource.
import {
  CallCancelled,
  StdioCallError,
  type StdioSession,
  type StdioSessionListener,
} from "../backends/stdio-session.ts";
import type { Logger } from "../logger.ts";
import { ErrorCodes, type JsonObject } from "../protocol/jsonrpc.ts";
import type { ClientSession, ClientSessions } from "./client-sessions.ts";
import type { EventStream } from "./event-stream.ts";
import { isLogLevel, type LogLevel, mostVerbose, wantsMessage } from "./log-levels.ts";

export type ProgressToken = string | number;

export interface ServerMessagesLimits {
  /** Resources one client may be subscribed to. */
  maxSubscriptionsPerClient: number;
  /** Distinct resources subscribed at the server (each is subscribed again after a restart). */
  maxSubscriptions: number;
}

const fail = (message: string) => new StdioCallError(ErrorCodes.InvalidParams, message);

export class ServerMessages implements StdioSessionListener {
  readonly #session: StdioSession;
  readonly #clients: ClientSessions;
  readonly #log: Logger;
  readonly #limits: ServerMessagesLimits;
  /** Calls waiting for progress, by the token the server was given. Entries live as long as their call. */
  readonly #progress = new Map<string, { stream: EventStream; token: ProgressToken }>();
  #seq = 0;
  /** Clients subscribed, by resource URI. */
  readonly #subscribers = new Map<string, number>();
  #serverLevel: LogLevel | undefined;

  constructor(session: StdioSession, clients: ClientSessions, log: Logger, limits: ServerMessagesLimits) {
    this.#session = session;
    this.#clients = clients;
    this.#log = log;
    this.#limits = limits;
  }

  /** A token of the proxy's for the server in place of a client's; `stream` (if any) gets its progress. */
  progressToken(token: ProgressToken, stream: EventStream | undefined): string {
    const mine = `vmcp-progress-${(++this.#seq).toString(36)}`;
    if (stream) this.#progress.set(mine, { stream, token });
    return mine;
  }

  releaseProgress(mine: string): void {
    this.#progress.delete(mine);
  }

  notification(method: string, params: JsonObject | undefined): void {
    if (method === "notifications/progress") {
      const t = params?.progressToken;
      const to = typeof t === "string" ? this.#progress.get(t) : undefined;
      if (!to) return;
      to.stream.send(
        JSON.stringify({ jsonrpc: "2.0", method, params: { ...params, progressToken: to.token } }),
      );
      return;
    }
    // The server cancelling a request of its own: the proxy answered all of those itself.
    if (method === "notifications/cancelled") return;
    const body = JSON.stringify(
      params === undefined ? { jsonrpc: "2.0", method } : { jsonrpc: "2.0", method, params },
    );
    const uri = method === "notifications/resources/updated" ? params?.uri : undefined;
    for (const c of this.#clients.all()) {
      if (!c.stream?.open) continue;
      if (
        method === "notifications/resources/updated" &&
        !(typeof uri === "string" && c.subscriptions.has(uri))
      )
        continue;
      if (method === "notifications/message" && !wantsMessage(c.logLevel, params?.level)) continue;
      c.stream.send(body);
    }
  }

  /** A new server process knows nothing of the old one's subscriptions and level: tell it again. */
  connected(): void {
    for (const uri of this.#subscribers.keys())
      this.#session.request("resources/subscribe", { uri }).catch((e: unknown) => {
        this.#log.warn({ err: e, uri: uri.slice(0, 200) }, "resubscribing after a reconnect failed");
      });
    if (this.#serverLevel !== undefined)
      this.#session.request("logging/setLevel", { level: this.#serverLevel }).catch((e: unknown) => {
        this.#log.warn({ err: e }, "setting the log level after a reconnect failed");
      });
  }

  async subscribe(
    client: ClientSession,
    params: JsonObject | undefined,
    signal: AbortSignal,
  ): Promise<unknown> {
    const uri = params?.uri;
    if (typeof uri !== "string") throw fail("resources/subscribe needs params.uri (a string)");
    if (client.subscriptions.has(uri)) return {};
    if (client.subscriptions.size >= this.#limits.maxSubscriptionsPerClient)
      throw fail(`a client may subscribe to at most ${this.#limits.maxSubscriptionsPerClient} resources`);
    const n = this.#subscribers.get(uri) ?? 0;
    if (n === 0 && this.#subscribers.size >= this.#limits.maxSubscriptions)
      throw fail(`the vmcp proxy holds at most ${this.#limits.maxSubscriptions} resource subscriptions`);
    // Counted before the server answers, so a second client meanwhile does not subscribe twice.
    this.#subscribers.set(uri, n + 1);
    client.subscriptions.add(uri);
    if (n > 0) return {};
    try {
      return await this.#session.request("resources/subscribe", params, signal);
    } catch (e) {
      this.#drop(client, uri, false);
      throw e;
    }
  }

  async unsubscribe(
    client: ClientSession,
    params: JsonObject | undefined,
    signal: AbortSignal,
  ): Promise<unknown> {
    const uri = params?.uri;
    if (typeof uri !== "string") throw fail("resources/unsubscribe needs params.uri (a string)");
    if (!client.subscriptions.has(uri)) return {};
    if (!this.#drop(client, uri, false)) return {};
    return this.#session.request("resources/unsubscribe", params, signal);
  }

  async setLevel(
    client: ClientSession | undefined,
    params: JsonObject | undefined,
    signal: AbortSignal,
  ): Promise<unknown> {
    const level = params?.level;
    if (!isLogLevel(level)) throw fail("logging/setLevel needs params.level (an MCP log level)");
    if (!client) return this.#session.request("logging/setLevel", params, signal);
    client.logLevel = level;
    const target = mostVerbose([...this.#clients.all()].map((c) => c.logLevel));
    if (target === this.#serverLevel) return {};
    const result = await this.#session.request("logging/setLevel", { level: target }, signal);
    this.#serverLevel = target;
    return result;
  }

  /** An ended client's subscriptions: the server is unsubscribed from what nobody else wants. */
  release(client: ClientSession): void {
    for (const uri of [...client.subscriptions]) this.#drop(client, uri, true);
  }

  /** Removes one client's subscription; true when it was the last one for `uri`. */
  #drop(client: ClientSession, uri: string, tellServer: boolean): boolean {
    client.subscriptions.delete(uri);
    const n = (this.#subscribers.get(uri) ?? 1) - 1;
    if (n > 0) {
      this.#subscribers.set(uri, n);
      return false;
    }
    this.#subscribers.delete(uri);
    if (tellServer)
      this.#session.request("resources/unsubscribe", { uri }).catch((e: unknown) => {
        if (!(e instanceof CallCancelled))
          this.#log.debug({ err: e }, "unsubscribing an ended client failed");
      });
    return true;
  }
}
