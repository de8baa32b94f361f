import { readFileSync } from "node:fs";
import { join } from "node:path";
import { createSecureContext, type SecureContext } from "node:tls";
import type { KubeConnection, KubeRequestOptions } from "./connection.ts";
import { tokenFileReader } from "./token-file.ts";

/** Where the kubelet mounts a pod's ServiceAccount token, CA and namespace. */
export const SERVICE_ACCOUNT_DIR = "/var/run/secrets/kubernetes.io/serviceaccount";

export interface InClusterOptions {
  host: string;
  port: string;
  /** Defaults to SERVICE_ACCOUNT_DIR/token and SERVICE_ACCOUNT_DIR/ca.crt. */
  tokenFile?: string;
  caFile?: string;
  tokenRefreshMs?: number;
  /** Tests: the clock the token's age is measured with. */
  now?: () => number;
}

export class InClusterConfigError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "InClusterConfigError";
  }
}

function readOnce(what: string, file: string): string {
  try {
    return readFileSync(file, "utf8");
  } catch (err) {
    throw new InClusterConfigError(
      `in-cluster Kubernetes config: cannot read the ServiceAccount ${what} ${file}: ${(err as Error).message}`,
      { cause: err },
    );
  }
}

/** A TLS context trusting only the given CA bundle. Checked here, at start: a CA that is not
 * PEM would otherwise be found only by the first request to the API server. */
function trustOnly(ca: string, file: string): SecureContext {
  const notPem = (detail: string, cause?: unknown) =>
    new InClusterConfigError(
      `in-cluster Kubernetes config: the ServiceAccount CA ${file} is not a PEM certificate${detail}`,
      { cause },
    );
  // OpenSSL skips text that holds no certificate at all instead of failing.
  if (!ca.includes("-----BEGIN CERTIFICATE-----")) throw notPem("");
  try {
    return createSecureContext({ ca });
  } catch (err) {
    throw notPem(`: ${(err as Error).message}`, err);
  }
}

/** The environment of a pod: KUBERNETES_SERVICE_HOST/PORT set by the kubelet. */
export function inClusterFromEnv(env: NodeJS.ProcessEnv): { host: string; port: string } | undefined {
  const host = env.KUBERNETES_SERVICE_HOST;
  const port = env.KUBERNETES_SERVICE_PORT;
  return host && port ? { host, port } : undefined;
}

/**
 * The API server connection of a pod, as client-go's rest.InClusterConfig builds it: the
 * service's host and port, the CA file read once, the bearer token re-read from its file once
 * it is a minute old (the kubelet rotates it in place). A missing or empty file is an
 * `InClusterConfigError` naming it, at construction and on a later re-read alike.
 */
export function inClusterConnection(o: InClusterOptions): KubeConnection {
  const tokenFile = o.tokenFile ?? join(SERVICE_ACCOUNT_DIR, "token");
  const caFile = o.caFile ?? join(SERVICE_ACCOUNT_DIR, "ca.crt");
  // One TLS context for every connection: with `ca` in each request's options Node would parse
  // the CA into a new context per connection (every watch holds one).
  const secureContext = trustOnly(readOnce("CA", caFile), caFile);
  const token = tokenFileReader({
    file: tokenFile,
    what: "the ServiceAccount token",
    refreshMs: o.tokenRefreshMs,
    now: o.now,
    fail: (problem, cause) => new InClusterConfigError(`in-cluster Kubernetes config: ${problem}`, { cause }),
  });
  const host = o.host.includes(":") ? `[${o.host}]` : o.host;
  const cluster = { server: `https://${host}:${o.port}` };
  return {
    getCurrentCluster: () => cluster,
    async applyToHTTPSOptions(opts: KubeRequestOptions) {
      const bearer = await token();
      opts.secureContext = secureContext;
      opts.headers = { ...opts.headers, Authorization: `Bearer ${bearer}` };
    },
  };
}
