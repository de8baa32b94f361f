// MCPServer controller: a server with spec.image and an HTTP transport gets its Deployment and
// Service mcp-<name>-proxy; a stdio server gets its StatefulSet, and a proxy Deployment (with its
// ServiceAccount, Role and RoleBinding) behind that Service. Both get the status ToolHive reports
// (phase, url, readyReplicas, Ready). A server without spec.image is someone else's to run: its
// status is left alone.
import type { KubernetesObject, V1Deployment, V1StatefulSet } from "@kubernetes/client-node";
import { applyObject, deleteExact, FIELD_MANAGER, needsApply } from "@vmcp/kube-kit/apply";
import { objectKey } from "@vmcp/kube-kit/informer";
import { API_VERSION } from "@vmcp/shared-types";
import { imagePullProblem } from "../builders/image-pull.ts";
import {
  mcpServerDeploymentName,
  mcpServerInstance,
  mcpServerServiceName,
  stdioServerStatefulSetName,
} from "../builders/mcpserver/names.ts";
import {
  computeMcpServerStatus,
  type McpServerRefusal,
  serviceAccountRefusal,
  transportRefusal,
} from "../builders/mcpserver/status.ts";
import {
  buildStdioProxyDeployment,
  buildStdioProxyRole,
  buildStdioProxyRoleBinding,
  buildStdioProxyServiceAccount,
  buildStdioServerStatefulSet,
} from "../builders/mcpserver/stdio.ts";
import { staleTransportObjects, transportObjectNames } from "../builders/mcpserver/transport-switch.ts";
import { buildMcpServerDeployment, buildMcpServerService } from "../builders/mcpserver/workload.ts";
import { InvalidPodTemplateSpecError } from "../builders/pod-template-overlay.ts";
import type { ControllerContext } from "../kit/context.ts";
import { Controller } from "../kit/controller.ts";
import { kindInformer, ownedInformers, podWaitingInformer, rawKindInformer } from "../kit/kinds.ts";
import { splitKey, writeStatusIfChanged } from "../kit/status.ts";
import { GROUP_REF_INDEX, groupRefIndex } from "./mcpgroup.ts";

export const MCPSERVER_CONTROLLER_NAME = "mcpserver";
const API_VERSIONS: Record<string, string> = {
  Deployment: "apps/v1",
  StatefulSet: "apps/v1",
  ServiceAccount: "v1",
  Role: "rbac.authorization.k8s.io/v1",
  RoleBinding: "rbac.authorization.k8s.io/v1",
};
const SELECTOR = "app.kubernetes.io/name=mcpserver";

