// Wiring: the informers the VirtualMCPServer controller reads, their indexes, and the map
// functions that turn their events into VirtualMCPServer keys.

import type { KubeObject } from "@vmcp/kube-kit/informer";
import { workloadInstance } from "../../builders/names.ts";
import type { ControllerContext } from "../../kit/context.ts";
import { Controller } from "../../kit/controller.ts";
import {
  configMapKeysInformer,
  kindInformer,
  podWaitingInformer,
  type RawObject,
  RawObjectSchema,
  rawKindInformer,
} from "../../kit/kinds.ts";
import {
  type Lookups,
  mapAuthConfig,
  mapAuthzConfig,
  mapCaBundleConfigMap,
  mapComposite,
  mapGroup,
  mapMember,
  mapOidcConfig,
  mapOwned,
  mapTelemetryConfig,
  mapToolConfig,
} from "./mappers.ts";
import { createVmcpReconciler, type VmcpInformers } from "./reconcile.ts";
import {
  entryCaBundleKeys,
  groupRefKeys,
  MEMBER_INDEX,
  memberAuthConfigKeys,
  VMCP_INDEX,
  vmcpAuthConfigKeys,
  vmcpAuthzConfigKeys,
  vmcpAuthzConfigMapKeys,
  vmcpCompositeKeys,
  vmcpOidcConfigKeys,
  vmcpTelemetryConfigKeys,
  vmcpToolConfigKeys,
} from "./references.ts";

export const VMCP_CONTROLLER_NAME = "virtualmcpserver";

/** Owned kinds, each cached through a label selector that matches only what we create. */
const OWNED = [
  {
    kind: "Deployment",
    group: "apps",
    plural: "deployments",
    selector: "app.kubernetes.io/name=virtualmcpserver",
  },
  { kind: "Service", group: "", plural: "services", selector: "app.kubernetes.io/name=virtualmcpserver" },
  {
    kind: "ConfigMap",
    group: "",
    plural: "configmaps",
    selector: "toolhive.stacklok.io/component=vmcp-config",
  },
  {
    kind: "Lease",
    group: "coordination.k8s.io",
    plural: "leases",
    selector: "app.kubernetes.io/component=vmcp-status",
  },
  {
    kind: "PodDisruptionBudget",
    group: "policy",
    plural: "poddisruptionbudgets",
    selector: "app.kubernetes.io/name=virtualmcpserver",
  },
  {
    // Cached for its existence only: the key material is dropped on read.
    kind: "Secret",
    group: "",
    plural: "secrets",
    selector: "app.kubernetes.io/component=vmcp-session-keys",
    dropData: true,
  },
  {
    kind: "ServiceAccount",
    group: "",
    plural: "serviceaccounts",
    selector: "app.kubernetes.io/component=vmcp-rbac",
  },
  {
    kind: "Role",
    group: "rbac.authorization.k8s.io",
    plural: "roles",
    selector: "app.kubernetes.io/component=vmcp-rbac",
  },
  {
    kind: "RoleBinding",
    group: "rbac.authorization.k8s.io",
    plural: "rolebindings",
    selector: "app.kubernetes.io/component=vmcp-rbac",
  },
] as const;

const keysOf = (objs: { metadata?: { name?: string; namespace?: string } }[]): string[] =>
  objs.map((o) => `${o.metadata?.namespace ?? ""}/${o.metadata?.name ?? ""}`);

