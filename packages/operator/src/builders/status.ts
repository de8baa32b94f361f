// The operator's share of VirtualMCPServer status, and whether applying it would change anything.
//
// Field ownership: both sides apply status with server-side apply under their own
// field manager. The operator's apply holds observedGeneration, url, its own conditions and, only
// while the runtime cannot run, phase/message. Leaving a field out of an apply releases the
// operator's ownership; SSA then removes the field if no other manager owns it. That is how a stale
// operator "Failed"/"Pending" disappears once the Deployment is available, while a phase the runtime
// (manager vmcp-runtime) wrote stays untouched.
import type { V1Deployment, V1ManagedFieldsEntry } from "@kubernetes/client-node";
import type { Condition } from "@vmcp/shared-types";
import { type ConditionInput, materializeConditions } from "./conditions.ts";
import type { ImagePullProblem } from "./image-pull.ts";
import { statusUrl } from "./names.ts";

export const OPERATOR_FIELD_MANAGER = "vmcp-operator";
export const RUNTIME_FIELD_MANAGER = "vmcp-runtime";

export type OperatorPhase = "Pending" | "Failed";

/** The fields the operator applies to /status. Absent keys are not owned by the operator. */
export interface OperatorStatus {
  observedGeneration: number;
  url?: string;
  phase?: OperatorPhase;
  message?: string;
  oidcConfigHash?: string;
  telemetryConfigHash?: string;
  conditions: Condition[];
}

/** Live status as read from the cache (any writer). */
export interface LiveStatus {
  observedGeneration?: number;
  url?: string;
  phase?: string;
  message?: string;
  oidcConfigHash?: string;
  telemetryConfigHash?: string;
  conditions?: Condition[];
}

export type DeploymentState =
  | { kind: "missing" }
  | { kind: "failed"; message: string }
  | { kind: "progressing"; replicas: number }
  | { kind: "available"; available: number; desired: number };

export function deploymentState(dep: V1Deployment | undefined): DeploymentState {
  if (!dep) return { kind: "missing" };
  const st = dep.status ?? {};
  const conds = st.conditions ?? [];
  const replicaFailure = conds.find((c) => c.type === "ReplicaFailure" && c.status === "True");
  const deadline = conds.find(
    (c) => c.type === "Progressing" && c.status === "False" && c.reason === "ProgressDeadlineExceeded",
  );
  const available = st.availableReplicas ?? 0;
  if (available > 0) return { kind: "available", available, desired: dep.spec?.replicas ?? st.replicas ?? 1 };
  const failed = replicaFailure ?? deadline;
  if (failed) return { kind: "failed", message: failed.message ?? failed.reason ?? "deployment failed" };
  return { kind: "progressing", replicas: st.replicas ?? 0 };
}

/** Status paths the given manager owns on the status subresource, from metadata.managedFields. */
export function ownedStatusFields(
  managedFields: readonly V1ManagedFieldsEntry[] | undefined,
  manager: string,
): { scalars: Set<string>; conditionTypes: Set<string> } {
  const scalars = new Set<string>();
  const conditionTypes = new Set<string>();
  for (const mf of managedFields ?? []) {
    if (mf.manager !== manager || mf.subresource !== "status") continue;
    const status = (mf.fieldsV1 as Record<string, unknown> | undefined)?.["f:status"];
    if (!status || typeof status !== "object") continue;
    for (const [key, value] of Object.entries(status as Record<string, unknown>)) {
      if (key === "f:conditions" && value && typeof value === "object") {
        for (const k of Object.keys(value as Record<string, unknown>)) {
          if (!k.startsWith("k:")) continue;
          try {
            const parsed = JSON.parse(k.slice(2)) as { type?: unknown };
            if (typeof parsed.type === "string") conditionTypes.add(parsed.type);
          } catch {
            // an unexpected key shape: nothing we own there
          }
        }
      } else if (key.startsWith("f:")) {
        scalars.add(key.slice(2));
      }
    }
  }
  return { scalars, conditionTypes };
}

export interface StatusInput {
  name: string;
  namespace: string;
  generation: number;
  live: LiveStatus | undefined;
  managedFields: readonly V1ManagedFieldsEntry[] | undefined;
  /** Conditions from validation and config generation, in evaluation order. */
  conditions: ConditionInput[];
  /** Set when a validation stops the runtime from running: the operator owns the phase. */
  blocked?: { phase: OperatorPhase; message: string };
  deployment: V1Deployment | undefined;
  /** A pod of the Deployment cannot get its image (from the pods' container statuses). */
  imagePull?: ImagePullProblem | undefined;
  /** The Service exists (applied now or seen in the cache): status.url can be published. */
  serviceExists: boolean;
  /** Hash of the referenced MCPOIDCConfig's spec; absent releases the field. */
  oidcConfigHash?: string | undefined;
  /** Hash of the referenced MCPTelemetryConfig's spec; absent releases the field. */
  telemetryConfigHash?: string | undefined;
  now: Date;
}