export function mcpServerController(ctx: ControllerContext): Controller {
  const reg = ctx.informers;
  const servers = kindInformer(reg, "MCPServer");
  const rawServers = rawKindInformer(reg, "MCPServer");
  rawServers.addIndexer(GROUP_REF_INDEX, groupRefIndex);
  const groups = rawKindInformer(reg, "MCPGroup");
  const owned = ownedInformers(reg, SELECTOR, "mcpserver-owned");
  const deployments = owned("apps", "deployments");
  const services = owned("", "services");
  const statefulSets = owned("apps", "statefulsets");
  const liveOf: Record<string, ReturnType<typeof owned>> = {
    Deployment: deployments,
    Service: services,
    StatefulSet: statefulSets,
    ServiceAccount: owned("", "serviceaccounts"),
    Role: owned("rbac.authorization.k8s.io", "roles"),
    RoleBinding: owned("rbac.authorization.k8s.io", "rolebindings"),
  };
  const pods = podWaitingInformer(reg, SELECTOR, "mcpserver-waiting");

  const reconcile = async (key: string) => {
    const { namespace, name } = splitKey(key);
    const server = servers.get(namespace, name);
    if (!server || server.metadata.deletionTimestamp || !server.spec.image) return undefined;
    const owner = { apiVersion: API_VERSION, kind: "MCPServer", name, uid: server.metadata.uid ?? "" };

    let refusal: McpServerRefusal | undefined =
      transportRefusal(server) ?? serviceAccountRefusal(server.spec);
    const desired: KubernetesObject[] = [];
    if (!refusal) {
      try {
        const input = { server, owner };
        if (server.spec.transport === "stdio")
          desired.push(
            buildStdioProxyServiceAccount(input),
            buildStdioProxyRole(input),
            buildStdioProxyRoleBinding(input),
            buildStdioServerStatefulSet(input),
            buildStdioProxyDeployment({ ...input, image: ctx.settings.vmcpImage }),
          );
        else desired.push(buildMcpServerDeployment(input));
        desired.push(buildMcpServerService(input));
      } catch (e) {
        if (!(e instanceof InvalidPodTemplateSpecError)) throw e;
        refusal = { type: "PodTemplateValid", reason: "InvalidPodTemplateSpec", message: e.message };
      }
    }
    let deployment = deployments.get(namespace, mcpServerDeploymentName(name)) as V1Deployment | undefined;
    let statefulSet = statefulSets.get(namespace, stdioServerStatefulSetName(name)) as
      | V1StatefulSet
      | undefined;
    let serviceExists = services.get(namespace, mcpServerServiceName(name)) !== undefined;
    // A transport switch: what the old transport ran and the new one does not use goes first (a
    // refusal deploys nothing and deletes nothing: the last good objects keep serving).
    const deleted = new Set<string>();
    if (desired.length > 0) {
      const candidates = transportObjectNames(name).flatMap(([kind, objName]) => {
        const live = liveOf[kind]?.get(namespace, objName);
        return live ? [{ ...live, apiVersion: API_VERSIONS[kind], kind }] : [];
      });
      for (const stale of staleTransportObjects(server.metadata.uid ?? "", desired, candidates)) {
        const kind = stale.kind ?? "";
        const objName = stale.metadata?.name ?? "";
        deleted.add(`${kind}/${objName}`);
        if (await deleteExact(ctx.kc, stale, { metrics: ctx.metrics }))
          ctx.events.record(
            server,
            "Normal",
            `${kind}Deleted`,
            `${kind} ${objName} deleted: not used with transport ${server.spec.transport}`,
          );
        if (kind === "Deployment") deployment = undefined;
        if (kind === "StatefulSet") statefulSet = undefined;
      }
    }
    for (const obj of desired) {
      const kind = obj.kind ?? "";
      const objName = obj.metadata?.name ?? "";
      // Just deleted as stale: the cache still holds it until the watch says so.
      const live = deleted.has(`${kind}/${objName}`) ? undefined : liveOf[kind]?.get(namespace, objName);
      if (!needsApply(obj, live, FIELD_MANAGER)) continue;
      const res = await applyObject(ctx.kc, obj, { metrics: ctx.metrics });
      if (kind === "Deployment") deployment = res as V1Deployment;
      else if (kind === "StatefulSet") statefulSet = res as V1StatefulSet;
      else if (kind === "Service") serviceExists = true;
      if (!live) ctx.events.record(server, "Normal", `${kind}Created`, `${kind} ${objName} created`);
    }

    const before = server.status?.phase;
    const status = computeMcpServerStatus({
      server,
      refusal,
      groupExists: server.spec.groupRef
        ? groups.get(namespace, server.spec.groupRef.name) !== undefined
        : undefined,
      deployment,
      statefulSet,
      serviceExists,
      imagePull: imagePullProblem(
        pods.list(namespace).filter((p) => mcpServerInstance(p.metadata.labels) === name),
      ),
      liveConditions: server.status?.conditions,
      now: new Date(),
    });
    const raw = rawServers.get(namespace, name) ?? server;
    if (
      (await writeStatusIfChanged(ctx, raw as Parameters<typeof writeStatusIfChanged>[1], { ...status })) &&
      status.phase !== before &&
      status.phase === "Failed"
    ) {
      ctx.events.record(server, "Warning", refusal?.reason ?? "Failed", status.message);
    }
    return undefined;
  };

  const controller = new Controller({
    name: MCPSERVER_CONTROLLER_NAME,
    concurrency: ctx.settings.concurrency,
    reconcile,
    logger: ctx.logger,
    metrics: ctx.metrics,
  });
  servers.onEvent((ev) => {
    if (ev.type !== "delete") controller.enqueue(objectKey(ev.obj));
  });
  const byInstance = (obj: { metadata?: { namespace?: string; labels?: Record<string, string> } }) => {
    const server = mcpServerInstance(obj.metadata?.labels);
    if (server) controller.enqueue(`${obj.metadata?.namespace ?? ""}/${server}`);
  };
  for (const informer of Object.values(liveOf)) informer.onEvent((ev) => byInstance(ev.obj));
  pods.onEvent((ev) => byInstance(ev.obj));
  groups.onEvent((ev) => {
    for (const s of rawServers.byIndex(GROUP_REF_INDEX, objectKey(ev.obj))) controller.enqueue(objectKey(s));
  });
  return controller;
}
