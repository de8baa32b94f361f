import type { IncomingHttpHeaders } from "node:http";
import type { IncomingAuthConfig } from "@vmcp/shared-types";
import { createRemoteJWKSet, customFetch, errors, type JWTPayload, jwtVerify } from "jose";
import { fetchWithCaBundle } from "./fetch-with-ca.ts";
import { ANONYMOUS_IDENTITY, type Identity } from "./identity.ts";

export { ANONYMOUS_IDENTITY, type Identity } from "./identity.ts";

export type AuthResult =
  | { ok: true; identity: Identity }
  | { ok: false; status: 401 | 403; wwwAuthenticate: string; error: string };

export interface IncomingAuthOptions {
  /** Public base URL of the gateway (scheme://host[:port][/prefix]); the MCP endpoint is `<base>/mcp`. */
  resourceUrl: string;
  fetch?: typeof fetch;
  /** Accepted clock skew for exp/nbf/iat, in seconds. */
  clockToleranceSec?: number;
}

export interface IncomingAuth {
  type: IncomingAuthConfig["type"];
  authenticate(headers: IncomingHttpHeaders): Promise<AuthResult>;
  /** RFC 9728 document served at `/.well-known/oauth-protected-resource`; undefined when auth is off. */
  protectedResourceMetadata(): Record<string, unknown> | undefined;
  /** Where that document is served, as announced in WWW-Authenticate. */
  metadataUrl: string | undefined;
}

const WELL_KNOWN = "/.well-known/oauth-protected-resource";
const DEFAULT_CLOCK_TOLERANCE_SEC = 30;

export function createIncomingAuth(cfg: IncomingAuthConfig, opts: IncomingAuthOptions): IncomingAuth {
  if (cfg.type === "anonymous" || !cfg.oidc) {
    return {
      type: cfg.type,
      authenticate: async () => ({ ok: true, identity: ANONYMOUS_IDENTITY }),
      protectedResourceMetadata: () => undefined,
      metadataUrl: undefined,
    };
  }
  const oidc = cfg.oidc;
  const base = opts.resourceUrl.replace(/\/+$/, "");
  const metadataUrl = `${base}${WELL_KNOWN}`;
  const resource = oidc.resource ?? `${base}/mcp`;
  const issuer = oidc.issuer;
  const doFetch = opts.fetch ?? (oidc.caBundlePath ? fetchWithCaBundle(oidc.caBundlePath) : fetch);
  const clockTolerance = opts.clockToleranceSec ?? DEFAULT_CLOCK_TOLERANCE_SEC;

  const scopeHint = oidc.scopes && oidc.scopes.length > 0 ? `, scope="${oidc.scopes.join(" ")}"` : "";
  const challenge = (error?: string, description?: string) =>
    `Bearer resource_metadata="${metadataUrl}"${scopeHint}` +
    (error ? `, error="${error}"` : "") +
    (description ? `, error_description="${description.replace(/["\\]/g, "'")}"` : "");
  const deny = (error: string, description: string): AuthResult => ({
    ok: false,
    status: 401,
    wwwAuthenticate: challenge(error, description),
    error: description,
  });

  const jwksFetch = (
    url: string,
    init: { headers: Headers; method: "GET"; redirect: "manual"; signal: AbortSignal },
  ) => doFetch(url, init);
  let jwks: Promise<ReturnType<typeof createRemoteJWKSet>> | undefined;
  const getJwks = () => {
    jwks ??= (async () => {
      const url = oidc.jwksUrl ?? (await discoverJwksUri(issuer, doFetch));
      return createRemoteJWKSet(new URL(url), { [customFetch]: jwksFetch, cooldownDuration: 10_000 });
    })();
    // A failed discovery is retried by the next request instead of poisoning the gateway.
    jwks.catch(() => {
      jwks = undefined;
    });
    return jwks;
  };

  return {
    type: "oidc",
    metadataUrl,
    protectedResourceMetadata: () => ({
      resource,
      authorization_servers: [issuer],
      bearer_methods_supported: ["header"],
      ...(oidc.scopes && oidc.scopes.length > 0 ? { scopes_supported: oidc.scopes } : {}),
    }),
    async authenticate(headers) {
      const auth = headers.authorization;
      if (!auth) {
        // RFC 6750 §3.1: no error code when the request carried no credentials.
        return { ok: false, status: 401, wwwAuthenticate: challenge(), error: "missing bearer token" };
      }
      const m = /^Bearer[ \t]+([A-Za-z0-9\-._~+/]+=*)[ \t]*$/i.exec(auth);
      if (!m) return deny("invalid_request", "Authorization header must be 'Bearer <token>'");
      const token = m[1]!;
      let keySet: ReturnType<typeof createRemoteJWKSet>;
      try {
        keySet = await getJwks();
      } catch (err) {
        return deny("invalid_token", `cannot verify tokens right now: ${(err as Error).message}`);
      }
      let payload: JWTPayload;
      try {
        ({ payload } = await jwtVerify(token, keySet, {
          issuer,
          audience: oidc.audience,
          clockTolerance,
          requiredClaims: ["exp", "sub"],
        }));
      } catch (err) {
        return deny("invalid_token", describeJoseError(err));
      }
      return {
        ok: true,
        identity: { subject: payload.sub!, issuer: payload.iss ?? issuer, claims: { ...payload }, token },
      };
    },
  };
}

async function discoverJwksUri(issuer: string, doFetch: typeof fetch): Promise<string> {
  const url = `${issuer.replace(/\/+$/, "")}/.well-known/openid-configuration`;
  let res: Response;
  try {
    res = await doFetch(url, { signal: AbortSignal.timeout(5000), redirect: "error" });
  } catch (err) {
    throw new Error(`issuer discovery at ${url} failed: ${(err as Error).message}`);
  }
  if (!res.ok) throw new Error(`issuer discovery at ${url} answered HTTP ${res.status}`);
  const doc = (await res.json()) as { issuer?: unknown; jwks_uri?: unknown };
  // OIDC Discovery §4.3: the document must name the issuer we asked, or it is not that issuer's.
  if (typeof doc.issuer !== "string" || doc.issuer.replace(/\/+$/, "") !== issuer.replace(/\/+$/, "")) {
    throw new Error(`issuer discovery at ${url} names issuer ${JSON.stringify(doc.issuer)}`);
  }
  if (typeof doc.jwks_uri !== "string") throw new Error(`issuer discovery at ${url} has no jwks_uri`);
  return doc.jwks_uri;
}

/** Short reasons a client can act on; never echoes the token. */
function describeJoseError(err: unknown): string {
  if (err instanceof errors.JWTExpired) return "token expired";
  if (err instanceof errors.JWTClaimValidationFailed) {
    if (err.claim === "aud") return "token audience does not match this server";
    if (err.claim === "iss") return "token issuer is not trusted";
    if (err.claim === "nbf") return "token is not valid yet";
    return `token claim ${err.claim} is invalid (${err.reason})`;
  }
  if (err instanceof errors.JWKSNoMatchingKey) return "token signed with an unknown key";
  if (err instanceof errors.JWSSignatureVerificationFailed) return "token signature is invalid";
  if (err instanceof errors.JOSEAlgNotAllowed) return "token algorithm is not allowed";
  if (err instanceof errors.JWKSTimeout) return "cannot verify tokens right now: JWKS request timed out";
  if (
    err instanceof errors.JWSInvalid ||
    err instanceof errors.JWTInvalid ||
    err instanceof errors.JOSENotSupported
  ) {
    return "token is malformed";
  }
  if (err instanceof errors.JOSEError) return `token rejected (${err.code})`;
  return "token could not be verified";
}
