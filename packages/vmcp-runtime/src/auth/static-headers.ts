// A backend's fixed headers (config `backends[].headers`, what an MCPRemoteProxy's headerForward
// becomes) layered under its outgoing auth. The auth strategy's headers win over a fixed header
// of the same name: credentials are the strategy's job.
import type { BackendHeader } from "@vmcp/shared-types";
import { lookupEnvSecret, type ResolvedSecrets } from "../config/secrets.ts";
import { type OutgoingAuth, OutgoingAuthError } from "./outgoing.ts";

/** Header name (lower case) -> value; env-sourced values were read and checked at load time. */
export function resolveStaticHeaders(
  headers: readonly BackendHeader[] | undefined,
  secrets: ResolvedSecrets,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const h of headers ?? []) {
    const value = h.value ?? (h.valueEnv !== undefined ? lookupEnvSecret(secrets, h.valueEnv) : undefined);
    if (value === undefined) {
      throw new OutgoingAuthError(
        `header ${h.name}: environment variable ${h.valueEnv} was not resolved when the config was loaded`,
      );
    }
    out[h.name.toLowerCase()] = value;
  }
  return out;
}

export function withStaticHeaders(auth: OutgoingAuth, fixed: Record<string, string>): OutgoingAuth {
  if (Object.keys(fixed).length === 0) return auth;
  // A distinct type, so the session does not take its no-header fast path for this backend.
  const type = auth.type === "unauthenticated" ? "static_headers" : auth.type;
  return {
    type,
    headers: async (ctx) => ({ ...fixed, ...(await auth.headers(ctx)) }),
  };
}
