// Would a server-side apply of `desired` change `live`? Answered from the live object's
// metadata.managedFields: the apply replaces exactly the field set our manager owns, so it is a
// no-op only when (a) the fields we would own now are the fields we already own (nothing added,
// nothing dropped) and (b) each of them already holds the desired value. Every doubt answers
// "apply": an apply that changes nothing costs one request, a skipped one that mattered is a bug.
//
// The field set encoding is Kubernetes' FieldsV1 (structured-merge-diff): `f:<name>` for a struct or
// map field, `k:{json}` for an entry of an associative list (containers by name, ports by
// containerPort+protocol ...), `v:<json>` for an entry of a set, `.` for "this entry itself", and an
// empty object for a leaf (a scalar, an empty map, or an atomic struct or list that is owned whole).
// Rather than a copy of every built-in type's schema, the list and map semantics are read from the
// owned set itself: the API server wrote it from the schema when it accepted our last apply.

import { isJsonObject } from "@vmcp/shared-types";

export interface ManagedFieldsEntry {
  manager?: string;
  operation?: string;
  subresource?: string;
  fieldsType?: string;
  fieldsV1?: unknown;
}

/** Any live object as read from the API server (a client-node type or a plain JSON object). */
export interface AppliedObject {
  apiVersion?: string | undefined;
  kind?: string | undefined;
  metadata?:
    | { name?: string | undefined; managedFields?: readonly ManagedFieldsEntry[] | undefined }
    | undefined;
}

type FieldsNode = Record<string, unknown>;

/** Fields the API server never records in managedFields; the main resource's apply resets status. */
const UNRECORDED_TOP = ["apiVersion", "kind", "status"];
const UNRECORDED_META = [
  "name",
  "namespace",
  "uid",
  "resourceVersion",
  "generation",
  "creationTimestamp",
  "selfLink",
  "managedFields",
];

/**
 * Key fields the API server fills in before it computes the key of an associative-list entry
 * (a container or Service port without a protocol is keyed as TCP).
 */
const KEY_DEFAULTS: Record<string, unknown> = { protocol: "TCP" };

/**
 * The FieldsV1 set `manager` owns through a server-side apply on the main resource (not a
 * subresource), or undefined when it owns none there.
 */
export function appliedFieldSet(live: AppliedObject, manager: string): FieldsNode | undefined {
  const entries = (live.metadata?.managedFields ?? []).filter(
    (e) =>
      e.manager === manager &&
      e.operation === "Apply" &&
      (e.subresource === undefined || e.subresource === "") &&
      e.fieldsType === "FieldsV1",
  );
  // The API server keeps one entry per manager, operation and subresource; more is a shape we do not know.
  const only = entries.length === 1 ? entries[0]?.fieldsV1 : undefined;
  return isJsonObject(only) ? only : undefined;
}

/**
 * True unless a server-side apply of `desired` by `manager` is known to change nothing in `live`.
 * Fields another manager set (replicas by an autoscaler, defaults, annotations of other tools) never
 * cause an apply; a field we applied before and no longer want does (the apply removes it).
 */
export function needsApply(desired: object, live: AppliedObject | undefined, manager: string): boolean {
  if (!live) return true;
  const owned = appliedFieldSet(live, manager);
  if (!owned) return true;
  return !sameEntry(recordedPart(desired), owned, live);
}

function recordedPart(desired: object): Record<string, unknown> {
  const out: Record<string, unknown> = { ...desired };
  for (const k of UNRECORDED_TOP) delete out[k];
  if (isJsonObject(out.metadata)) {
    const meta: Record<string, unknown> = { ...out.metadata };
    for (const k of UNRECORDED_META) delete meta[k];
    if (Object.keys(meta).length === 0) delete out.metadata;
    else out.metadata = meta;
  }
  return out;
}

function children(node: FieldsNode): string[] {
  return Object.keys(node).filter((k) => k !== ".");
}

function isLeaf(node: FieldsNode): boolean {
  return children(node).length === 0;
}

function sameKeys(a: Iterable<string>, b: Iterable<string>): boolean {
  const sa = new Set(a);
  const sb = new Set(b);
  return sa.size === sb.size && [...sa].every((k) => sb.has(k));
}

/** One value against the owned node at the same path and the live value there. */
function sameValue(desired: unknown, owned: unknown, live: unknown): boolean {
  if (desired === undefined) return owned === undefined;
  if (Array.isArray(desired)) return sameList(desired, owned, live);
  // An owned path always has a node; no node means we would start owning it.
  if (!isJsonObject(owned)) return false;
  if (desired === null) return isLeaf(owned) && (live === undefined || live === null);
  if (isJsonObject(desired)) {
    if (Object.keys(desired).length === 0) return isLeaf(owned) && isJsonObject(live);
    // A leaf over a non-empty object: the schema makes it atomic (a label selector), owned whole.
    if (isLeaf(owned)) return deepEqual(desired, live);
    return sameEntry(desired, owned, live);
  }
  return isLeaf(owned) && desired === live;
}

