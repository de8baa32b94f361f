// The user's spec.podTemplateSpec (only the fields pod-template-policy.ts allows) laid over the
// generated pod template, with strategic-merge-patch
// semantics for the lists users actually customise: containers, volumes, volumeMounts, env,
// imagePullSecrets and tolerations merge by their key; maps merge; scalars replace. Selector
// labels and the config checksum stay ours so a patch can never orphan pods or stop rollouts.
import type { V1PodTemplateSpec } from "@kubernetes/client-node";
import { isJsonObject } from "@vmcp/shared-types";
import * as z from "zod";
import {
  type PodTemplateProfile,
  podTemplatePolicyViolation,
  VMCP_POD_PROFILE,
} from "./pod-template-policy.ts";

type Json = Record<string, unknown>;

const NamedListSchema = z.array(z.looseObject({ name: z.string().min(1) }));

/** Enough structure to reject templates that cannot be merged; the API server validates the rest. */
const PodTemplateOverlaySchema = z.looseObject({
  metadata: z
    .looseObject({
      labels: z.record(z.string(), z.string()).optional(),
      annotations: z.record(z.string(), z.string()).optional(),
    })
    .optional(),
  spec: z
    .looseObject({
      containers: NamedListSchema.optional(),
      initContainers: NamedListSchema.optional(),
      volumes: NamedListSchema.optional(),
      imagePullSecrets: NamedListSchema.optional(),
      nodeSelector: z.record(z.string(), z.string()).optional(),
      tolerations: z.array(z.looseObject({})).optional(),
    })
    .optional(),
});

export class InvalidPodTemplateSpecError extends Error {
  override name = "InvalidPodTemplateSpecError";
}

/** Throws InvalidPodTemplateSpecError with a readable reason when the overlay cannot be used. */
export function parsePodTemplateOverlay(
  raw: unknown,
  profile: PodTemplateProfile = VMCP_POD_PROFILE,
): Json | undefined {
  if (raw === undefined || raw === null) return undefined;
  const res = PodTemplateOverlaySchema.safeParse(raw);
  if (!res.success) {
    const issue = res.error.issues[0];
    const where = issue?.path.length ? issue.path.join(".") : "podTemplateSpec";
    throw new InvalidPodTemplateSpecError(`${where}: ${issue?.message ?? "invalid"}`);
  }
  for (const c of [...(res.data.spec?.containers ?? [])]) {
    for (const field of ["env", "volumeMounts", "ports"] as const) {
      const v = (c as Json)[field];
      if (v !== undefined && !Array.isArray(v)) {
        throw new InvalidPodTemplateSpecError(`spec.containers[${c.name}].${field}: expected an array`);
      }
    }
  }
  const violation = podTemplatePolicyViolation(res.data, profile);
  if (violation) throw new InvalidPodTemplateSpecError(violation);
  return res.data as Json;
}

/** List merge keys by field name (from the Kubernetes strategic-merge-patch tags). */
const MERGE_KEYS: Record<string, string> = {
  containers: "name",
  initContainers: "name",
  volumes: "name",
  imagePullSecrets: "name",
  env: "name",
  volumeMounts: "mountPath",
  ports: "containerPort",
};

function mergeList(base: unknown[], patch: unknown[], key: string): unknown[] {
  const out = base.map((x) => x);
  for (const item of patch) {
    if (!isJsonObject(item)) continue;
    const idx = out.findIndex((b) => isJsonObject(b) && b[key] === item[key]);
    if (idx >= 0) out[idx] = mergeValue(out[idx], item, undefined);
    else out.push(item);
  }
  return out;
}

function mergeValue(base: unknown, patch: unknown, field: string | undefined): unknown {
  if (patch === null) return undefined;
  if (Array.isArray(patch)) {
    const key = field ? MERGE_KEYS[field] : undefined;
    if (key && Array.isArray(base)) return mergeList(base, patch, key);
    return patch;
  }
  if (isJsonObject(patch) && isJsonObject(base)) {
    const out: Json = { ...base };
    for (const [k, v] of Object.entries(patch)) {
      const merged = mergeValue(base[k], v, k);
      if (merged === undefined) delete out[k];
      else out[k] = merged;
    }
    return out;
  }
  return patch;
}

/** Lays the overlay on `base`, then restores the fields that must stay operator-controlled. */
export function overlayPodTemplate(
  base: V1PodTemplateSpec,
  overlay: Json | undefined,
  keep: { labels: Record<string, string>; annotations: Record<string, string> },
): V1PodTemplateSpec {
  if (!overlay) return base;
  const merged = mergeValue(structuredClone(base), overlay, undefined) as V1PodTemplateSpec;
  merged.metadata = merged.metadata ?? {};
  merged.metadata.labels = { ...(merged.metadata.labels ?? {}), ...keep.labels };
  merged.metadata.annotations = { ...(merged.metadata.annotations ?? {}), ...keep.annotations };
  return merged;
}
