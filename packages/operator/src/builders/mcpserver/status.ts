// An MCPServer's status as ToolHive reports it (phase, url, readyReplicas, message, conditions),
// computed from what the operator sees: the spec, its Deployment, its Service and the pods'
// image-pull state. The operator is the only writer of a deployed MCPServer's status.
import type { V1Deployment } from "@kubernetes/client-node";
import type { Condition, MCPServer } from "@vmcp/shared-types";
import { type ConditionInput, materializeConditions } from "../conditions.ts";
import type { ImagePullProblem } from "../image-pull.ts";
import { imagePullMessage } from "../status.ts";
import { mcpServerDeploymentName, mcpServerUrl } from "./names.ts";

export type McpServerPhase = "Pending" | "Ready" | "Failed";

export interface McpServerStatus {
  observedGeneration: number;
  phase: McpServerPhase;
  message: string;
  url?: string;
  readyReplicas: number;
  conditions: Condition[];
}

/** Why nothing is (or can be) deployed; checked before any object is built. */
export interface McpServerRefusal {
  type: "Valid" | "PodTemplateValid";
  reason: string;
  message: string;
}

export interface McpServerStatusInput {
  server: MCPServer;
  /** Set when the spec cannot be deployed (no Deployment or Service is applied). */
  refusal?: McpServerRefusal | undefined;
  /** Whether spec.groupRef names an existing MCPGroup (undefined: no groupRef). */
  groupExists?: boolean | undefined;
  deployment: V1Deployment | undefined;
  serviceExists: boolean;
  imagePull?: ImagePullProblem | undefined;
  liveConditions: readonly Condition[] | undefined;
  now: Date;
}

/** The transports this operator deploys; stdio needs an attach proxy it does not run yet. */
export function transportRefusal(server: MCPServer): McpServerRefusal | undefined {
  if (server.spec.transport !== "stdio") return undefined;
  return {
    type: "Valid",
    reason: "UnsupportedTransport",
    message:
      "transport stdio is not deployed by this operator yet: use streamable-http or sse, or run the server elsewhere and leave spec.image unset",
  };
}

/** What the workload status needs, whichever kind runs the pods (MCPServer, MCPRemoteProxy). */
export interface WorkloadStatusInput {
  name: string;
  generation: number;
  groupRef?: string | undefined;
  /** status.url once the Service exists. */
  url: string;
  deploymentName: string;
  refusal?: McpServerRefusal | undefined;
  groupExists?: boolean | undefined;
  deployment: V1Deployment | undefined;
  serviceExists: boolean;
  imagePull?: ImagePullProblem | undefined;
  /** The kind's own reference conditions (an MCPRemoteProxy's OIDC and outgoing auth). */
  extraConditions?: readonly ConditionInput[] | undefined;
  liveConditions: readonly Condition[] | undefined;
  now: Date;
}

/**
 * spec.serviceAccount would run the pod as any ServiceAccount of the namespace: whoever may create
 * the object would lend that account's rights to an image of their choice, through an operator
 * that holds Deployment rights everywhere it serves. Refused, as for a VirtualMCPServer.
 */
export function serviceAccountRefusal(spec: {
  serviceAccount?: string | undefined;
}): McpServerRefusal | undefined {
  if (spec.serviceAccount === undefined) return undefined;
  return {
    type: "Valid",
    reason: "ServiceAccountNotAllowed",
    message: `spec.serviceAccount: not allowed (${JSON.stringify(spec.serviceAccount)}): the pod would run with that ServiceAccount's rights; leave it unset (the pod gets no API token)`,
  };
}

export function computeMcpServerStatus(input: McpServerStatusInput): McpServerStatus {
  const { server, ...rest } = input;
  const name = server.metadata.name ?? "";
  return computeWorkloadStatus({
    ...rest,
    name,
    generation: server.metadata.generation ?? 0,
    groupRef: server.spec.groupRef?.name,
    url: mcpServerUrl(name, server.metadata.namespace ?? "", server.spec),
    deploymentName: mcpServerDeploymentName(name),
  });
}

export function computeWorkloadStatus(input: WorkloadStatusInput): McpServerStatus {
  const { refusal, deployment, imagePull, generation } = input;
  const conds: ConditionInput[] = [];
  const cond = (type: string, ok: boolean, reason: string, message: string) =>
    conds.push({ type, status: ok ? "True" : "False", reason, message });

  if (refusal?.type === "Valid") cond("Valid", false, refusal.reason, refusal.message);
  else cond("Valid", true, "ValidationSucceeded", "Spec is valid");
  if (refusal?.type === "PodTemplateValid") cond("PodTemplateValid", false, refusal.reason, refusal.message);
  else if (!refusal) cond("PodTemplateValid", true, "ValidPodTemplateSpec", "PodTemplateSpec is valid");
  const group = input.groupRef;
  if (group !== undefined) {
    const ok = input.groupExists === true;
    cond(
      "GroupRefValidated",
      ok,
      ok ? "GroupRefIsValid" : "GroupRefNotFound",
      ok ? `MCPGroup ${group} found` : `MCPGroup ${group} not found`,
    );
  }

  conds.push(...(input.extraConditions ?? []));

  const st = deployment?.status ?? {};
  const readyReplicas = st.readyReplicas ?? 0;
  const failure = (st.conditions ?? []).find(
    (c) =>
      (c.type === "ReplicaFailure" && c.status === "True") ||
      (c.type === "Progressing" && c.status === "False" && c.reason === "ProgressDeadlineExceeded"),
  );
  let phase: McpServerPhase;
  let message: string;
  let readyReason: string;
  if (refusal) {
    phase = "Failed";
    message = refusal.message;
    readyReason = refusal.reason;
  } else if (imagePull && readyReplicas === 0) {
    // The kubelet says so only in the pods' container statuses; the Deployment would just wait.
    phase = "Failed";
    message = imagePullMessage(imagePull);
    readyReason = "ImagePullFailed";
  } else if (failure && readyReplicas === 0) {
    phase = "Failed";
    message = `Deployment ${input.deploymentName} failed: ${failure.message ?? failure.reason ?? "unknown"}`;
    readyReason = "DeploymentFailed";
  } else if (readyReplicas > 0 && input.serviceExists) {
    phase = "Ready";
    message = `${readyReplicas} replica(s) ready`;
    readyReason = "Ready";
  } else {
    phase = "Pending";
    message = deployment ? "Waiting for a ready mcp replica" : "Creating the Deployment";
    readyReason = "NotReady";
  }
  cond("Ready", phase === "Ready", readyReason, message);

  const status: McpServerStatus = {
    observedGeneration: generation,
    phase,
    message,
    readyReplicas,
    conditions: materializeConditions(conds, input.liveConditions, generation, input.now),
  };
  if (!refusal && input.serviceExists) status.url = input.url;
  return status;
}
