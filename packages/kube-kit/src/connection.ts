import type https from "node:https";
import type tls from "node:tls";

/**
 * What the kit needs to reach an API server: its URL and the request options that authenticate
 * (CA, client certificate, bearer token). A client-node `KubeConfig` is one (a kubeconfig file);
 * `inClusterConnection` (in-cluster.ts) is the other, built from a pod's ServiceAccount files
 * without loading client-node at all.
 */
/** A request's options; `secureContext` (which node:https passes on to tls.connect) lets a
 * connection build its TLS context once instead of once per socket. */
export type KubeRequestOptions = https.RequestOptions & { secureContext?: tls.SecureContext };

export interface KubeConnection {
  getCurrentCluster(): { readonly server: string } | null;
  /** Called before every request: a rotated credential is picked up here. */
  applyToHTTPSOptions(opts: KubeRequestOptions): Promise<void>;
}