export function createVirtualMCPServerController(ctx: ControllerContext): Controller {
  const reg = ctx.informers;
  const owned: Record<string, VmcpInformers["owned"][string]> = {};
  for (const o of OWNED) {
    owned[o.kind] = reg.get<RawObject>({
      group: o.group,
      version: "v1",
      plural: o.plural,
      labelSelector: o.selector,
      variant: "vmcp-owned",
      parse: (raw) => {
        const obj = RawObjectSchema.parse(raw);
        if ("dropData" in o) {
          delete obj.data;
          delete obj.stringData;
        }
        return obj;
      },
    });
  }
  const informers: VmcpInformers = {
    vmcps: rawKindInformer(reg, "VirtualMCPServer"),
    groups: kindInformer(reg, "MCPGroup"),
    servers: kindInformer(reg, "MCPServer"),
    proxies: kindInformer(reg, "MCPRemoteProxy"),
    entries: kindInformer(reg, "MCPServerEntry"),
    authConfigs: kindInformer(reg, "MCPExternalAuthConfig"),
    toolConfigs: kindInformer(reg, "MCPToolConfig"),
    composites: kindInformer(reg, "VirtualMCPCompositeToolDefinition"),
    authzConfigs: kindInformer(reg, "MCPAuthzConfig"),
    oidcConfigs: kindInformer(reg, "MCPOIDCConfig"),
    telemetryConfigs: kindInformer(reg, "MCPTelemetryConfig"),
    owned,
    pods: podWaitingInformer(reg, "app.kubernetes.io/name=virtualmcpserver"),
  };
  informers.vmcps.addIndexer(VMCP_INDEX.group, groupRefKeys);
  informers.vmcps.addIndexer(VMCP_INDEX.authConfig, vmcpAuthConfigKeys);
  informers.vmcps.addIndexer(VMCP_INDEX.toolConfig, vmcpToolConfigKeys);
  informers.vmcps.addIndexer(VMCP_INDEX.composite, vmcpCompositeKeys);
  informers.vmcps.addIndexer(VMCP_INDEX.authzConfig, vmcpAuthzConfigKeys);
  informers.vmcps.addIndexer(VMCP_INDEX.authzConfigMap, vmcpAuthzConfigMapKeys);
  informers.vmcps.addIndexer(VMCP_INDEX.oidcConfig, vmcpOidcConfigKeys);
  informers.vmcps.addIndexer(VMCP_INDEX.telemetryConfig, vmcpTelemetryConfigKeys);
  for (const m of [informers.servers, informers.proxies, informers.entries] as const) {
    (m as { addIndexer(n: string, f: (o: KubeObject) => string[]): void }).addIndexer(
      MEMBER_INDEX.group,
      groupRefKeys,
    );
    (m as { addIndexer(n: string, f: (o: KubeObject) => string[]): void }).addIndexer(
      MEMBER_INDEX.authConfig,
      memberAuthConfigKeys,
    );
  }
  informers.entries.addIndexer(MEMBER_INDEX.caBundle, entryCaBundleKeys);

  const lookups: Lookups = {
    vmcpsByGroup: (k) => keysOf(informers.vmcps.byIndex(VMCP_INDEX.group, k)),
    vmcpsByAuthConfig: (k) => keysOf(informers.vmcps.byIndex(VMCP_INDEX.authConfig, k)),
    vmcpsByToolConfig: (k) => keysOf(informers.vmcps.byIndex(VMCP_INDEX.toolConfig, k)),
    vmcpsByComposite: (k) => keysOf(informers.vmcps.byIndex(VMCP_INDEX.composite, k)),
    vmcpsByAuthzConfig: (k) => keysOf(informers.vmcps.byIndex(VMCP_INDEX.authzConfig, k)),
    vmcpsByAuthzConfigMap: (k) => keysOf(informers.vmcps.byIndex(VMCP_INDEX.authzConfigMap, k)),
    vmcpsByOidcConfig: (k) => keysOf(informers.vmcps.byIndex(VMCP_INDEX.oidcConfig, k)),
    vmcpsByTelemetryConfig: (k) => keysOf(informers.vmcps.byIndex(VMCP_INDEX.telemetryConfig, k)),
    memberGroupsByAuthConfig: (k) =>
      [informers.servers, informers.proxies, informers.entries].flatMap((i) =>
        (i.byIndex(MEMBER_INDEX.authConfig, k) as KubeObject[]).flatMap((o) => groupRefKeys(o)),
      ),
    entryGroupsByCaBundle: (k) =>
      informers.entries.byIndex(MEMBER_INDEX.caBundle, k).flatMap((o) => groupRefKeys(o)),
  };

  const { reconcile, cacheUpdated } = createVmcpReconciler({
    kc: ctx.kc,
    informers,
    image: ctx.settings.vmcpImage,
    allowLoopbackBackends: ctx.settings.allowLoopbackEntries === true,
    events: ctx.events,
    metrics: ctx.metrics,
    logger: ctx.logger.child({ controller: VMCP_CONTROLLER_NAME }),
  });
  const controller = new Controller({
    name: VMCP_CONTROLLER_NAME,
    concurrency: ctx.settings.concurrency,
    reconcile,
    logger: ctx.logger,
    metrics: ctx.metrics,
  });
  const enqueueAll = (keys: string[]): void => {
    for (const k of keys) controller.enqueue(k);
  };

  informers.vmcps.onEvent((ev) => {
    const { namespace = "", name = "" } = ev.obj.metadata ?? {};
    cacheUpdated("VirtualMCPServer", namespace, name);
    controller.enqueue(`${namespace}/${name}`);
  });
  for (const [kind, informer] of Object.entries(owned)) {
    informer.onEvent((ev) => {
      const { namespace = "", name = "" } = ev.obj.metadata ?? {};
      cacheUpdated(kind, namespace, name);
      enqueueAll(mapOwned(ev.obj));
    });
  }
  informers.pods.onEvent((ev) => {
    const vmcp = workloadInstance(ev.obj.metadata.labels);
    if (vmcp) controller.enqueue(`${ev.obj.metadata.namespace ?? ""}/${vmcp}`);
  });
  informers.groups.onEvent((ev) => enqueueAll(mapGroup(ev.obj, lookups)));
  for (const m of [informers.servers, informers.proxies, informers.entries] as const) {
    (m as { onEvent(h: (ev: { obj: KubeObject; old?: KubeObject }) => void): void }).onEvent((ev) =>
      enqueueAll(mapMember(ev.obj, ev.old, lookups)),
    );
  }
  informers.authConfigs.onEvent((ev) => enqueueAll(mapAuthConfig(ev.obj, lookups)));
  informers.toolConfigs.onEvent((ev) => enqueueAll(mapToolConfig(ev.obj, lookups)));
  informers.composites.onEvent((ev) => enqueueAll(mapComposite(ev.obj, lookups)));
  informers.authzConfigs.onEvent((ev) => enqueueAll(mapAuthzConfig(ev.obj, lookups)));
  informers.oidcConfigs.onEvent((ev) => enqueueAll(mapOidcConfig(ev.obj, lookups)));
  informers.telemetryConfigs.onEvent((ev) => enqueueAll(mapTelemetryConfig(ev.obj, lookups)));
  configMapKeysInformer(reg).onEvent((ev) => enqueueAll(mapCaBundleConfigMap(ev.obj, lookups)));
  return controller;
}
