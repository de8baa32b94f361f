// How a Secret's value reaches the runtime: an env var filled from a Secret key by the
// Deployment (secretKeyRef), never a value in the ConfigMap. The operator writes these env vars;
// the runtime reads the same names, so both take them from here.

/** An env var whose value comes from a Secret key (never from the ConfigMap). */
export interface SecretEnv {
  env: string;
  secretName: string;
  key: string;
}

/** Upper-cases and replaces anything outside [A-Z0-9_] so a config name can suffix an env var. */
export function envSuffix(name: string): string {
  return name.toUpperCase().replace(/[^A-Z0-9_]/g, "_");
}

export const headerInjectionEnv = (cfg: string): string =>
  `TOOLHIVE_HEADER_INJECTION_VALUE_${envSuffix(cfg)}`;
export const tokenExchangeSecretEnv = (cfg: string): string =>
  `TOOLHIVE_TOKEN_EXCHANGE_CLIENT_SECRET_${envSuffix(cfg)}`;
export const bearerTokenEnv = (cfg: string): string => `TOOLHIVE_BEARER_TOKEN_${envSuffix(cfg)}`;
/** A proxy's header from a Secret (headerForward.addHeadersFromSecret), by header name. */
export const headerForwardEnv = (header: string): string => `VMCP_HEADER_FORWARD_${envSuffix(header)}`;
