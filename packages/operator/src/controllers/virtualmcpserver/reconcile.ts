// reconcile(key): read the world from the caches, evaluate it (pure), write only what differs.
import type {
  KubeConfig,
  KubernetesObject,
  V1Deployment,
  V1ManagedFieldsEntry,
} from "@kubernetes/client-node";
import { applyObject, applyStatus, needsApply } from "@vmcp/kube-kit/apply";
import type { EventRecorder } from "@vmcp/kube-kit/events";
import { isConflict, isNotFound, kubeRequest } from "@vmcp/kube-kit/http";
import type { Informer } from "@vmcp/kube-kit/informer";
import type { Logger } from "@vmcp/kube-kit/logger";
import type { OperatorMetrics } from "@vmcp/kube-kit/metrics";
import { collectionPath, objectPath, type ResourceRef } from "@vmcp/kube-kit/resources";
import {
  API_VERSION,
  type MCPAuthzConfig,
  type MCPExternalAuthConfig,
  type MCPGroup,
  type MCPOIDCConfig,
  type MCPRemoteProxy,
  type MCPServer,
  type MCPServerEntry,
  type MCPTelemetryConfig,
  type MCPToolConfig,
  type VirtualMCPCompositeToolDefinition,
  VirtualMCPServerSchema,
} from "@vmcp/shared-types";
import type { ConditionInput } from "../../builders/conditions.ts";
import { evaluate, ownerOf } from "../../builders/evaluate.ts";
import { imagePullProblem } from "../../builders/image-pull.ts";
import {
  deploymentName,
  serviceName,
  sessionKeysSecretName,
  workloadInstance,
} from "../../builders/names.ts";
import { buildSessionKeysSecret } from "../../builders/session-keys.ts";
import {
  computeOperatorStatus,
  type LiveStatus,
  OPERATOR_FIELD_MANAGER,
  type StatusInput,
  statusNeedsApply,
} from "../../builders/status.ts";
import { byNameMap, type VmcpWorld } from "../../builders/world.ts";
import type { ReconcileResult } from "../../kit/controller.ts";
import type { PodWaitingView, RawObject } from "../../kit/kinds.ts";
import { groupExistsOnServer } from "../../kit/lagging-cache.ts";
import { splitKey } from "../../kit/status.ts";
import { applyWaves, settleAll } from "./apply-waves.ts";
import { arrivalWaitMs } from "./arrival.ts";
import { announcesDeploymentUpdate } from "./child-events.ts";
import { MEMBER_INDEX } from "./references.ts";

const SECRETS: ResourceRef = { group: "", version: "v1", plural: "secrets" };

export interface VmcpInformers {
  vmcps: Informer<RawObject>;
  groups: Informer<MCPGroup>;
  servers: Informer<MCPServer>;
  proxies: Informer<MCPRemoteProxy>;
  entries: Informer<MCPServerEntry>;
  authConfigs: Informer<MCPExternalAuthConfig>;
  toolConfigs: Informer<MCPToolConfig>;
  composites: Informer<VirtualMCPCompositeToolDefinition>;
  authzConfigs: Informer<MCPAuthzConfig>;
  oidcConfigs: Informer<MCPOIDCConfig>;
  telemetryConfigs: Informer<MCPTelemetryConfig>;
  /** Owned objects by kind ("Deployment", "Service", ...). */
  owned: Record<string, Informer<RawObject>>;
  /** The runtime pods of every VirtualMCPServer (label-selected), for their image pull state. */
  pods: Informer<PodWaitingView>;
}

export interface ReconcilerDeps {
  kc: KubeConfig;
  informers: VmcpInformers;
  image: string;
  imagePullPolicy?: "Always" | "IfNotPresent" | "Never";
  /** The operator's loopback allowance, carried into the runtime pod. */
  allowLoopbackBackends?: boolean;
  events?: EventRecorder;
  metrics?: OperatorMetrics;
  logger?: Logger;
  now?: () => Date;
}

interface Memo {
  /** resourceVersion the cache held when we wrote; while the cache still shows it, our response is newer. */
  rvBefore: string | undefined;
  obj: KubernetesObject;
}

type RawWithMeta = KubernetesObject & {
  metadata?: { managedFields?: V1ManagedFieldsEntry[]; generation?: number; resourceVersion?: string };
  status?: unknown;
};

export interface VmcpReconciler {
  reconcile(key: string): Promise<ReconcileResult>;
  /** Call on every cache event of a VirtualMCPServer or owned object: the cache is now authoritative. */
  cacheUpdated(kind: string, namespace: string, name: string): void;
}

/** Cedar policies may be a whole ConfigMap of text; the informer keeps ConfigMaps keys-only, so
 * the one a VirtualMCPServer names is read when it reconciles. */
