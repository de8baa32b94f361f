import { readFileSync } from "node:fs";
import { homedir } from "node:os";
import { delimiter } from "node:path";
import type { KubeConnection, KubeRequestOptions } from "./connection.ts";
import {
  KubeconfigError,
  kubeconfigPaths,
  mergedDocument,
  mergeKubeconfigs,
  type ParsedKubeconfig,
  parseKubeconfig,
  planCurrentContext,
  type Source,
  type StaticPlan,
} from "./kubeconfig-merge.ts";
import { tokenFileReader } from "./token-file.ts";

// A kubeconfig file read without client-node, as in-cluster.ts does for a pod: client-node is a
// large part of what a Kubernetes-mode start compiles, and its kubeconfig parsing would be all of
// it that is used. What needs a plugin (exec, auth-provider, a proxy) is left to client-node.

export { KubeconfigError } from "./kubeconfig-merge.ts";

export interface KubeconfigOptions {
  tokenRefreshMs?: number;
  /** Tests: the clock a token file's age is measured with. */
  now?: () => number;
}

export type KubeconfigResult =
  | { supported: true; connection: KubeConnection; context: string; files: string[] }
  /** The merged kubeconfig as one document (paths absolute), for client-node to load instead. */
  | { supported: false; reason: string; document: Record<string, unknown>; files: string[] };

function readKubeconfigFile(file: string): ParsedKubeconfig | undefined {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    // kubectl skips a listed file that does not exist; one it cannot read is an error.
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw new KubeconfigError(`kubeconfig ${file}: cannot read it: ${(err as Error).message}`, {
      cause: err,
    });
  }
  return parseKubeconfig(text, file);
}

function bytes(s: Source, field: string, where: string): Buffer {
  if ("data" in s) return s.data;
  try {
    return readFileSync(s.file);
  } catch (err) {
    throw new KubeconfigError(
      `kubeconfig ${where}: cannot read ${field} ${s.file}: ${(err as Error).message}`,
      { cause: err },
    );
  }
}

/** The connection a static plan describes; every referenced file but the token file is read here, once. */
export function connectionFromPlan(p: StaticPlan, o: KubeconfigOptions = {}): KubeConnection {
  const clusterWhere = `${p.clusterFile}: cluster of context "${p.context}"`;
  const userWhere = `${p.userFile}: user of context "${p.context}"`;
  const ca = p.ca && bytes(p.ca, "certificate-authority", clusterWhere);
  const cert = p.clientCert && bytes(p.clientCert, "client-certificate", userWhere);
  const key = p.clientKey && bytes(p.clientKey, "client-key", userWhere);
  const bearer = p.tokenFile
    ? tokenFileReader({
        file: p.tokenFile,
        what: "tokenFile",
        refreshMs: o.tokenRefreshMs,
        now: o.now,
        fail: (problem, cause) => new KubeconfigError(`kubeconfig ${userWhere}: ${problem}`, { cause }),
      })
    : p.token
      ? async () => p.token
      : undefined;
  const basic =
    p.basic && `Basic ${Buffer.from(`${p.basic.username}:${p.basic.password}`).toString("base64")}`;
  const cluster = { server: p.server };
  return {
    getCurrentCluster: () => cluster,
    async applyToHTTPSOptions(opts: KubeRequestOptions) {
      if (ca) opts.ca = ca;
      if (cert) opts.cert = cert;
      if (key) opts.key = key;
      if (p.insecureSkipTlsVerify) opts.rejectUnauthorized = false;
      if (p.tlsServerName) opts.servername = p.tlsServerName;
      const authorization = bearer ? `Bearer ${await bearer()}` : basic;
      if (authorization) opts.headers = { ...opts.headers, Authorization: authorization };
    },
  };
}

/**
 * The API server connection of the kubeconfig kubectl would use: the files of KUBECONFIG (missing
 * ones skipped) merged, else $HOME/.kube/config. `supported: false` when the current context needs
 * what only client-node does (exec, auth-provider, proxy-url): the caller hands `document` to it.
 * A malformed file, a missing context, cluster or user, or an unreadable referenced file is a
 * KubeconfigError naming the file and the field.
 */
export function loadKubeconfig(env: NodeJS.ProcessEnv, o: KubeconfigOptions = {}): KubeconfigResult {
  const paths = kubeconfigPaths(env.KUBECONFIG, env.HOME || homedir(), delimiter);
  const parsed = paths.map(readKubeconfigFile).filter((p) => p !== undefined);
  if (parsed.length === 0)
    throw new KubeconfigError(
      env.KUBECONFIG
        ? `kubeconfig: none of the files in KUBECONFIG exists: ${paths.join(", ")}`
        : `kubeconfig: KUBECONFIG is not set and ${paths[0]} does not exist`,
    );
  const merged = mergeKubeconfigs(parsed);
  const plan = planCurrentContext(merged);
  if (!plan.static)
    return { supported: false, reason: plan.reason, document: mergedDocument(merged), files: merged.files };
  return {
    supported: true,
    connection: connectionFromPlan(plan.plan, o),
    context: plan.plan.context,
    files: merged.files,
  };
}
