import { createHash } from "node:crypto";
import type { BackendAuthStrategy } from "@vmcp/shared-types";
import { MASK, redact, registerSecrets } from "@vmcp/shared-types";
import * as z from "zod";
import { abortable } from "../abortable.ts";
import { lookupEnvSecret, type ResolvedSecrets } from "../config/secrets.ts";
import type { Identity } from "./identity.ts";
import { type CachedToken, TokenCache } from "./token-cache.ts";

export interface OutgoingAuthContext {
  identity?: Identity;
  /** Health probes have no caller; token exchange then uses client_credentials. */
  healthCheck?: boolean;
  signal?: AbortSignal;
}

export interface OutgoingAuth {
  type: string;
  /** Headers to add to a request to the backend. Rejects with OutgoingAuthError. */
  headers(ctx: OutgoingAuthContext): Promise<Record<string, string>>;
}

export interface OutgoingAuthOptions {
  fetch?: typeof fetch;
  /** Tokens are treated as expired this long before their real expiry. */
  skewMs?: number;
  now?: () => number;
  /** Per token-endpoint request. */
  timeoutMs?: number;
  maxCachedTokens?: number;
}

/** Failure to obtain backend credentials. The message is safe to log and to show the caller. */
export class OutgoingAuthError extends Error {
  /** HTTP status of the token endpoint, when it answered. */
  readonly status: number | undefined;
  /** The caller must authenticate (no token to exchange) rather than the backend being broken. */
  readonly needsCallerToken: boolean;
  constructor(message: string, opts: { status?: number; needsCallerToken?: boolean } = {}) {
    super(message);
    this.name = "OutgoingAuthError";
    this.status = opts.status;
    this.needsCallerToken = opts.needsCallerToken ?? false;
  }
}

const TOKEN_EXCHANGE_GRANT = "urn:ietf:params:oauth:grant-type:token-exchange";
const TOKEN_TYPE_PREFIX = "urn:ietf:params:oauth:token-type:";

/** `access_token|id_token|jwt` shorthand, as the MCPExternalAuthConfig CRD allows. */
export function normalizeSubjectTokenType(t: string | undefined): string {
  if (!t) return `${TOKEN_TYPE_PREFIX}access_token`;
  return t.startsWith(TOKEN_TYPE_PREFIX) ? t : `${TOKEN_TYPE_PREFIX}${t}`;
}

function secretOf(
  inline: string | undefined,
  envName: string | undefined,
  secrets: ResolvedSecrets,
  field: string,
) {
  if (inline !== undefined) return inline;
  if (envName === undefined) return undefined;
  const v = lookupEnvSecret(secrets, envName);
  if (v === undefined) {
    throw new OutgoingAuthError(
      `${field}: environment variable ${envName} was not resolved when the config was loaded`,
    );
  }
  return v;
}

export function createOutgoingAuth(
  strategy: BackendAuthStrategy | undefined,
  secrets: ResolvedSecrets,
  opts: OutgoingAuthOptions = {},
): OutgoingAuth {
  switch (strategy?.type) {
    case undefined:
    case "unauthenticated":
      return { type: "unauthenticated", headers: async () => ({}) };
    case "header_injection": {
      const hi = strategy.headerInjection!;
      const value = secretOf(hi.headerValue, hi.headerValueEnv, secrets, "headerInjection.headerValueEnv")!;
      registerSecrets([value]);
      const headers = { [hi.headerName.toLowerCase()]: value };
      return { type: "header_injection", headers: async () => ({ ...headers }) };
    }
    case "bearer_token": {
      const bt = strategy.bearerToken!;
      const token = secretOf(bt.token, bt.tokenEnv, secrets, "bearerToken.tokenEnv")!;
      registerSecrets([token]);
      return { type: "bearer_token", headers: async () => ({ authorization: `Bearer ${token}` }) };
    }
    case "token_exchange":
      return tokenExchange(strategy.tokenExchange!, secrets, opts);
  }
}

type TokenExchangeConfig = NonNullable<BackendAuthStrategy["tokenExchange"]>;

const TokenResponseSchema = z.object({
  access_token: z.string().min(1),
  token_type: z.string().optional(),
  expires_in: z.coerce.number().positive().optional(),
  issued_token_type: z.string().optional(),
});
const OAuthErrorSchema = z.object({
  error: z.string().max(4096),
  error_description: z.string().max(65_536).optional(),
});

