import type { V1PodSecurityContext, V1SecurityContext } from "@kubernetes/client-node";

/** The `restricted` Pod Security Standard for every container the operator builds (fresh objects:
 * a pod template overlay may merge into them). */
export const restrictedContainerSecurity = (): V1SecurityContext => ({
  privileged: false,
  runAsNonRoot: true,
  runAsUser: 1000,
  runAsGroup: 1000,
  allowPrivilegeEscalation: false,
  readOnlyRootFilesystem: true,
  seccompProfile: { type: "RuntimeDefault" },
  capabilities: { drop: ["ALL"] },
});

/** The pod-level half of the same standard; uid/gid 1000 is the images' non-root user. */
export const restrictedPodSecurity = (): V1PodSecurityContext => ({
  runAsNonRoot: true,
  runAsUser: 1000,
  runAsGroup: 1000,
  fsGroup: 1000,
  seccompProfile: { type: "RuntimeDefault" },
});
