import type { IncomingMessage, ServerResponse } from "node:http";
import type { Identity } from "../backends/types.ts";
import type { Logger } from "../logger.ts";
import { ErrorCodes, errorResponse, type JsonRpcId } from "../protocol/jsonrpc.ts";
import { JSON_HEADERS, reply } from "./mcp-transport.ts";
import type { ClientSession } from "./session.ts";
import { type SessionMap, SessionStorageError } from "./sessions.ts";
import { jsonHeaders } from "./sink.ts";
import type { IncomingAuth } from "./types.ts";

/** Who is calling (incoming auth) and which of their sessions a request belongs to. */
export class SessionLookup {
  readonly #incomingAuth: () => IncomingAuth | undefined;
  readonly #sessions: SessionMap;
  readonly #log: Logger;

  constructor(o: { incomingAuth: () => IncomingAuth | undefined; sessions: SessionMap; log: Logger }) {
    this.#incomingAuth = o.incomingAuth;
    this.#sessions = o.sessions;
    this.#log = o.log;
  }

  /** Whether incoming auth is on (off: no await at all on the hot path). */
  get authenticating(): boolean {
    return this.#incomingAuth() !== undefined;
  }

  /** The caller's identity; undefined without incoming auth; false when refused (answered). */
  async authenticate(req: IncomingMessage, res: ServerResponse): Promise<Identity | false | undefined> {
    const auth = this.#incomingAuth();
    if (!auth) return undefined;
    const r = await auth.authenticate(req.headers);
    if (r.ok) return r.identity;
    res.writeHead(r.status, { ...JSON_HEADERS, "www-authenticate": r.wwwAuthenticate });
    res.end(errorResponse(null, ErrorCodes.ConnectionClosed, r.error));
    return false;
  }

  /** Synchronous unless the session map reads shared storage: most requests never wait here. */
  find(
    req: IncomingMessage,
    res: ServerResponse,
    identity: Identity | undefined,
  ): ClientSession | undefined | Promise<ClientSession | undefined> {
    const sid = req.headers["mcp-session-id"];
    if (typeof sid !== "string" || sid === "") {
      reply(
        res,
        400,
        errorResponse(null, ErrorCodes.ConnectionClosed, "Bad Request: Mcp-Session-Id header is required"),
      );
      return undefined;
    }
    const found = this.#sessions.get(sid, identity);
    if (found instanceof Promise)
      return found.then(
        (s) => bound(res, s, identity),
        (err: unknown) => {
          storageUnavailable(res, null, err, this.#log);
          return undefined;
        },
      );
    return bound(res, found, identity);
  }
}

function bound(
  res: ServerResponse,
  s: ClientSession | undefined,
  identity: Identity | undefined,
): ClientSession | undefined {
  // A session is bound to the identity that created it; another caller cannot ride on it.
  if (
    !s ||
    (identity &&
      s.identity &&
      (s.identity.subject !== identity.subject || s.identity.issuer !== identity.issuer))
  ) {
    reply(res, 404, errorResponse(null, ErrorCodes.SessionNotFound, "Session not found"));
    return undefined;
  }
  if (identity) s.identity = identity;
  return s;
}

/** Who a session counts against: the authenticated identity, else the remote address. */
export function callerKey(identity: Identity | undefined, req: IncomingMessage): string {
  return identity
    ? `id:${identity.issuer ?? ""}\n${identity.subject}`
    : `ip:${req.socket.remoteAddress ?? ""}`;
}

/** Shared session storage is down: 503 naming it (the client may retry), never a crash. */
export function storageUnavailable(
  res: ServerResponse,
  id: JsonRpcId | null,
  err: unknown,
  log: Logger,
): void {
  if (!(err instanceof SessionStorageError)) throw err;
  // The Redis client logs the outage once; a line per refused request would flood the log.
  log.debug({ err: err.message }, "session storage unavailable");
  if (res.headersSent) return;
  const body = errorResponse(id, ErrorCodes.InternalError, `Service Unavailable: ${err.message}`);
  res.writeHead(503, { ...jsonHeaders(body), "retry-after": "1" });
  res.end(body);
}
