// Why the runtime's pods cannot start because of their image: the kubelet says so only in each
// pod's container statuses, never in the Deployment's, so without this a wrong image tag reads as
// an endless "Waiting for an available vmcp replica".

interface ContainerStatusLike {
  image: string;
  state?: { waiting?: { reason?: string | undefined; message?: string | undefined } | undefined } | undefined;
}

/** What a pod (a client V1Pod or the operator's slim cache view) tells about its containers. */
export interface PodLike {
  metadata?: { deletionTimestamp?: string | Date | undefined } | undefined;
  status?:
    | {
        initContainerStatuses?: readonly ContainerStatusLike[] | undefined;
        containerStatuses?: readonly ContainerStatusLike[] | undefined;
      }
    | undefined;
}

/** Waiting reasons the kubelet sets when it cannot get a container's image. */
export const IMAGE_PULL_REASONS = [
  "ErrImageNeverPull",
  "ErrImagePull",
  "ImagePullBackOff",
  "InvalidImageName",
] as const;

export interface ImagePullProblem {
  image: string;
  reason: string;
  /** The kubelet's message, bounded: it can quote a registry's whole error body. */
  message: string;
}

const MAX_MESSAGE = 300;

/** The first container (init containers included) of these pods stuck on its image, if any. */
export function imagePullProblem(pods: readonly PodLike[]): ImagePullProblem | undefined {
  const reasons: readonly string[] = IMAGE_PULL_REASONS;
  for (const pod of pods) {
    if (pod.metadata?.deletionTimestamp) continue;
    const statuses = [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])];
    for (const s of statuses) {
      const waiting = s.state?.waiting;
      if (!waiting?.reason || !reasons.includes(waiting.reason)) continue;
      const message = (waiting.message ?? "").slice(0, MAX_MESSAGE);
      return { image: s.image, reason: waiting.reason, message };
    }
  }
  return undefined;
}
