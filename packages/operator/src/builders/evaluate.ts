// One pure pass over a VirtualMCPServer's world: the validations in ToolHive's order, then
// the desired owned objects. The reconciler only reads caches before and writes after this.

import type { KubernetesObject } from "@kubernetes/client-node";
import { API_VERSION } from "@vmcp/shared-types";
import type { ConditionInput } from "./conditions.ts";
import { buildConfigMap } from "./configmap.ts";
import { buildDeployment } from "./deployment.ts";
import { buildDisruptionBudget } from "./disruption.ts";
import type { OwnerInfo } from "./owner.ts";
import { InvalidPodTemplateSpecError, parsePodTemplateOverlay } from "./pod-template-overlay.ts";
import { buildRole, buildRoleBinding, buildServiceAccount, buildStatusLease } from "./rbac.ts";
import { buildService } from "./service.ts";
import { serviceAccountCheck } from "./service-account.ts";
import type { OperatorPhase } from "./status.ts";
import { generateVmcpConfig } from "./vmcp-config.ts";
import type { VmcpWorld } from "./world.ts";

export interface EvaluateOptions {
  image: string;
  imagePullPolicy?: "Always" | "IfNotPresent" | "Never";
  /** --allow-loopback-entries: MCPServerEntry backends may resolve to loopback in the runtime too. */
  allowLoopbackBackends?: boolean;
}

export interface Evaluation {
  conditions: ConditionInput[];
  /** Set when the runtime cannot run with this spec: no objects are written (a running pod keeps its config). */
  blocked?: { phase: OperatorPhase; reason: string; message: string };
  /** Warning events worth a user's attention. */
  warnings: { reason: string; message: string }[];
  /** Owned objects in apply order (RBAC, status Lease, ConfigMap, Deployment, Service,
   * PodDisruptionBudget); empty when blocked. The session-keys Secret is not among them: it is
   * created once (reconcile.ts), never applied. */
  objects: KubernetesObject[];
  configChecksum?: string;
  oidcConfigHash?: string;
  telemetryConfigHash?: string;
}

export function ownerOf(world: VmcpWorld): OwnerInfo {
  return {
    apiVersion: API_VERSION,
    kind: "VirtualMCPServer",
    name: world.vmcp.metadata.name ?? "",
    uid: world.vmcp.metadata.uid ?? "",
  };
}

