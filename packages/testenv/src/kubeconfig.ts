import { stringify } from "yaml";

export type KubeconfigInput = {
  server: string;
  caPem: string;
  user: string;
  clientCertPem?: string;
  clientKeyPem?: string;
  token?: string;
  context?: string;
};

const b64 = (s: string) => Buffer.from(s, "utf8").toString("base64");

/** A self-contained kubeconfig (all cert data inline) usable by kubectl and @kubernetes/client-node. */
export function renderKubeconfig(k: KubeconfigInput): string {
  const context = k.context ?? "vmcp-testenv";
  const user: Record<string, string> = {};
  if (k.clientCertPem) user["client-certificate-data"] = b64(k.clientCertPem);
  if (k.clientKeyPem) user["client-key-data"] = b64(k.clientKeyPem);
  if (k.token) user.token = k.token;
  return stringify({
    apiVersion: "v1",
    kind: "Config",
    clusters: [{ name: context, cluster: { server: k.server, "certificate-authority-data": b64(k.caPem) } }],
    users: [{ name: k.user, user }],
    contexts: [{ name: context, context: { cluster: context, user: k.user } }],
    "current-context": context,
    preferences: {},
  });
}
