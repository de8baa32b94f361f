// MCPRemoteProxy controller: the runtime image in single-backend mode in front of spec.remoteUrl
// (ConfigMap, Deployment, Service mcp-<name>-remote-proxy) and the status ToolHive reports. The
// referenced MCPOIDCConfig and MCPExternalAuthConfig are read from the caches and watched.
import type { KubernetesObject, V1Deployment } from "@kubernetes/client-node";
import { applyObject, FIELD_MANAGER, needsApply } from "@vmcp/kube-kit/apply";
import { objectKey } from "@vmcp/kube-kit/informer";
import { API_VERSION } from "@vmcp/shared-types";
import { imagePullProblem } from "../builders/image-pull.ts";
import {
  computeWorkloadStatus,
  type McpServerRefusal,
  serviceAccountRefusal,
} from "../builders/mcpserver/status.ts";
import {
  buildRemoteProxyConfigMap,
  buildRemoteProxyDeployment,
  buildRemoteProxyService,
  planRemoteProxy,
  remoteProxyDeploymentName,
  remoteProxyInstance,
  remoteProxyServiceName,
  remoteProxyUrl,
} from "../builders/remote-proxy/workload.ts";
import { byNameMap } from "../builders/world.ts";
import type { ControllerContext } from "../kit/context.ts";
import { Controller } from "../kit/controller.ts";
import {
  kindInformer,
  ownedInformers,
  podWaitingInformer,
  type RawObject,
  rawKindInformer,
} from "../kit/kinds.ts";
import { splitKey, writeStatusIfChanged } from "../kit/status.ts";
import { GROUP_REF_INDEX, groupRefIndex } from "./mcpgroup.ts";
import { validateRemoteUrl } from "./mcpserverentry-url.ts";

export const MCPREMOTEPROXY_CONTROLLER_NAME = "mcpremoteproxy";
const SELECTOR = "app.kubernetes.io/name=mcpremoteproxy";
const PROXY_OIDC_INDEX = "proxy:spec.oidcConfigRef.name";
const PROXY_AUTH_INDEX = "proxy:spec.externalAuthConfigRef.name";

/** `<namespace>/<name>` of the object a raw MCPRemoteProxy names at spec.<field>.name. */
function refIndex(field: "oidcConfigRef" | "externalAuthConfigRef") {
  return (o: RawObject): string[] => {
    const name = (o.spec as Record<string, { name?: unknown } | undefined> | undefined)?.[field]?.name;
    return typeof name === "string" && name !== "" ? [`${o.metadata.namespace ?? ""}/${name}`] : [];
  };
}
const proxyOidcIndex = refIndex("oidcConfigRef");
const proxyAuthIndex = refIndex("externalAuthConfigRef");