export function evaluate(world: VmcpWorld, opts: EvaluateOptions): Evaluation {
  const vmcp = world.vmcp;
  const spec = vmcp.spec;
  const namespace = vmcp.metadata.namespace ?? "";
  const conditions: ConditionInput[] = [
    { type: "Valid", status: "True", reason: "ValidationSucceeded", message: "Spec validation passed" },
  ];
  const warnings: Evaluation["warnings"] = [];
  const stop = (phase: OperatorPhase, reason: string, message: string): Evaluation => ({
    conditions,
    warnings,
    objects: [],
    blocked: { phase, reason, message },
  });

  // b. podTemplateSpec: checked before anything is built so a bad one creates no Deployment.
  try {
    parsePodTemplateOverlay(spec.podTemplateSpec);
    conditions.push({
      type: "PodTemplateSpecValid",
      status: "True",
      reason: "PodTemplateSpecValid",
      message: "PodTemplateSpec is valid",
    });
  } catch (err) {
    if (!(err instanceof InvalidPodTemplateSpecError)) throw err;
    const message = `Invalid PodTemplateSpec: ${err.message}`;
    conditions.push({
      type: "PodTemplateSpecValid",
      status: "False",
      reason: "InvalidPodTemplateSpec",
      message,
    });
    warnings.push({ reason: "InvalidPodTemplateSpec", message });
    return stop("Failed", "InvalidPodTemplateSpec", message);
  }

  // b2. spec.serviceAccount: refused, like serviceAccountName in podTemplateSpec (see serviceAccountCheck).
  const sa = serviceAccountCheck(vmcp.metadata.name ?? "", spec.serviceAccount);
  conditions.push(sa.condition);
  if (sa.condition.status === "False") {
    warnings.push({ reason: sa.condition.reason, message: sa.condition.message });
    return stop("Failed", sa.condition.reason, sa.condition.message);
  }

  // c. groupRef
  const groupName = spec.groupRef.name;
  if (!world.group) {
    const message = `Referenced MCPGroup ${groupName} not found`;
    conditions.push({ type: "GroupRefValidated", status: "False", reason: "GroupRefNotFound", message });
    return stop("Failed", "GroupRefNotFound", message);
  }
  const groupPhase = world.group.status?.phase ?? "Pending";
  if (groupPhase !== "Ready") {
    const message = `Referenced MCPGroup ${groupName} is not ready (phase: ${groupPhase})`;
    conditions.push({ type: "GroupRefValidated", status: "False", reason: "GroupRefNotReady", message });
    return stop("Pending", "GroupRefNotReady", message);
  }
  conditions.push({
    type: "GroupRefValidated",
    status: "True",
    reason: "GroupRefValid",
    message: `MCPGroup ${groupName} is valid and ready`,
  });

  // d. compositeToolRefs
  const refs = spec.config.compositeToolRefs ?? [];
  for (const ref of refs) {
    const def = world.compositeDefs.get(ref.name);
    if (!def) {
      const message = `Referenced VirtualMCPCompositeToolDefinition ${ref.name} not found`;
      conditions.push({
        type: "CompositeToolRefsValidated",
        status: "False",
        reason: "CompositeToolRefNotFound",
        message,
      });
      return stop("Failed", "CompositeToolRefNotFound", message);
    }
    if (def.status?.validationStatus === "Invalid") {
      const errors = (def.status.validationErrors ?? []).join("; ");
      const message = `VirtualMCPCompositeToolDefinition ${ref.name} is invalid${errors ? `: ${errors}` : ""}`;
      conditions.push({
        type: "CompositeToolRefsValidated",
        status: "False",
        reason: "CompositeToolRefInvalid",
        message,
      });
      return stop("Failed", "CompositeToolRefInvalid", message);
    }
  }
  conditions.push({
    type: "CompositeToolRefsValidated",
    status: "True",
    reason: "CompositeToolRefsValid",
    message:
      refs.length === 0
        ? "No composite tool references to validate"
        : `All ${refs.length} composite tool references are valid`,
  });

  // e. config generation, including auth conversion and the static backend list
  const gen = generateVmcpConfig(world);
  conditions.push(...gen.conditions);
  if (!gen.ok) {
    conditions.push({ type: "ConfigGenerated", status: "False", reason: gen.reason, message: gen.message });
    warnings.push({ reason: gen.reason, message: gen.message });
    return stop("Failed", gen.reason, gen.message);
  }
  conditions.push({
    type: "ConfigGenerated",
    status: "True",
    reason: "ConfigGenerated",
    message:
      gen.value.config.backends !== undefined
        ? `Static config with ${gen.value.config.backends.length} backend(s)`
        : "Dynamic config: the runtime discovers the group's backends",
  });

  const owner = ownerOf(world);
  const source = spec.outgoingAuth.source;
  const rbacInput = {
    owner,
    namespace,
    source,
    secretNames: gen.value.runtimeSecretNames,
    configMapNames: gen.value.runtimeConfigMapNames,
    ...(spec.imagePullSecrets ? { imagePullSecrets: spec.imagePullSecrets } : {}),
  };
  const objects: KubernetesObject[] = [
    buildServiceAccount(rbacInput),
    buildRole(rbacInput),
    buildRoleBinding(rbacInput),
    buildStatusLease({ owner, namespace }),
  ];
  const { configMap, checksum } = buildConfigMap({ owner, namespace, configYaml: gen.value.yaml });
  objects.push(configMap);
  objects.push(
    buildDeployment({
      owner,
      namespace,
      image: opts.image,
      ...(opts.imagePullPolicy ? { imagePullPolicy: opts.imagePullPolicy } : {}),
      configChecksum: checksum,
      debug: gen.value.debug,
      ...(opts.allowLoopbackBackends ? { allowLoopbackBackends: true } : {}),
      ...(spec.replicas !== undefined ? { replicas: spec.replicas } : {}),
      ...(spec.imagePullSecrets ? { imagePullSecrets: spec.imagePullSecrets } : {}),
      secretEnv: gen.value.secretEnv,
      caBundles: gen.value.caBundles,
      podTemplateSpec: spec.podTemplateSpec,
    }),
  );
  objects.push(
    buildService({ owner, namespace, serviceType: spec.serviceType, sessionAffinity: spec.sessionAffinity }),
  );
  objects.push(buildDisruptionBudget({ owner, namespace }));
  return {
    conditions,
    warnings,
    objects,
    configChecksum: checksum,
    ...(gen.value.oidcConfigHash ? { oidcConfigHash: gen.value.oidcConfigHash } : {}),
    ...(gen.value.telemetryConfigHash ? { telemetryConfigHash: gen.value.telemetryConfigHash } : {}),
  };
}
