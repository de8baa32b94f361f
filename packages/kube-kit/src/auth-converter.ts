// MCPExternalAuthConfig -> runtime strategy. Secrets never enter the config:
// the strategy names an env var and the Deployment fills it from the Secret (secretKeyRef).
import type { BackendAuthStrategy, MCPExternalAuthConfig } from "@vmcp/shared-types";
import { bearerTokenEnv, headerInjectionEnv, type SecretEnv, tokenExchangeSecretEnv } from "./secret-env.ts";

export type ConversionResult =
  | { ok: true; strategy: BackendAuthStrategy; secretEnv: SecretEnv[]; secretNames: string[] }
  | { ok: false; reason: string; message: string };

const TOKEN_TYPE_URN: Record<string, string> = {
  access_token: "urn:ietf:params:oauth:token-type:access_token",
  id_token: "urn:ietf:params:oauth:token-type:id_token",
  jwt: "urn:ietf:params:oauth:token-type:jwt",
};

function falseValid(cfg: MCPExternalAuthConfig): { reason: string; message: string } | undefined {
  const valid = cfg.status?.conditions?.find((c) => c.type === "Valid");
  if (valid && valid.status === "False") {
    return {
      reason: valid.reason || "ConversionFailed",
      message: valid.message || "auth config is not valid",
    };
  }
  return undefined;
}

/** Converts one config; `cfg` undefined means the reference does not resolve. */
export function convertExternalAuth(name: string, cfg: MCPExternalAuthConfig | undefined): ConversionResult {
  if (!cfg)
    return { ok: false, reason: "ConversionFailed", message: `MCPExternalAuthConfig ${name} not found` };
  const invalid = falseValid(cfg);
  if (invalid) return { ok: false, ...invalid };
  const spec = cfg.spec;
  switch (spec.type) {
    case "unauthenticated":
      return { ok: true, strategy: { type: "unauthenticated" }, secretEnv: [], secretNames: [] };
    case "headerInjection": {
      const h = spec.headerInjection;
      if (!h)
        return { ok: false, reason: "ConversionFailed", message: `${name}: headerInjection is not set` };
      const env = headerInjectionEnv(name);
      return {
        ok: true,
        strategy: {
          type: "header_injection",
          headerInjection: { headerName: h.headerName, headerValueEnv: env },
        },
        secretEnv: [{ env, secretName: h.valueSecretRef.name, key: h.valueSecretRef.key }],
        secretNames: [h.valueSecretRef.name],
      };
    }
    case "bearerToken": {
      const b = spec.bearerToken;
      if (!b) return { ok: false, reason: "ConversionFailed", message: `${name}: bearerToken is not set` };
      const env = bearerTokenEnv(name);
      return {
        ok: true,
        strategy: { type: "bearer_token", bearerToken: { tokenEnv: env } },
        secretEnv: [{ env, secretName: b.tokenSecretRef.name, key: b.tokenSecretRef.key }],
        secretNames: [b.tokenSecretRef.name],
      };
    }
    case "tokenExchange": {
      const t = spec.tokenExchange;
      if (!t) return { ok: false, reason: "ConversionFailed", message: `${name}: tokenExchange is not set` };
      const strategy: BackendAuthStrategy = {
        type: "token_exchange",
        tokenExchange: { tokenUrl: t.tokenUrl },
      };
      const te = strategy.tokenExchange!;
      if (t.clientId) te.clientId = t.clientId;
      if (t.audience) te.audience = t.audience;
      if (t.scopes && t.scopes.length > 0) te.scopes = [...t.scopes];
      if (t.subjectTokenType) te.subjectTokenType = TOKEN_TYPE_URN[t.subjectTokenType] ?? t.subjectTokenType;
      const secretEnv: SecretEnv[] = [];
      const secretNames: string[] = [];
      if (t.clientSecretRef) {
        const env = tokenExchangeSecretEnv(name);
        te.clientSecretEnv = env;
        secretEnv.push({ env, secretName: t.clientSecretRef.name, key: t.clientSecretRef.key });
        secretNames.push(t.clientSecretRef.name);
      }
      return { ok: true, strategy, secretEnv, secretNames };
    }
    default:
      return {
        ok: false,
        reason: "ConversionFailed",
        message: `${name}: unsupported auth type ${String((spec as { type: unknown }).type)}`,
      };
  }
}
