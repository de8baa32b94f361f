import type { Informer, KubeObject } from "@vmcp/kube-kit/informer";
import { GROUP, KIND_INFO, KIND_SCHEMAS, type KindName, ObjectMetaSchema, VERSION } from "@vmcp/shared-types";
import * as z from "zod";
import type { InformerRegistry } from "./informers.ts";

export type KindType<K extends KindName> = z.output<(typeof KIND_SCHEMAS)[K]>;

/**
 * Shared informer of a CRD kind, objects parsed by its zod schema (defaults applied). An object the
 * schema rejects is left out. It is a view over the raw informer of the kind, so both share one watch.
 */
export function kindInformer<K extends KindName>(reg: InformerRegistry, kind: K): Informer<KindType<K>> {
  const schema = KIND_SCHEMAS[kind] as unknown as z.ZodType<KindType<K>>;
  return reg.get<KindType<K>>({
    group: GROUP,
    version: VERSION,
    plural: KIND_INFO[kind].plural,
    parse: (raw) => schema.parse(raw),
    variant: "typed",
    source: rawKindInformer(reg, kind) as unknown as Informer<KubeObject>,
  });
}

/** Any object as the API server sent it: only the envelope is checked, spec/status stay verbatim. */
export const RawObjectSchema = z.looseObject({
  apiVersion: z.string(),
  kind: z.string(),
  metadata: ObjectMetaSchema.extend({ name: z.string(), namespace: z.string().optional() }),
  spec: z.record(z.string(), z.unknown()).optional(),
  status: z.record(z.string(), z.unknown()).optional(),
});
export type RawObject = z.output<typeof RawObjectSchema>;

/**
 * Shared informer of a CRD kind holding the objects verbatim. Controllers that must report on
 * objects their schema rejects (a composite definition with a cycle passes the API server's CEL but
 * not zod) or that compare status with exactly what the server stores use this variant.
 */
export function rawKindInformer(reg: InformerRegistry, kind: KindName): Informer<RawObject> {
  return reg.get<RawObject>({
    group: GROUP,
    version: VERSION,
    plural: KIND_INFO[kind].plural,
    parse: (raw) => RawObjectSchema.parse(raw),
    variant: "raw",
  });
}

/** ConfigMaps or Secrets with their data *values* dropped: enough to check that a key exists, and no secret material in memory. */
export interface KeysOnlyObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; resourceVersion?: string; uid?: string };
  keys: string[];
}

const DataHolderSchema = z.looseObject({
  apiVersion: z.string().optional(),
  kind: z.string().optional(),
  metadata: z.looseObject({
    name: z.string(),
    namespace: z.string().optional(),
    resourceVersion: z.string().optional(),
    uid: z.string().optional(),
  }),
  data: z.record(z.string(), z.string()).optional(),
  binaryData: z.record(z.string(), z.string()).optional(),
  stringData: z.record(z.string(), z.string()).optional(),
});

function keysOnly(kind: "ConfigMap" | "Secret") {
  return (raw: unknown): KeysOnlyObject => {
    const o = DataHolderSchema.parse(raw);
    const { name, namespace, resourceVersion, uid } = o.metadata;
    return {
      apiVersion: "v1",
      kind,
      metadata: { name, namespace, resourceVersion, uid },
      keys: [...Object.keys(o.data ?? {}), ...Object.keys(o.binaryData ?? {})].sort(),
    };
  };
}

export function secretKeysInformer(reg: InformerRegistry): Informer<KeysOnlyObject> {
  return reg.get({ group: "", version: "v1", plural: "secrets", parse: keysOnly("Secret"), variant: "keys" });
}

export function configMapKeysInformer(reg: InformerRegistry): Informer<KeysOnlyObject> {
  return reg.get({
    group: "",
    version: "v1",
    plural: "configmaps",
    parse: keysOnly("ConfigMap"),
    variant: "keys",
  });
}

/** A pod reduced to what tells why its containers wait: labels and each container's image and waiting state. */
export interface PodWaitingView {
  apiVersion: "v1";
  kind: "Pod";
  metadata: {
    name: string;
    namespace?: string;
    resourceVersion?: string;
    labels?: Record<string, string>;
    deletionTimestamp?: string;
  };
  status: {
    initContainerStatuses: ContainerWaiting[];
    containerStatuses: ContainerWaiting[];
  };
}

interface ContainerWaiting {
  name: string;
  image: string;
  state?: { waiting?: { reason?: string; message?: string } };
}

const ContainerStatusSchema = z.object({
  name: z.string(),
  image: z.string(),
  state: z
    .object({
      waiting: z.object({ reason: z.string().optional(), message: z.string().optional() }).optional(),
    })
    .optional(),
});

const PodSchema = z.object({
  metadata: z.object({
    name: z.string(),
    namespace: z.string().optional(),
    resourceVersion: z.string().optional(),
    labels: z.record(z.string(), z.string()).optional(),
    deletionTimestamp: z.string().optional(),
  }),
  status: z
    .object({
      initContainerStatuses: z.array(ContainerStatusSchema).optional(),
      containerStatuses: z.array(ContainerStatusSchema).optional(),
    })
    .optional(),
});

/** Informers for the objects a workload controller owns (found by its label selector), one per
 * resource: `owned("apps", "deployments")`. */
export function ownedInformers(
  reg: InformerRegistry,
  labelSelector: string,
  variant: string,
): (group: string, plural: string) => Informer<RawObject> {
  return (group, plural) =>
    reg.get<RawObject>({
      group,
      version: "v1",
      plural,
      labelSelector,
      variant,
      parse: (raw) => RawObjectSchema.parse(raw),
    });
}

/** Pods matching a label selector, slimmed to PodWaitingView (no specs, env or volumes in memory). */
export function podWaitingInformer(
  reg: InformerRegistry,
  labelSelector: string,
  /** Informers are shared per variant, not per selector: another selector needs its own variant. */
  variant = "waiting",
): Informer<PodWaitingView> {
  return reg.get({
    group: "",
    version: "v1",
    plural: "pods",
    labelSelector,
    variant,
    parse: (raw): PodWaitingView => {
      const p = PodSchema.parse(raw);
      return {
        apiVersion: "v1",
        kind: "Pod",
        metadata: p.metadata,
        status: {
          initContainerStatuses: p.status?.initContainerStatuses ?? [],
          containerStatuses: p.status?.containerStatuses ?? [],
        },
      };
    },
  });
}
