import type https from "node:https";

/**
 * What the kit needs to reach an API server: its URL and the request options that authenticate
 * (CA, client certificate, bearer token). A client-node `KubeConfig` is one (a kubeconfig file);
 * `inClusterConnection` (in-cluster.ts) is the other, built from a pod's ServiceAccount files
 * without loading client-node at all.
 */
export interface KubeConnection {
  getCurrentCluster(): { readonly server: string } | null;
  /** Called before every request: a rotated credential is picked up here. */
  applyToHTTPSOptions(opts: https.RequestOptions): Promise<void>;
}
