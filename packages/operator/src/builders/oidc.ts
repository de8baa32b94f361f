// spec.incomingAuth.oidcConfigRef -> the runtime's incomingAuth.oidc. The provider comes from the
// MCPOIDCConfig; audience, scopes and resource stay on the reference so a token is never valid for
// two servers. The client secret travels as an env var filled from its Secret, the CA bundle as a
// mounted ConfigMap: neither is ever written into the config ConfigMap.
import type { MCPOIDCConfig, OidcConfig, OidcConfigRef } from "@vmcp/shared-types";
import { configHash } from "../kit/hash.ts";
import type { ConditionInput } from "./conditions.ts";
import type { CaBundleMount, SecretEnv } from "./deployment.ts";
import { caBundlePath } from "./names.ts";

export const OIDC_CLIENT_SECRET_ENV = "VMCP_OIDC_CLIENT_SECRET";

export type OidcOutcome =
  | {
      ok: true;
      oidc: OidcConfig;
      secretEnv: SecretEnv[];
      caBundles: CaBundleMount[];
      /** Hash of the MCPOIDCConfig's spec, as its own status.configHash: published in status.oidcConfigHash. */
      hash: string;
      conditions: ConditionInput[];
    }
  | { ok: false; reason: string; message: string; conditions: ConditionInput[] };

/** Settings of an MCPOIDCConfig this gateway cannot serve; each names the unsupported feature. */
export function unsupportedOidcFeatures(spec: MCPOIDCConfig["spec"]): string[] {
  const out: string[] = [];
  if (spec.type === "kubernetesServiceAccount")
    out.push(
      "type kubernetesServiceAccount is not implemented by this gateway (it has no service-account token for the API server's JWKS); use type inline",
    );
  if (spec.inline?.introspectionUrl !== undefined)
    out.push(
      "inline.introspectionUrl is not implemented by this gateway: only JWT access tokens are validated",
    );
  if (spec.kubernetesServiceAccount?.introspectionUrl !== undefined)
    out.push("kubernetesServiceAccount.introspectionUrl is not implemented by this gateway");
  if (spec.inline?.jwksAuthTokenPath !== undefined)
    out.push(
      "inline.jwksAuthTokenPath is not implemented by this gateway: JWKS is fetched without credentials",
    );
  return out;
}

/** The directory name of the OIDC CA bundle under the CA bundle root. */
export const oidcCaBundleDir = (configName: string): string => `oidc-${configName}`;

export function resolveOidc(
  ref: OidcConfigRef | undefined,
  oidcConfigs: ReadonlyMap<string, MCPOIDCConfig>,
): OidcOutcome {
  const conditions: ConditionInput[] = [];
  const fail = (reason: string, message: string): OidcOutcome => {
    conditions.push({ type: "OIDCConfigRefValidated", status: "False", reason, message });
    conditions.push({ type: "AuthConfigured", status: "False", reason: "AuthInvalid", message });
    return { ok: false, reason: "AuthInvalid", message, conditions };
  };
  if (!ref)
    return fail("OIDCConfigRefNotFound", "spec.incomingAuth.oidcConfigRef is required when type is oidc");
  const cfg = oidcConfigs.get(ref.name);
  if (!cfg) return fail("OIDCConfigRefNotFound", `Referenced MCPOIDCConfig ${ref.name} not found`);
  const unsupported = unsupportedOidcFeatures(cfg.spec);
  const inline = cfg.spec.inline;
  if (unsupported.length > 0 || !inline)
    return fail(
      "OIDCConfigRefNotValid",
      `MCPOIDCConfig ${ref.name} is not valid: ${unsupported.join("; ") || "inline is required"}`,
    );

  const oidc: OidcConfig = { issuer: inline.issuer, audience: ref.audience };
  if (inline.jwksUrl) oidc.jwksUrl = inline.jwksUrl;
  if (inline.clientId) oidc.clientId = inline.clientId;
  if (ref.scopes && ref.scopes.length > 0) oidc.scopes = [...ref.scopes];
  if (ref.resourceUrl) oidc.resource = ref.resourceUrl;
  if (inline.jwksAllowPrivateIP) oidc.jwksAllowPrivateIp = true;
  if (inline.protectedResourceAllowPrivateIP) oidc.protectedResourceAllowPrivateIp = true;
  if (inline.insecureAllowHTTP) oidc.insecureAllowHttp = true;
  const secretEnv: SecretEnv[] = [];
  if (inline.clientSecretRef) {
    oidc.clientSecretEnv = OIDC_CLIENT_SECRET_ENV;
    secretEnv.push({
      env: OIDC_CLIENT_SECRET_ENV,
      secretName: inline.clientSecretRef.name,
      key: inline.clientSecretRef.key,
    });
  }
  const caBundles: CaBundleMount[] = [];
  const ca = inline.caBundleRef?.configMapRef;
  if (ca) {
    const dir = oidcCaBundleDir(ref.name);
    caBundles.push({ entry: dir, configMap: ca.name, key: ca.key });
    oidc.caBundlePath = caBundlePath(dir, ca.key);
  }
  conditions.push({
    type: "OIDCConfigRefValidated",
    status: "True",
    reason: "OIDCConfigRefValid",
    message: `MCPOIDCConfig ${ref.name} is valid`,
  });
  return { ok: true, oidc, secretEnv, caBundles, hash: configHash(cfg.spec), conditions };
}
