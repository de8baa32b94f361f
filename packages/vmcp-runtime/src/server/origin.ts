import type { IncomingHttpHeaders } from "node:http";

// DNS rebinding: a page on attacker.example whose name is made to resolve to 127.0.0.1 (or to a
// cluster address) talks to the gateway as if it were its own origin. The browser still sends the
// attacker's name in Host and, on anything but a plain GET, its own Origin; checking both is the
// defence the MCP transport spec requires.

export interface OriginPolicy {
  /** Origins allowed besides the gateway's own (normalised: lower case, no default port). */
  allowed: ReadonlySet<string>;
  /** The gateway's own origins: its listening address and its public URL. */
  own: ReadonlySet<string>;
  /** Host names a request may carry; undefined when any Host is acceptable (wildcard bind
   * behind a Service or an Ingress, where the name clients use is not known here). */
  hosts: ReadonlySet<string> | undefined;
}

export type OriginVerdict =
  | { ok: true /** Set when the caller is a cross-origin browser page on the allow-list. */; cors?: string }
  | { ok: false; message: string };

const LOOPBACK_NAMES = ["localhost", "127.0.0.1", "[::1]"];

/** `new URL(o).origin`, or undefined for text that is not an http(s) origin. */
export function normaliseOrigin(text: string): string | undefined {
  try {
    const u = new URL(text);
    if (u.protocol !== "http:" && u.protocol !== "https:") return undefined;
    return u.origin;
  } catch {
    return undefined;
  }
}

export function isLoopbackAddress(address: string): boolean {
  return address === "::1" || address.startsWith("127.") || address === "localhost";
}

/** The policy for a gateway listening on `address:port`, optionally reachable at `publicUrl`. */
export function originPolicy(o: {
  address: string;
  port: number;
  publicUrl?: string | undefined;
  allowedOrigins?: readonly string[] | undefined;
}): OriginPolicy {
  const own = new Set<string>();
  let hosts: Set<string> | undefined;
  const publicOrigin = o.publicUrl ? normaliseOrigin(o.publicUrl) : undefined;
  if (publicOrigin) own.add(publicOrigin);
  if (isLoopbackAddress(o.address)) {
    hosts = new Set(LOOPBACK_NAMES);
    if (publicOrigin) hosts.add(new URL(publicOrigin).hostname);
    for (const name of LOOPBACK_NAMES) own.add(`http://${name}:${o.port}`);
  } else if (o.address !== "0.0.0.0" && o.address !== "::") {
    own.add(`http://${o.address.includes(":") ? `[${o.address}]` : o.address}:${o.port}`);
  }
  const allowed = new Set<string>();
  for (const a of o.allowedOrigins ?? []) {
    const n = normaliseOrigin(a);
    if (n) allowed.add(n);
  }
  return { allowed, own, hosts };
}

/** The host name of a Host header value (`name`, `name:port`, `[v6]:port`), lower case. */
function hostName(host: string): string {
  const h = host.toLowerCase();
  if (h.startsWith("[")) {
    const end = h.indexOf("]");
    return end === -1 ? h : h.slice(0, end + 1);
  }
  const colon = h.indexOf(":");
  return colon === -1 ? h : h.slice(0, colon);
}

export function checkOrigin(headers: IncomingHttpHeaders, p: OriginPolicy): OriginVerdict {
  const host = headers.host;
  if (p.hosts && host !== undefined && !p.hosts.has(hostName(host)))
    return {
      ok: false,
      message: `Forbidden: Host ${JSON.stringify(host)} is not a name of this server (DNS rebinding protection)`,
    };
  const origin = headers.origin;
  // No Origin: not a browser (or a same-origin GET, which the Host check above covers).
  if (origin === undefined) return { ok: true };
  if (p.own.has(origin)) return { ok: true };
  if (p.allowed.has(origin)) return { ok: true, cors: origin };
  const n = normaliseOrigin(origin);
  if (n !== undefined && p.own.has(n)) return { ok: true };
  if (n !== undefined && p.allowed.has(n)) return { ok: true, cors: origin };
  return {
    ok: false,
    message: `Forbidden: Origin ${JSON.stringify(origin)} is not allowed; add it to operational.allowedOrigins`,
  };
}

const ALLOW_HEADERS = [
  "authorization",
  "content-type",
  "accept",
  "last-event-id",
  "mcp-session-id",
  "mcp-protocol-version",
];
const EXPOSE_HEADERS = "mcp-session-id, mcp-protocol-version, www-authenticate";

/** Headers on every answer to an allowed cross-origin page, so its script can read them. */
export function corsHeaders(origin: string): Record<string, string> {
  return {
    "access-control-allow-origin": origin,
    "access-control-expose-headers": EXPOSE_HEADERS,
    vary: "Origin",
  };
}

/** The answer to a CORS preflight from an allowed origin. */
export function preflightHeaders(
  origin: string,
  passthroughHeaders: readonly string[],
): Record<string, string> {
  return {
    ...corsHeaders(origin),
    "access-control-allow-methods": "GET, POST, DELETE",
    "access-control-allow-headers": [...ALLOW_HEADERS, ...passthroughHeaders].join(", "),
    "access-control-max-age": "600",
  };
}
