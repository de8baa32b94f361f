import type { KubeConnection } from "@vmcp/kube-kit/connection";
import { kubeRequest } from "@vmcp/kube-kit/http";

/** Who the API server says sent the request (SelfSubjectReview: any authenticated user may ask). */
export async function whoami(kc: KubeConnection): Promise<string | undefined> {
  const r = await kubeRequest<{ status?: { userInfo?: { username?: string } } }>(kc, {
    method: "POST",
    path: "/apis/authentication.k8s.io/v1/selfsubjectreviews",
    body: { apiVersion: "authentication.k8s.io/v1", kind: "SelfSubjectReview" },
  });
  return r.status?.userInfo?.username;
}
