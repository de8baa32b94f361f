import type { KubeConnection } from "@vmcp/kube-kit/connection";
import { kubeRequest } from "@vmcp/kube-kit/http";
import { expect } from "vitest";

/** Who the API server says sent the request (SelfSubjectReview: any authenticated user may ask). */
export async function whoami(kc: KubeConnection): Promise<string | undefined> {
  const r = await kubeRequest<{ status?: { userInfo?: { username?: string } } }>(kc, {
    method: "POST",
    path: "/apis/authentication.k8s.io/v1/selfsubjectreviews",
    body: { apiVersion: "authentication.k8s.io/v1", kind: "SelfSubjectReview" },
  });
  return r.status?.userInfo?.username;
}

/** The connection is a ServiceAccount of `namespace` held to the runtime's Role: it reads its own
 * VirtualMCPServer and is refused the Secrets of kube-system. */
export async function expectRuntimeIdentity(
  kc: KubeConnection,
  namespace: string,
  vmcp: string,
): Promise<void> {
  expect(await whoami(kc)).toMatch(new RegExp(`^system:serviceaccount:${namespace}:`));
  const own = await kubeRequest<{ metadata: { name: string } }>(kc, {
    method: "GET",
    path: `/apis/toolhive.stacklok.dev/v1beta1/namespaces/${namespace}/virtualmcpservers/${vmcp}`,
  });
  expect(own.metadata.name).toBe(vmcp);
  await expect(
    kubeRequest(kc, { method: "GET", path: "/api/v1/namespaces/kube-system/secrets" }),
  ).rejects.toThrow(/^403 Forbidden/);
}