function tokenExchange(
  cfg: TokenExchangeConfig,
  secrets: ResolvedSecrets,
  opts: OutgoingAuthOptions,
): OutgoingAuth {
  const doFetch = opts.fetch ?? fetch;
  const now = opts.now ?? Date.now;
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const clientSecret = secretOf(
    cfg.clientSecret,
    cfg.clientSecretEnv,
    secrets,
    "tokenExchange.clientSecretEnv",
  );
  const cache = new TokenCache({
    skewMs: opts.skewMs ?? 30_000,
    maxEntries: opts.maxCachedTokens ?? 10_000,
    now,
  });
  const basic =
    cfg.clientId && clientSecret !== undefined
      ? // RFC 6749 §2.3.1: form-urlencode each part before base64.
        Buffer.from(`${encodeURIComponent(cfg.clientId)}:${encodeURIComponent(clientSecret)}`).toString(
          "base64",
        )
      : undefined;
  // A token endpoint may echo what it received; every output masks these from now on.
  registerSecrets([clientSecret, basic]);

  // Requests are shared by concurrent callers (coalesced), so only the timeout can abort them; each
  // caller's own signal just stops its wait (see abortable).
  const request = async (form: URLSearchParams, what: string): Promise<CachedToken> => {
    const headers: Record<string, string> = {
      "content-type": "application/x-www-form-urlencoded",
      accept: "application/json",
    };
    if (basic) {
      headers.authorization = `Basic ${basic}`;
    } else if (cfg.clientId) {
      form.set("client_id", cfg.clientId);
    }
    let res: Response;
    try {
      res = await doFetch(cfg.tokenUrl, {
        method: "POST",
        headers,
        body: form.toString(),
        signal: AbortSignal.timeout(timeoutMs),
        redirect: "error",
      });
    } catch (err) {
      throw new OutgoingAuthError(redact(`${what} at ${cfg.tokenUrl} failed: ${(err as Error).message}`));
    }
    const text = await res.text().catch(() => "");
    if (!res.ok) {
      let detail = "";
      try {
        const e = OAuthErrorSchema.parse(JSON.parse(text));
        const subject = form.get("subject_token") ?? "";
        // Masked before the cut, so no prefix of a credential survives truncation.
        const clean = (s: string, max: number) => redact(subject ? s.replaceAll(subject, MASK) : s, max);
        detail = ` ${clean(e.error, 100)}${e.error_description ? `: ${clean(e.error_description, 200)}` : ""}`;
      } catch {
        // Not an OAuth error body: say nothing more rather than echo arbitrary content.
      }
      throw new OutgoingAuthError(`${what} at ${cfg.tokenUrl} was refused: HTTP ${res.status}${detail}`, {
        status: res.status,
      });
    }
    let body: z.output<typeof TokenResponseSchema>;
    try {
      body = TokenResponseSchema.parse(JSON.parse(text));
    } catch {
      throw new OutgoingAuthError(`${what} at ${cfg.tokenUrl} returned no usable access_token`, {
        status: res.status,
      });
    }
    // No lifetime given: use the token once rather than guess how long it lives.
    const expiresAt = body.expires_in !== undefined ? now() + body.expires_in * 1000 : now();
    return { token: body.access_token, expiresAt };
  };

  const baseForm = (): URLSearchParams => {
    const form = new URLSearchParams();
    if (cfg.audience) form.set("audience", cfg.audience);
    if (cfg.scopes && cfg.scopes.length > 0) form.set("scope", cfg.scopes.join(" "));
    return form;
  };

  return {
    type: "token_exchange",
    async headers(ctx): Promise<Record<string, string>> {
      if (ctx.healthCheck) {
        if (!cfg.clientId || clientSecret === undefined) return {};
        const token = await abortable(
          cache.get("\u0000client_credentials", () => {
            const form = baseForm();
            form.set("grant_type", "client_credentials");
            return request(form, "client_credentials grant");
          }),
          ctx.signal,
        );
        return { authorization: `Bearer ${token}` };
      }
      const subject = ctx.identity?.token;
      if (!subject) {
        throw new OutgoingAuthError(
          "token exchange needs the caller's bearer token, and this request has none",
          {
            needsCallerToken: true,
          },
        );
      }
      // Keyed by the caller's token itself, so a refreshed or different token never reuses another's exchange.
      const key = createHash("sha256").update(subject).digest("hex");
      const callerExp =
        typeof ctx.identity?.claims.exp === "number" ? ctx.identity.claims.exp * 1000 : undefined;
      const token = await abortable(
        cache.get(key, async () => {
          const form = baseForm();
          form.set("grant_type", TOKEN_EXCHANGE_GRANT);
          form.set("subject_token", subject);
          form.set("subject_token_type", normalizeSubjectTokenType(cfg.subjectTokenType));
          form.set("requested_token_type", `${TOKEN_TYPE_PREFIX}access_token`);
          const got = await request(form, "token exchange");
          // Never let the exchanged token outlive the caller's own token in our cache.
          return callerExp !== undefined ? { ...got, expiresAt: Math.min(got.expiresAt, callerExp) } : got;
        }),
        ctx.signal,
      );
      return { authorization: `Bearer ${token}` };
    },
  };
}