export function mcpRemoteProxyController(ctx: ControllerContext): Controller {
  const reg = ctx.informers;
  const proxies = kindInformer(reg, "MCPRemoteProxy");
  const rawProxies = rawKindInformer(reg, "MCPRemoteProxy");
  rawProxies.addIndexer(GROUP_REF_INDEX, groupRefIndex);
  const groups = rawKindInformer(reg, "MCPGroup");
  const owned = ownedInformers(reg, SELECTOR, "remoteproxy-owned");
  const byKind: Record<string, ReturnType<typeof owned>> = {
    Deployment: owned("apps", "deployments"),
    Service: owned("", "services"),
    ConfigMap: owned("", "configmaps"),
  };
  const pods = podWaitingInformer(reg, SELECTOR, "remoteproxy-waiting");
  // A change of a referenced MCPOIDCConfig or MCPExternalAuthConfig re-renders the proxies using it.
  const oidcConfigs = kindInformer(reg, "MCPOIDCConfig");
  const authConfigs = kindInformer(reg, "MCPExternalAuthConfig");
  rawProxies.addIndexer(PROXY_OIDC_INDEX, proxyOidcIndex);
  rawProxies.addIndexer(PROXY_AUTH_INDEX, proxyAuthIndex);

  const reconcile = async (key: string) => {
    const { namespace, name } = splitKey(key);
    const proxy = proxies.get(namespace, name);
    if (!proxy || proxy.metadata.deletionTimestamp) return undefined;
    const owner = { apiVersion: API_VERSION, kind: "MCPRemoteProxy", name, uid: proxy.metadata.uid ?? "" };
    const urlError = validateRemoteUrl(proxy.spec.remoteUrl, {
      allowPrivateEndpoint: proxy.spec.allowPrivateEndpoint,
      allowLoopback: ctx.settings.allowLoopbackEntries,
    });
    const plan = planRemoteProxy(
      proxy,
      {
        oidcConfigs: byNameMap(oidcConfigs.list(namespace)),
        authConfigs: byNameMap(authConfigs.list(namespace)),
      },
      // The allowance remoteUrl was just checked with, so the pod dials what was accepted.
      { allowLoopback: ctx.settings.allowLoopbackEntries },
    );
    const refusal: McpServerRefusal | undefined = urlError
      ? { type: "Valid", reason: "RemoteURLInvalid", message: urlError }
      : (serviceAccountRefusal(proxy.spec) ?? plan.refusal);
    const input = { proxy, owner, image: ctx.settings.vmcpImage, plan };
    const desired: KubernetesObject[] = refusal
      ? []
      : [buildRemoteProxyConfigMap(input), buildRemoteProxyDeployment(input), buildRemoteProxyService(input)];
    let deployment = byKind.Deployment?.get(namespace, remoteProxyDeploymentName(name)) as
      | V1Deployment
      | undefined;
    let serviceExists = byKind.Service?.get(namespace, remoteProxyServiceName(name)) !== undefined;
    for (const obj of desired) {
      const kind = obj.kind ?? "";
      const objName = obj.metadata?.name ?? "";
      const live = byKind[kind]?.get(namespace, objName);
      if (!needsApply(obj, live, FIELD_MANAGER)) continue;
      const res = await applyObject(ctx.kc, obj, { metrics: ctx.metrics });
      if (kind === "Deployment") deployment = res as V1Deployment;
      if (kind === "Service") serviceExists = true;
      if (!live) ctx.events.record(proxy, "Normal", `${kind}Created`, `${kind} ${objName} created`);
    }
    const full = computeWorkloadStatus({
      name,
      generation: proxy.metadata.generation ?? 0,
      groupRef: proxy.spec.groupRef?.name,
      url: remoteProxyUrl(name, namespace, proxy.spec.proxyPort),
      deploymentName: remoteProxyDeploymentName(name),
      refusal,
      groupExists: proxy.spec.groupRef
        ? groups.get(namespace, proxy.spec.groupRef.name) !== undefined
        : undefined,
      deployment,
      serviceExists,
      imagePull: imagePullProblem(
        pods.list(namespace).filter((p) => remoteProxyInstance(p.metadata.labels) === name),
      ),
      extraConditions: plan.conditions,
      liveConditions: proxy.status?.conditions,
      now: new Date(),
    });
    // MCPRemoteProxy's status has no readyReplicas (ToolHive's neither).
    // The hashes of the configs last rendered; kept as they were while a refusal leaves the pod alone.
    const { readyReplicas: _ready, ...workload } = full;
    const status = refusal
      ? {
          ...workload,
          ...(proxy.status?.oidcConfigHash ? { oidcConfigHash: proxy.status.oidcConfigHash } : {}),
          ...(proxy.status?.externalAuthConfigHash
            ? { externalAuthConfigHash: proxy.status.externalAuthConfigHash }
            : {}),
        }
      : { ...workload, ...plan.hashes };
    const before = proxy.status?.phase;
    const raw = rawProxies.get(namespace, name) ?? proxy;
    if (
      (await writeStatusIfChanged(ctx, raw as Parameters<typeof writeStatusIfChanged>[1], { ...status })) &&
      status.phase !== before &&
      status.phase === "Failed"
    ) {
      ctx.events.record(proxy, "Warning", refusal?.reason ?? "Failed", status.message);
    }
    return undefined;
  };

  const controller = new Controller({
    name: MCPREMOTEPROXY_CONTROLLER_NAME,
    concurrency: ctx.settings.concurrency,
    reconcile,
    logger: ctx.logger,
    metrics: ctx.metrics,
  });
  proxies.onEvent((ev) => {
    if (ev.type !== "delete") controller.enqueue(objectKey(ev.obj));
  });
  const byInstance = (obj: { metadata?: { namespace?: string; labels?: Record<string, string> } }) => {
    const proxy = remoteProxyInstance(obj.metadata?.labels);
    if (proxy) controller.enqueue(`${obj.metadata?.namespace ?? ""}/${proxy}`);
  };
  for (const inf of Object.values(byKind)) inf.onEvent((ev) => byInstance(ev.obj));
  pods.onEvent((ev) => byInstance(ev.obj));
  const byRef = (index: string) => (ev: { obj: { metadata: { namespace?: string; name?: string } } }) => {
    for (const p of rawProxies.byIndex(index, objectKey(ev.obj))) controller.enqueue(objectKey(p));
  };
  groups.onEvent(byRef(GROUP_REF_INDEX));
  oidcConfigs.onEvent(byRef(PROXY_OIDC_INDEX));
  authConfigs.onEvent(byRef(PROXY_AUTH_INDEX));
  return controller;
}