/** A struct, map or list entry whose fields are listed one by one in `owned`. */
function sameEntry(desired: Record<string, unknown>, owned: FieldsNode, live: unknown): boolean {
  if (!isJsonObject(live)) return false;
  const fields = Object.keys(desired).filter((k) => desired[k] !== undefined);
  // An empty granular list adds nothing to the field set (an empty atomic one is a leaf).
  const recorded = fields.filter((k) => {
    const v = desired[k];
    const node = owned[`f:${k}`];
    return !(Array.isArray(v) && v.length === 0) || (isJsonObject(node) && isLeaf(node));
  });
  if (
    !sameKeys(
      recorded.map((k) => `f:${k}`),
      children(owned),
    )
  )
    return false;
  return fields.every((k) => sameValue(desired[k], owned[`f:${k}`], live[k]));
}

function sameList(desired: unknown[], owned: unknown, live: unknown): boolean {
  if (owned === undefined) return desired.length === 0;
  if (!isJsonObject(owned)) return false;
  if (isLeaf(owned)) return deepEqual(desired, live ?? []) || (desired.length === 0 && live === undefined);
  if (!Array.isArray(live)) return false;
  const keys = children(owned);
  if (keys.every((k) => k.startsWith("k:"))) return sameMapList(desired, owned, keys, live);
  if (keys.every((k) => k.startsWith("v:"))) {
    return (
      sameKeys(
        desired.map((v) => `v:${JSON.stringify(v)}`),
        keys,
      ) && desired.every((v) => live.some((l) => deepEqual(v, l)))
    );
  }
  // Positional (`i:`) or mixed: not a shape our objects use; let the API server decide.
  return false;
}

function sameMapList(desired: unknown[], owned: FieldsNode, ownedKeys: string[], live: unknown[]): boolean {
  const ownedByKey = new Map<string, unknown>();
  const keyFields = new Set<string>();
  for (const k of ownedKeys) {
    const parsed = parseKey(k);
    if (!parsed) return false;
    for (const f of Object.keys(parsed)) keyFields.add(f);
    ownedByKey.set(canonical(parsed), owned[k]);
  }
  const fields = [...keyFields];
  const desiredKeys = desired.map((d) => entryKey(d, fields));
  if (desiredKeys.some((k) => k === undefined)) return false;
  if (!sameKeys(desiredKeys as string[], ownedByKey.keys()) || new Set(desiredKeys).size !== desired.length)
    return false;
  const liveByKey = new Map<string, unknown>();
  for (const l of live) {
    const k = entryKey(l, fields);
    if (k !== undefined) liveByKey.set(k, l);
  }
  return desired.every((d, i) => {
    const key = desiredKeys[i] as string;
    const node = ownedByKey.get(key);
    if (!isJsonObject(node) || !isJsonObject(d)) return false;
    // An entry owned whole (an atomic struct such as an owner reference) lists no fields.
    if (isLeaf(node)) return deepEqual(d, liveByKey.get(key));
    return sameEntry(d, node, liveByKey.get(key));
  });
}

function parseKey(k: string): Record<string, unknown> | undefined {
  try {
    const parsed: unknown = JSON.parse(k.slice(2));
    return isJsonObject(parsed) && Object.keys(parsed).length > 0 ? parsed : undefined;
  } catch {
    return undefined;
  }
}

function entryKey(entry: unknown, fields: string[]): string | undefined {
  if (!isJsonObject(entry)) return undefined;
  const key: Record<string, unknown> = {};
  for (const f of fields) {
    const v = entry[f] ?? KEY_DEFAULTS[f];
    if (v === undefined) return undefined;
    key[f] = v;
  }
  return canonical(key);
}

function canonical(key: Record<string, unknown>): string {
  return JSON.stringify(Object.fromEntries(Object.entries(key).sort(([a], [b]) => (a < b ? -1 : 1))));
}

function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a))
    return Array.isArray(b) && a.length === b.length && a.every((v, i) => deepEqual(v, b[i]));
  if (isJsonObject(a) && isJsonObject(b)) {
    const ka = Object.keys(a).filter((k) => a[k] !== undefined);
    const kb = Object.keys(b).filter((k) => b[k] !== undefined);
    return sameKeys(ka, kb) && ka.every((k) => deepEqual(a[k], b[k]));
  }
  return false;
}
