// MCPServer controller: a server with spec.image and an HTTP transport gets its Deployment and
// Service mcp-<name>-proxy, and the status ToolHive reports (phase, url, readyReplicas, Ready).
// A server without spec.image is someone else's to run: its status is left alone.
import type { KubernetesObject, V1Deployment } from "@kubernetes/client-node";
import { applyObject, FIELD_MANAGER, needsApply } from "@vmcp/kube-kit/apply";
import { objectKey } from "@vmcp/kube-kit/informer";
import { API_VERSION } from "@vmcp/shared-types";
import { imagePullProblem } from "../builders/image-pull.ts";
import {
  mcpServerDeploymentName,
  mcpServerInstance,
  mcpServerServiceName,
} from "../builders/mcpserver/names.ts";
import {
  computeMcpServerStatus,
  type McpServerRefusal,
  serviceAccountRefusal,
  transportRefusal,
} from "../builders/mcpserver/status.ts";
import { buildMcpServerDeployment, buildMcpServerService } from "../builders/mcpserver/workload.ts";
import { InvalidPodTemplateSpecError } from "../builders/pod-template-overlay.ts";
import type { ControllerContext } from "../kit/context.ts";
import { Controller } from "../kit/controller.ts";
import { kindInformer, ownedInformers, podWaitingInformer, rawKindInformer } from "../kit/kinds.ts";
import { splitKey, writeStatusIfChanged } from "../kit/status.ts";
import { GROUP_REF_INDEX, groupRefIndex } from "./mcpgroup.ts";

export const MCPSERVER_CONTROLLER_NAME = "mcpserver";
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
        desired.push(buildMcpServerDeployment({ server, owner }), buildMcpServerService({ server, owner }));
      } catch (e) {
        if (!(e instanceof InvalidPodTemplateSpecError)) throw e;
        refusal = { type: "PodTemplateValid", reason: "InvalidPodTemplateSpec", message: e.message };
      }
    }
    let deployment = deployments.get(namespace, mcpServerDeploymentName(name)) as V1Deployment | undefined;
    let serviceExists = services.get(namespace, mcpServerServiceName(name)) !== undefined;
    for (const obj of desired) {
      const kind = obj.kind ?? "";
      const objName = obj.metadata?.name ?? "";
      const live = (kind === "Deployment" ? deployments : services).get(namespace, objName);
      if (!needsApply(obj, live, FIELD_MANAGER)) continue;
      const res = await applyObject(ctx.kc, obj, { metrics: ctx.metrics });
      if (kind === "Deployment") deployment = res as V1Deployment;
      else serviceExists = true;
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
  deployments.onEvent((ev) => byInstance(ev.obj));
  services.onEvent((ev) => byInstance(ev.obj));
  pods.onEvent((ev) => byInstance(ev.obj));
  groups.onEvent((ev) => {
    for (const s of rawServers.byIndex(GROUP_REF_INDEX, objectKey(ev.obj))) controller.enqueue(objectKey(s));
  });
  return controller;
}
