// The sample world on a real node, shared by the node e2e suite and `make demo`: the project's
// images, the node, the chart (operator pod) in a restricted namespace, and the sample backends as
// pods; plus the reads both make of it (Ready pods, Lease holders, the gateway's ClusterIP).
import { CoordinationV1Api, CoreV1Api, type KubeConfig } from "@kubernetes/client-node";
import { type Cluster, startCluster } from "../../packages/testenv/src/cluster.ts";
import { type BuiltImage, buildProjectImages, type ImageName } from "../../packages/testenv/src/images.ts";
import { RELEASE_NAMESPACE } from "../harness/chart.ts";
import { ensureHelm } from "../harness/helm.ts";
import { apply, waitFor } from "../harness/kube.ts";
import { VMCP_NAME } from "../harness/samples.ts";
import { applyInClusterSamples, helmInstall, restrictedNamespace } from "./in-cluster.ts";

export type NodeWorld = {
  cluster: Cluster;
  kc: KubeConfig;
  images: Record<ImageName, BuiltImage>;
  helm: string;
};

/**
 * Builds (or finds cached) the images, starts the node with them, installs the chart and applies
 * the sample backends and VirtualMCPServer into `namespace`. Each phase is timed through `phase`.
 * On failure the node is stopped before the error propagates.
 */
export async function startNodeWorld(o: {
  namespace: string;
  log: (line: string) => void;
  phase: <T>(name: string, fn: () => Promise<T>) => Promise<T>;
}): Promise<NodeWorld> {
  const images = await o.phase("images (build, or cached by content hash)", () =>
    buildProjectImages({ log: o.log }),
  );
  const helm = await ensureHelm({ log: o.log });
  const cluster = await o.phase("node start", () =>
    startCluster({
      log: o.log,
      images: Object.fromEntries(Object.values(images).map((i) => [i.ref, i.archive])),
    }),
  );
  try {
    const kc = cluster.kubeConfig();
    for (const ns of [RELEASE_NAMESPACE, o.namespace]) await apply(kc, restrictedNamespace(ns));
    await o.phase("helm install (operator pod Ready)", async () =>
      helmInstall({
        helm,
        kubeconfigPath: cluster.kubeconfigPath,
        operatorImage: images.operator,
        runtimeImage: images.runtime,
      }),
    );
    await applyInClusterSamples(kc, o.namespace, images.sampleBackend.ref);
    return { cluster, kc, images, helm };
  } catch (e) {
    await cluster.stop();
    throw e;
  }
}

/** Running, Ready pods of a label selector. */
export async function readyPods(kc: KubeConfig, ns: string, selector: string) {
  const pods = await kc
    .makeApiClient(CoreV1Api)
    .listNamespacedPod({ namespace: ns, labelSelector: selector });
  return pods.items.filter(
    (p) =>
      !p.metadata?.deletionTimestamp &&
      p.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True"),
  );
}

export async function leaseHolder(kc: KubeConfig, ns: string, name: string): Promise<string | undefined> {
  try {
    return (await kc.makeApiClient(CoordinationV1Api).readNamespacedLease({ name, namespace: ns })).spec
      ?.holderIdentity;
  } catch {
    return undefined;
  }
}

/** The gateway's ClusterIP base URL, once kube-proxy routes it (it programs endpoints a moment after Ready). */
export async function gatewayBaseUrl(kc: KubeConfig, ns: string, vmcp = VMCP_NAME): Promise<string> {
  const svc = await kc
    .makeApiClient(CoreV1Api)
    .readNamespacedService({ name: `vmcp-${vmcp}`, namespace: ns });
  const base = `http://${svc.spec?.clusterIP}:4483`;
  await waitFor(
    `${base}/health through kube-proxy`,
    async () => (await fetch(`${base}/health`)).ok,
    30_000,
    250,
  );
  return base;
}
