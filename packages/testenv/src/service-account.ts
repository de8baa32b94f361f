import { CoreV1Api, KubeConfig } from "@kubernetes/client-node";
import { z } from "zod";

const TokenResponseSchema = z.object({ status: z.object({ token: z.string().min(1) }) });

/**
 * A KubeConfig that authenticates as ServiceAccount `serviceAccount` in `namespace`, with a bearer
 * token from the TokenRequest API (the ServiceAccount must exist; nothing else is created). Same
 * cluster/CA as `admin`, so RBAC applies exactly as it would to a pod using that ServiceAccount.
 */
export async function serviceAccountKubeConfig(
  admin: KubeConfig,
  namespace: string,
  serviceAccount: string,
  opts: { expirationSeconds?: number } = {},
): Promise<KubeConfig> {
  const cluster = admin.getCurrentCluster();
  if (!cluster) throw new Error("admin KubeConfig has no current cluster");
  // The apiserver refuses TokenRequests shorter than 10 minutes.
  const expirationSeconds = Math.max(600, opts.expirationSeconds ?? 3600);
  const response = await admin.makeApiClient(CoreV1Api).createNamespacedServiceAccountToken({
    name: serviceAccount,
    namespace,
    body: { spec: { audiences: [], expirationSeconds } },
  });
  const { token } = TokenResponseSchema.parse(response).status;
  const user = `system:serviceaccount:${namespace}:${serviceAccount}`;
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [cluster],
    users: [{ name: user, token }],
    contexts: [{ name: user, cluster: cluster.name, user }],
    currentContext: user,
  });
  return kc;
}
