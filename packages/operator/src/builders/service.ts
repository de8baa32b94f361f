import type { V1Service } from "@kubernetes/client-node";
import { serviceName, VMCP_PORT, workloadLabels } from "./names.ts";
import { controllerRef, type OwnerInfo } from "./owner.ts";

export interface ServiceInput {
  owner: OwnerInfo;
  namespace: string;
  serviceType?: "ClusterIP" | "NodePort" | "LoadBalancer";
  sessionAffinity?: "ClientIP" | "None";
}

/** Service `vmcp-<name>`. clusterIP and nodePorts are left to the API server (never owned by us). */
export function buildService(input: ServiceInput): V1Service {
  const labels = workloadLabels(input.owner.name);
  return {
    apiVersion: "v1",
    kind: "Service",
    metadata: {
      name: serviceName(input.owner.name),
      namespace: input.namespace,
      labels,
      ownerReferences: [controllerRef(input.owner)],
    },
    spec: {
      type: input.serviceType ?? "ClusterIP",
      sessionAffinity: input.sessionAffinity ?? "ClientIP",
      selector: labels,
      ports: [{ name: "http", port: VMCP_PORT, targetPort: VMCP_PORT, protocol: "TCP" }],
    },
  };
}
