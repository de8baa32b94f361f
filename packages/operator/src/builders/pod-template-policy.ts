// What a user may set in spec.podTemplateSpec. The operator holds Deployment rights in every
// namespace it serves, so anything merged into the pod template is done with the operator's
// authority, not the tenant's: an allow-list (not a deny-list) keeps the runtime pod inside the
// restricted Pod Security Standard, on its own ServiceAccount, image and command, whatever
// fields Kubernetes adds later. Every refusal names the field path.

import { isJsonObject } from "@vmcp/shared-types";
import { CA_BUNDLE_ROOT, CONFIG_MOUNT_DIR, VMCP_CONTAINER } from "./names.ts";

type Json = Record<string, unknown>;

const POD_SPEC_FIELDS = new Set([
  "containers",
  "volumes",
  "imagePullSecrets",
  "nodeSelector",
  "affinity",
  "tolerations",
  "topologySpreadConstraints",
  "priorityClassName",
]);
const CONTAINER_FIELDS = new Set(["name", "resources", "env", "envFrom", "volumeMounts"]);
const MOUNT_FIELDS = new Set(["name", "mountPath", "readOnly", "subPath", "subPathExpr"]);
/** The volume types the restricted Pod Security Standard allows. */
const VOLUME_SOURCES = new Set([
  "configMap",
  "secret",
  "emptyDir",
  "projected",
  "downwardAPI",
  "persistentVolumeClaim",
  "ephemeral",
  "csi",
]);
/** What one kind of operator-built pod reserves: its one container, volumes, mount paths and env. */
export interface PodTemplateProfile {
  /** The only container an overlay may name. */
  container: string;
  /** Env names the operator sets (identity, backend credentials): an overlay must not replace them. */
  reservedEnvPrefixes: readonly string[];
  reservedVolume(name: string): boolean;
  reservedMountPath(path: string): boolean;
  /** Why the image, command and args are not the overlay's to set. */
  imageWhy: string;
}

const isUnder = (path: string, dir: string): boolean => path === dir || path.startsWith(`${dir}/`);
const normalize = (p: string): string => p.replace(/\/+$/, "");

/** The VirtualMCPServer's runtime pod. */
export const VMCP_POD_PROFILE: PodTemplateProfile = {
  container: VMCP_CONTAINER,
  reservedEnvPrefixes: ["VMCP_", "TOOLHIVE_"],
  reservedVolume: (name) => name === "vmcp-config" || name === "tmp" || name.startsWith("ca-bundle-"),
  reservedMountPath: (p) => {
    const path = normalize(p);
    return (
      path === "" ||
      path === CONFIG_MOUNT_DIR ||
      path === "/tmp" ||
      isUnder(path, CA_BUNDLE_ROOT) ||
      CONFIG_MOUNT_DIR.startsWith(`${path}/`) ||
      CA_BUNDLE_ROOT.startsWith(`${path}/`)
    );
  },
  imageWhy: "the operator runs the runtime's own image and command",
};

const WHY: Record<string, string> = {
  securityContext: "the operator sets the restricted security context",
  hostNetwork: "host namespaces break the restricted Pod Security Standard",
  hostPID: "host namespaces break the restricted Pod Security Standard",
  hostIPC: "host namespaces break the restricted Pod Security Standard",
  serviceAccountName: "use spec.serviceAccount",
  serviceAccount: "use spec.serviceAccount",
  automountServiceAccountToken: "the runtime needs exactly its own token",
  nodeName: "scheduling goes through nodeSelector or affinity",
  initContainers: "only the operator's container runs in the pod",
};
const IMAGE_FIELDS = new Set(["image", "command", "args"]);

const refuse = (path: string, field: string, allowed: Set<string>, profile: PodTemplateProfile): string =>
  `${path}: not allowed (${IMAGE_FIELDS.has(field) ? profile.imageWhy : (WHY[field] ?? `allowed here: ${[...allowed].join(", ")}`)})`;

