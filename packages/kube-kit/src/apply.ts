import { isJsonObject } from "@vmcp/shared-types";
import type { KubeConnection } from "./connection.ts";
import { isConflict, isNotFound, kubeRequest } from "./http.ts";
import type { KubeObject } from "./informer.ts";
import { needsApply } from "./managed-fields.ts";
import type { OperatorMetrics } from "./metrics.ts";
import { objectPath, resourceFor } from "./resources.ts";

export { needsApply } from "./managed-fields.ts";

export const FIELD_MANAGER = "vmcp-operator";

export interface ApplyOptions {
  fieldManager?: string;
  /** Counts the write in vmcp_operator_apiserver_writes_total{kind,verb}. */
  metrics?: OperatorMetrics;
  /** Default true: take ownership of conflicting fields (we are the declared owner of what we apply). */
  force?: boolean;
}

async function apply<T extends KubeObject>(
  kc: KubeConnection,
  desired: T,
  subresource: "" | "/status",
  opts: ApplyOptions,
): Promise<T> {
  const { apiVersion, kind, metadata } = desired;
  if (!apiVersion || !kind || !metadata?.name)
    throw new Error("apply needs apiVersion, kind and metadata.name");
  const ref = await resourceFor(kc, apiVersion, kind);
  const path = objectPath(ref, metadata.namespace, metadata.name) + subresource;
  opts.metrics?.apiserverWrites.inc({ kind, verb: subresource ? "apply-status" : "apply" });
  return await kubeRequest<T>(kc, {
    method: "PATCH",
    path,
    query: {
      fieldManager: opts.fieldManager ?? FIELD_MANAGER,
      force: opts.force ?? true,
      fieldValidation: "Strict",
    },
    // JSON is YAML, so the apply-patch+yaml content type takes the JSON body as is.
    body: desired,
    contentType: "application/apply-patch+yaml",
  });
}

/** Server-side apply of a whole object (creates it when absent). */
export function applyObject<T extends KubeObject>(
  kc: KubeConnection,
  desired: T,
  opts: ApplyOptions = {},
): Promise<T> {
  return apply(kc, desired, "", opts);
}

/**
 * Server-side apply on the /status subresource. `desired` carries apiVersion, kind,
 * metadata.name/namespace and the status fields this manager owns; fields it leaves out that another
 * manager owns (the runtime's conditions, for example) are untouched.
 */
export function applyStatus<T extends KubeObject>(
  kc: KubeConnection,
  desired: T,
  opts: ApplyOptions = {},
): Promise<T> {
  return apply(kc, desired, "/status", opts);
}

function isEmpty(v: unknown): boolean {
  return (Array.isArray(v) && v.length === 0) || (isJsonObject(v) && Object.keys(v).length === 0);
}

const LIST_KEYS = ["type", "name"] as const;

function listKey(items: unknown[]): string | undefined {
  if (items.length === 0) return undefined;
  for (const k of LIST_KEYS) {
    if (items.every((i) => isJsonObject(i) && typeof i[k] === "string")) return k;
  }
  return undefined;
}

/**
 * True when every field set in desired is present with an equal value in live; live may hold more
 * (defaults, other managers' fields). It cannot see a field or list entry that desired no longer
 * holds, so it is only right where the caller's desired value always has the same set of fields
 * (the config kinds' status in the operator's kit/status.ts); owned objects use `needsApply`.
 * - undefined in desired means "not managed"; null means "must be absent";
 * - an empty array or object in desired matches an absent field;
 * - arrays of objects keyed by `type` (conditions) or `name` are matched by key; other arrays are
 *   compared position by position and must have equal length.
 */
export function isSubsetOf(desired: unknown, live: unknown): boolean {
  if (desired === undefined) return true;
  if (desired === null) return live === undefined || live === null;
  if (live === undefined || live === null) return isEmpty(desired);
  if (Array.isArray(desired)) {
    if (!Array.isArray(live)) return false;
    const key = listKey(desired);
    if (key && listKey(live) === key) {
      const byKey = new Map(live.map((i) => [(i as Record<string, unknown>)[key], i]));
      return desired.every((d) => {
        const l = byKey.get((d as Record<string, unknown>)[key]);
        return l !== undefined && isSubsetOf(d, l);
      });
    }
    return desired.length === live.length && desired.every((d, i) => isSubsetOf(d, live[i]));
  }
  if (isJsonObject(desired)) {
    if (!isJsonObject(live)) return false;
    return Object.entries(desired).every(([k, v]) => isSubsetOf(v, live[k]));
  }
  return desired === live;
}

/**
 * Applies `desired` (an owned object, not its status) unless `needsApply` knows the apply would
 * change nothing in `live`; returns whether a write was sent.
 */
export async function applyIfChanged<T extends KubeObject>(
  kc: KubeConnection,
  desired: T,
  live: T | undefined,
  opts: ApplyOptions = {},
): Promise<{ written: boolean; obj: T | undefined }> {
  if (!needsApply(desired, live, opts.fieldManager ?? FIELD_MANAGER)) return { written: false, obj: live };
  return { written: true, obj: await applyObject(kc, desired, opts) };
}

/**
 * Deletes exactly the object seen (`uid` as a precondition: a same-named replacement someone else
 * created meanwhile is left alone; the API server answers 409 and nothing is deleted). Background
 * propagation: the object goes at once, its dependents (ReplicaSets, pods) after it, through the
 * garbage collector. An object already gone is not an error; returns whether this call deleted it.
 */
export async function deleteExact(
  kc: KubeConnection,
  obj: KubeObject,
  opts: Pick<ApplyOptions, "metrics"> = {},
): Promise<boolean> {
  const { apiVersion, kind, metadata } = obj;
  if (!apiVersion || !kind || !metadata?.name || !metadata.uid)
    throw new Error("deleteExact needs apiVersion, kind, metadata.name and metadata.uid");
  const ref = await resourceFor(kc, apiVersion, kind);
  opts.metrics?.apiserverWrites.inc({ kind, verb: "delete" });
  try {
    await kubeRequest(kc, {
      method: "DELETE",
      path: objectPath(ref, metadata.namespace, metadata.name),
      body: { propagationPolicy: "Background", preconditions: { uid: metadata.uid } },
    });
    return true;
  } catch (e) {
    if (isNotFound(e) || isConflict(e)) return false;
    throw e;
  }
}
