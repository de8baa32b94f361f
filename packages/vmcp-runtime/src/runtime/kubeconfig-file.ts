import { KubeConfig } from "@kubernetes/client-node";

// The only runtime module of Kubernetes mode that loads client-node: imported when there is a
// kubeconfig file to parse (KUBECONFIG, ~/.kube/config), never in a pod.

export function loadKubeConfig(): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromDefault();
  return kc;
}