export const imagePullMessage = (p: ImagePullProblem): string =>
  `Image ${p.image} cannot be pulled (${p.reason})${p.message ? `: ${p.message}` : ""}`;

function infraConditions(
  state: DeploymentState,
  serviceExists: boolean,
  imagePull: ImagePullProblem | undefined,
): ConditionInput[] {
  const out: ConditionInput[] = [];
  // Also while an older replica is still available: the rollout to the new image is stuck.
  if (imagePull) {
    out.push({
      type: "DeploymentReady",
      status: "False",
      reason: "ImagePullFailed",
      message: imagePullMessage(imagePull),
    });
  } else
    switch (state.kind) {
      case "available":
        out.push({
          type: "DeploymentReady",
          status: "True",
          reason: "DeploymentAvailable",
          message: `${state.available} replica(s) available`,
        });
        break;
      case "failed":
        out.push({
          type: "DeploymentReady",
          status: "False",
          reason: "DeploymentFailed",
          message: state.message,
        });
        break;
      case "progressing":
        out.push({
          type: "DeploymentReady",
          status: "False",
          reason: "DeploymentNotReady",
          message: "Waiting for an available vmcp replica",
        });
        break;
      case "missing":
        out.push({
          type: "DeploymentReady",
          status: "False",
          reason: "DeploymentNotFound",
          message: "The vmcp Deployment does not exist yet",
        });
        break;
    }
  out.push(
    serviceExists
      ? { type: "ServiceReady", status: "True", reason: "ServiceReady", message: "Service exists" }
      : {
          type: "ServiceReady",
          status: "False",
          reason: "ServiceNotFound",
          message: "The vmcp Service does not exist yet",
        },
  );
  return out;
}

/** Pure: the status the operator should own after this reconcile. */
export function computeOperatorStatus(input: StatusInput): OperatorStatus {
  const state = deploymentState(input.deployment);
  const conditions = materializeConditions(
    [...input.conditions, ...infraConditions(state, input.serviceExists, input.imagePull)],
    input.live?.conditions,
    input.generation,
    input.now,
  );
  const status: OperatorStatus = { observedGeneration: input.generation, conditions };
  if (input.serviceExists) status.url = statusUrl(input.name, input.namespace);
  if (input.oidcConfigHash) status.oidcConfigHash = input.oidcConfigHash;
  if (input.telemetryConfigHash) status.telemetryConfigHash = input.telemetryConfigHash;

  let phase: { phase: OperatorPhase; message: string } | undefined = input.blocked;
  if (!phase) {
    if (state.kind !== "available" && input.imagePull) {
      phase = { phase: "Failed", message: imagePullMessage(input.imagePull) };
    } else if (state.kind === "failed") {
      phase = { phase: "Failed", message: `Deployment failed: ${state.message}` };
    } else if (state.kind !== "available") {
      // A runtime that already reports (pods exist, readiness probe not yet passed) knows better than
      // "no available replica"; overwriting it would race with its reports.
      const runtimeOwnsPhase = ownedStatusFields(input.managedFields, RUNTIME_FIELD_MANAGER).scalars.has(
        "phase",
      );
      const podsExist = state.kind === "progressing" && state.replicas > 0;
      if (!(runtimeOwnsPhase && podsExist)) {
        phase = { phase: "Pending", message: "Waiting for an available vmcp replica" };
      }
    }
  }
  if (phase) {
    status.phase = phase.phase;
    status.message = phase.message;
  }
  return status;
}

const sameCondition = (a: Condition, b: Condition): boolean =>
  a.status === b.status &&
  a.reason === b.reason &&
  a.message === b.message &&
  a.observedGeneration === b.observedGeneration &&
  a.lastTransitionTime === b.lastTransitionTime;

/**
 * True when applying `desired` would change the object: a value differs, or the operator still owns
 * a field/condition it no longer wants (the apply is what releases it).
 */
export function statusNeedsApply(
  desired: OperatorStatus,
  live: LiveStatus | undefined,
  managedFields: readonly V1ManagedFieldsEntry[] | undefined,
): boolean {
  const l = live ?? {};
  for (const key of [
    "observedGeneration",
    "url",
    "phase",
    "message",
    "oidcConfigHash",
    "telemetryConfigHash",
  ] as const) {
    if (desired[key] !== undefined && desired[key] !== l[key]) return true;
  }
  const liveConds = new Map((l.conditions ?? []).map((c) => [c.type, c]));
  for (const c of desired.conditions) {
    const lc = liveConds.get(c.type);
    if (!lc || !sameCondition(c, lc)) return true;
  }
  const owned = ownedStatusFields(managedFields, OPERATOR_FIELD_MANAGER);
  for (const key of owned.scalars) {
    if (key === "conditions") continue;
    if ((desired as unknown as Record<string, unknown>)[key] === undefined) return true;
  }
  const desiredTypes = new Set(desired.conditions.map((c) => c.type));
  for (const t of owned.conditionTypes) if (!desiredTypes.has(t)) return true;
  return false;
}
