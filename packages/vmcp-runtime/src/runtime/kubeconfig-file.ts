import { KubeConfig } from "@kubernetes/client-node";

// The only runtime module of Kubernetes mode that loads client-node: imported only when the
// kubeconfig's current context needs what kube-kit's reader leaves to it (exec, auth-provider,
// proxy-url), never in a pod. It loads the document kube-kit already merged, so which files count
// and which entry wins stay the same as on the path without client-node.

export function kubeConfigFromDocument(document: Record<string, unknown>): KubeConfig {
  const kc = new KubeConfig();
  // JSON is YAML: client-node parses it as it would the file.
  kc.loadFromString(JSON.stringify(document));
  return kc;
}