async function readAuthzConfigMap(
  kc: KubeConfig,
  namespace: string,
  authz: { type: string; configMap?: { name: string } | undefined } | undefined,
): Promise<Record<string, string> | undefined> {
  if (authz?.type !== "configMap" || !authz.configMap) return undefined;
  try {
    const cm = await kubeRequest<{ data?: Record<string, string> }>(kc, {
      method: "GET",
      path: objectPath({ group: "", version: "v1", plural: "configmaps" }, namespace, authz.configMap.name),
    });
    return cm.data ?? {};
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

export function createVmcpReconciler(deps: ReconcilerDeps): VmcpReconciler {
  const inf = deps.informers;
  const now = deps.now ?? (() => new Date());
  // Informer caches lag our own writes by a watch round trip. Reading a stale cache right after a
  // write would make us send the same apply again; the memo keeps the API server's answer until
  // the cache has moved past the version we wrote over.
  const memo = new Map<string, Memo>();

  const freshest = (memoKey: string, cached: KubernetesObject | undefined): KubernetesObject | undefined => {
    const m = memo.get(memoKey);
    if (!m) return cached;
    const cachedRv = cached?.metadata?.resourceVersion;
    if (cachedRv === m.rvBefore) return m.obj;
    memo.delete(memoKey);
    return cached;
  };

  const remember = (memoKey: string, before: KubernetesObject | undefined, after: KubernetesObject): void => {
    memo.set(memoKey, { rvBefore: before?.metadata?.resourceVersion, obj: after });
  };
  const applyOpts = {
    fieldManager: OPERATOR_FIELD_MANAGER,
    ...(deps.metrics ? { metrics: deps.metrics } : {}),
  };

  async function reconcile(key: string): Promise<ReconcileResult> {
    const { namespace, name } = splitKey(key);
    const vmcpKey = `VirtualMCPServer/${key}`;
    const cachedRaw = inf.vmcps.get(namespace, name);
    // Deleted: owner references let the garbage collector remove the children.
    if (!cachedRaw) return undefined;
    const raw = freshest(vmcpKey, cachedRaw as KubernetesObject) as RawWithMeta;
    if ((raw.metadata as { deletionTimestamp?: string } | undefined)?.deletionTimestamp) return undefined;
    const generation = raw.metadata?.generation ?? 0;
    const managedFields = raw.metadata?.managedFields;
    const liveStatus = raw.status as LiveStatus | undefined;

    /** Applies the operator's status for this outcome if it changes anything; returns whether it wrote. */
    const writeStatus = async (
      outcome: Pick<
        StatusInput,
        | "conditions"
        | "blocked"
        | "deployment"
        | "serviceExists"
        | "oidcConfigHash"
        | "telemetryConfigHash"
        | "imagePull"
      >,
    ): Promise<boolean> => {
      const desired = computeOperatorStatus({
        name,
        namespace,
        generation,
        live: liveStatus,
        managedFields,
        ...outcome,
        now: now(),
      });
      if (!statusNeedsApply(desired, liveStatus, managedFields)) return false;
      const body = {
        apiVersion: API_VERSION,
        kind: "VirtualMCPServer",
        metadata: { name, namespace },
        status: desired,
      };
      const res = await applyStatus(deps.kc, body as KubernetesObject, applyOpts);
      remember(vmcpKey, cachedRaw as KubernetesObject, res);
      return true;
    };

    const ownedLive = (kind: string, objName: string): KubernetesObject | undefined => {
      const cached = inf.owned[kind]?.get(namespace, objName) as KubernetesObject | undefined;
      return freshest(`${kind}/${namespace}/${objName}`, cached);
    };
    let deployment = ownedLive("Deployment", deploymentName(name)) as V1Deployment | undefined;
    let serviceExists = ownedLive("Service", serviceName(name)) !== undefined;

    // a. the spec itself. The API server enforces the same schema, so this only fires for objects
    // stored before a schema change; they still deserve a readable condition.
    const parsed = VirtualMCPServerSchema.safeParse(raw);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const message = `${issue?.path.join(".") || "object"}: ${issue?.message ?? "invalid"}`;
      const conditions: ConditionInput[] = [
        { type: "Valid", status: "False", reason: "ValidationFailed", message },
      ];
      const written = await writeStatus({
        conditions,
        blocked: { phase: "Failed", message: `Spec validation failed: ${message}` },
        deployment,
        serviceExists,
      });
      if (written) deps.events?.record(raw, "Warning", "ValidationFailed", message);
      return undefined;
    }
    const vmcp = parsed.data;
    const groupName = vmcp.spec.groupRef.name;
    const groupKey = `${namespace}/${groupName}`;
    // See arrival.ts. Not in the cache: one read tells a lagging cache from a missing group,
    // and the group's cache event re-queues this server.
    const cachedGroup = inf.groups.get(namespace, groupName);
    if (!cachedGroup && (await groupExistsOnServer(deps.kc, namespace, groupName))) {
      deps.logger?.debug({ key, group: groupName }, "group not in the cache yet");
      return undefined;
    }
    const world: VmcpWorld = {
      vmcp,
      group: cachedGroup,
      servers: inf.servers.byIndex(MEMBER_INDEX.group, groupKey),
      proxies: inf.proxies.byIndex(MEMBER_INDEX.group, groupKey),
      entries: inf.entries.byIndex(MEMBER_INDEX.group, groupKey),
      authConfigs: byNameMap(inf.authConfigs.list(namespace)),
      toolConfigs: byNameMap(inf.toolConfigs.list(namespace)),
      compositeDefs: byNameMap(inf.composites.list(namespace)),
      authz: {
        authzConfigs: byNameMap(inf.authzConfigs.list(namespace)),
        configMapData: await readAuthzConfigMap(deps.kc, namespace, vmcp.spec.incomingAuth.authzConfig),
      },
      oidcConfigs: byNameMap(inf.oidcConfigs.list(namespace)),
      telemetryConfigs: byNameMap(inf.telemetryConfigs.list(namespace)),
    };
    const wait = arrivalWaitMs([world.group, ...world.servers, ...world.proxies, ...world.entries], now());
    if (wait !== undefined) return { requeueAfter: wait };
    const ev = evaluate(world, {
      image: deps.image,
      ...(deps.imagePullPolicy ? { imagePullPolicy: deps.imagePullPolicy } : {}),
      ...(deps.allowLoopbackBackends ? { allowLoopbackBackends: true } : {}),
    });

    // In the first wave, so before the Deployment: its pods read the keys from this Secret.
    const createSessionKeys = async (): Promise<void> => {
      if (ev.objects.length === 0 || ownedLive("Secret", sessionKeysSecretName(name))) return;
      const secret = buildSessionKeysSecret({ owner: ownerOf(world), namespace, now: now() });
      deps.metrics?.apiserverWrites.inc({ kind: "Secret", verb: "create" });
      try {
        await kubeRequest(deps.kc, {
          method: "POST",
          path: collectionPath(SECRETS, namespace),
          body: secret,
        });
      } catch (err) {
        // Already there (our cache lags, or it was kept across a re-create): never overwrite keys.
        if (!isConflict(err)) throw err;
      }
    };

    const applyChild = async (desired: KubernetesObject): Promise<void> => {
      const kind = desired.kind ?? "";
      const objName = desired.metadata?.name ?? "";
      const live = ownedLive(kind, objName);
      if (!needsApply(desired, live, OPERATOR_FIELD_MANAGER)) return;
      const res = await applyObject(deps.kc, desired, applyOpts);
      remember(
        `${kind}/${namespace}/${objName}`,
        inf.owned[kind]?.get(namespace, objName) as KubernetesObject,
        res,
      );
      if (kind === "Deployment") {
        deployment = res as V1Deployment;
        if (live && announcesDeploymentUpdate(generation, liveStatus?.observedGeneration)) {
          deps.events?.record(
            vmcp,
            "Normal",
            "DeploymentUpdated",
            "Deployment updated, rolling out new configuration",
          );
        }
      }
      if (kind === "Service") serviceExists = true;
      deps.logger?.debug({ key, kind, name: objName, created: !live }, "applied owned object");
    };

    // A first reconcile issues one write per child (see child-events.ts for why no Event tells
    // them): one round trip per wave instead of one per object.
    for (const [i, wave] of applyWaves(ev.objects).entries()) {
      await settleAll([
        ...(i === 0 ? [createSessionKeys] : []),
        ...wave.map((desired) => () => applyChild(desired)),
      ]);
    }

    const pods = inf.pods.list(namespace).filter((p) => workloadInstance(p.metadata.labels) === name);
    const written = await writeStatus({
      conditions: ev.conditions,
      imagePull: imagePullProblem(pods),
      ...(ev.blocked ? { blocked: { phase: ev.blocked.phase, message: ev.blocked.message } } : {}),
      deployment,
      serviceExists,
      oidcConfigHash: ev.oidcConfigHash,
      telemetryConfigHash: ev.telemetryConfigHash,
    });
    // Outcome events go out when the outcome changes (the status write), not on every wake-up:
    // the runtime's periodic status refresh wakes this reconcile and must not cost an Event write.
    if (written) {
      for (const w of ev.warnings) deps.events?.record(vmcp, "Warning", w.reason, w.message);
      if (ev.blocked && ev.warnings.length === 0) {
        deps.events?.record(
          vmcp,
          ev.blocked.phase === "Failed" ? "Warning" : "Normal",
          ev.blocked.reason,
          ev.blocked.message,
        );
      }
    }
    return undefined;
  }

  return {
    reconcile,
    cacheUpdated(kind, namespace, name) {
      memo.delete(`${kind}/${namespace}/${name}`);
    },
  };
}
