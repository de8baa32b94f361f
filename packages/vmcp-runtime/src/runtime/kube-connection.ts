import type { KubeConnection } from "@vmcp/kube-kit/connection";
import { inClusterConnection, inClusterFromEnv, SERVICE_ACCOUNT_DIR } from "@vmcp/kube-kit/in-cluster";
import { loadKubeconfig } from "@vmcp/kube-kit/kubeconfig";

// How Kubernetes mode reaches the API server. client-node is about a third of the code a
// Kubernetes-mode start would compile, and only its kubeconfig parsing would be used, so neither
// common case loads it. In a pod (no KUBECONFIG, KUBERNETES_SERVICE_HOST and _PORT set) the
// connection is built from the ServiceAccount files alone. A kubeconfig file (development, the
// benches) is read by kube-kit's own reader; only a current context that needs a plugin (exec,
// auth-provider, proxy-url) loads client-node, on demand.

/** `VMCP_SERVICE_ACCOUNT_DIR` moves the token and CA files (benches and tests outside a pod). */
export async function connectToKubernetes(env: NodeJS.ProcessEnv): Promise<KubeConnection> {
  const service = env.KUBECONFIG ? undefined : inClusterFromEnv(env);
  if (service) {
    const dir = env.VMCP_SERVICE_ACCOUNT_DIR || SERVICE_ACCOUNT_DIR;
    return inClusterConnection({ ...service, tokenFile: `${dir}/token`, caFile: `${dir}/ca.crt` });
  }
  const found = loadKubeconfig(env);
  if (found.supported) return found.connection;
  const { kubeConfigFromDocument } = await import("./kubeconfig-file.ts");
  return kubeConfigFromDocument(found.document);
}
