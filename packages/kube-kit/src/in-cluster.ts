import { readFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import type https from "node:https";
import { join } from "node:path";
import type { KubeConnection } from "./connection.ts";

/** Where the kubelet mounts a pod's ServiceAccount token, CA and namespace. */
export const SERVICE_ACCOUNT_DIR = "/var/run/secrets/kubernetes.io/serviceaccount";

/** client-go re-reads the token file once a minute: the kubelet rotates a projected token well
 * before it expires (at 80 % of its lifetime), so a minute-old copy is always still valid. */
const TOKEN_REFRESH_MS = 60_000;

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

function tokenOf(text: string, file: string): string {
  const token = text.trim();
  if (!token)
    throw new InClusterConfigError(`in-cluster Kubernetes config: the ServiceAccount token ${file} is empty`);
  return token;
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
  const refreshMs = o.tokenRefreshMs ?? TOKEN_REFRESH_MS;
  const now = o.now ?? Date.now;
  const ca = readOnce("CA", caFile);
  let token = tokenOf(readOnce("token", tokenFile), tokenFile);
  let readAt = now();
  let reading: Promise<string> | undefined;
  const host = o.host.includes(":") ? `[${o.host}]` : o.host;
  const cluster = { server: `https://${host}:${o.port}` };

  async function currentToken(): Promise<string> {
    if (now() - readAt < refreshMs) return token;
    // Concurrent requests share one read.
    reading ??= readFile(tokenFile, "utf8")
      .then(
        (text) => {
          token = tokenOf(text, tokenFile);
          readAt = now();
          return token;
        },
        (err: unknown) => {
          throw new InClusterConfigError(
            `in-cluster Kubernetes config: cannot read the ServiceAccount token ${tokenFile}: ${(err as Error).message}`,
            { cause: err },
          );
        },
      )
      .finally(() => {
        reading = undefined;
      });
    return await reading;
  }

  return {
    getCurrentCluster: () => cluster,
    async applyToHTTPSOptions(opts: https.RequestOptions) {
      const bearer = await currentToken();
      opts.ca = ca;
      opts.headers = { ...opts.headers, Authorization: `Bearer ${bearer}` };
    },
  };
}