/** Null in a strategic merge removes a generated field; the overlay may only add or replace. */
function findNull(v: unknown, path: string): string | undefined {
  if (v === null) return `${path}: null is not allowed (leave the field out instead)`;
  if (Array.isArray(v)) {
    for (const [i, x] of v.entries()) {
      const key = isJsonObject(x) && typeof x.name === "string" ? x.name : i;
      const found = findNull(x, `${path}[${key}]`);
      if (found) return found;
    }
  } else if (isJsonObject(v)) {
    for (const [k, x] of Object.entries(v)) {
      const found = findNull(x, `${path}.${k}`);
      if (found) return found;
    }
  }
  return undefined;
}

function checkContainer(c: Json, path: string, profile: PodTemplateProfile): string | undefined {
  for (const k of Object.keys(c))
    if (!CONTAINER_FIELDS.has(k)) return refuse(`${path}.${k}`, k, CONTAINER_FIELDS, profile);
  const reservedEnv = profile.reservedEnvPrefixes;
  for (const e of (c.env as Json[] | undefined) ?? []) {
    const name = String(e.name ?? "");
    if (reservedEnv.some((p) => name.startsWith(p))) {
      return `${path}.env[${name}]: not allowed (names starting with ${reservedEnv.join(" or ")} are set by the operator)`;
    }
  }
  for (const m of (c.volumeMounts as Json[] | undefined) ?? []) {
    const where = `${path}.volumeMounts[${String(m.mountPath ?? m.name)}]`;
    for (const k of Object.keys(m))
      if (!MOUNT_FIELDS.has(k)) return refuse(`${where}.${k}`, k, MOUNT_FIELDS, profile);
    if (typeof m.mountPath === "string" && profile.reservedMountPath(m.mountPath)) {
      return `${where}: not allowed (the operator mounts its own volumes there)`;
    }
    if (typeof m.name === "string" && profile.reservedVolume(m.name)) {
      return `${where}: not allowed (volume ${m.name} belongs to the operator)`;
    }
  }
  return undefined;
}

function checkVolume(v: Json, profile: PodTemplateProfile): string | undefined {
  const path = `spec.volumes[${String(v.name)}]`;
  if (profile.reservedVolume(String(v.name)))
    return `${path}: not allowed (the operator owns this volume name)`;
  for (const k of Object.keys(v)) {
    if (k !== "name" && !VOLUME_SOURCES.has(k)) {
      return `${path}.${k}: not allowed (volume types allowed: ${[...VOLUME_SOURCES].join(", ")})`;
    }
  }
  return undefined;
}

/**
 * Returns why the overlay is refused ("<field path>: <reason>"), or undefined when every field is
 * allowed. Expects the shape already checked (lists of named objects where Kubernetes has them).
 */
export function podTemplatePolicyViolation(
  overlay: Json,
  profile: PodTemplateProfile = VMCP_POD_PROFILE,
): string | undefined {
  const nulls = findNull(overlay, "");
  if (nulls) return nulls.replace(/^\./, "");
  for (const k of Object.keys(overlay)) {
    if (k !== "metadata" && k !== "spec") return `${k}: not allowed (allowed: metadata, spec)`;
  }
  if (isJsonObject(overlay.metadata)) {
    for (const k of Object.keys(overlay.metadata)) {
      if (k !== "labels" && k !== "annotations")
        return `metadata.${k}: not allowed (allowed: labels, annotations)`;
    }
  }
  const spec = isJsonObject(overlay.spec) ? overlay.spec : {};
  for (const k of Object.keys(spec))
    if (!POD_SPEC_FIELDS.has(k)) return refuse(`spec.${k}`, k, POD_SPEC_FIELDS, profile);
  for (const c of (spec.containers as Json[] | undefined) ?? []) {
    const path = `spec.containers[${String(c.name)}]`;
    if (c.name !== profile.container)
      return `${path}: not allowed (only the ${profile.container} container runs in the pod)`;
    const why = checkContainer(c, path, profile);
    if (why) return why;
  }
  for (const v of (spec.volumes as Json[] | undefined) ?? []) {
    const why = checkVolume(v, profile);
    if (why) return why;
  }
  for (const [i, t] of ((spec.tolerations as Json[] | undefined) ?? []).entries()) {
    if (typeof t.key !== "string" || t.key === "") {
      return `spec.tolerations[${i}].key: required (a toleration without a key tolerates every taint)`;
    }
  }
  return undefined;
}
