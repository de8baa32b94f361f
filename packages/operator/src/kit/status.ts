import { applyStatus, isSubsetOf } from "@vmcp/kube-kit/apply";
import { type Condition, type ConditionInput, setCondition } from "@vmcp/shared-types";
import type { ControllerContext } from "./context.ts";
import { configHash } from "./hash.ts";

interface StatusHolder {
  apiVersion?: string;
  kind?: string;
  metadata: { name: string; namespace?: string; generation?: number };
  status?: Record<string, unknown> | undefined;
}

/**
 * The conditions this writer owns, with lastTransitionTime carried over from the live object when the
 * status did not change (so an unchanged condition compares equal and causes no write).
 */
export function ownedConditions(live: unknown, inputs: ConditionInput[], now = new Date()): Condition[] {
  const existing = Array.isArray(live) ? (live as Condition[]) : [];
  return inputs.map((input) => {
    const merged = setCondition(existing, input, now);
    return merged.find((c) => c.type === input.type) as Condition;
  });
}

/**
 * Applies `status` to obj's /status subresource under the operator's field manager, unless the live
 * status already holds every value. Returns whether a write was sent.
 * A subset check is enough here, unlike for owned objects (`needsApply`): every caller states its
 * whole status each time with the same fields and condition types, so no field this manager owned
 * can be missing from `status`. Inside it, lists of strings compare whole (by position and length);
 * the one keyed list that can shrink, `referencingWorkloads`, travels with `referenceCount`.
 */
export async function writeStatusIfChanged(
  ctx: Pick<ControllerContext, "kc" | "metrics">,
  obj: StatusHolder,
  status: Record<string, unknown>,
): Promise<boolean> {
  if (isSubsetOf(status, obj.status)) return false;
  await applyStatus(
    ctx.kc,
    {
      apiVersion: obj.apiVersion,
      kind: obj.kind,
      metadata: { name: obj.metadata.name, namespace: obj.metadata.namespace },
      status,
    },
    { metrics: ctx.metrics },
  );
  return true;
}

/** Splits a "namespace/name" queue key. */
export function splitKey(key: string): { namespace: string; name: string } {
  const i = key.indexOf("/");
  return i < 0 ? { namespace: "", name: key } : { namespace: key.slice(0, i), name: key.slice(i + 1) };
}

/** One "path: message" line per zod issue (just the message for an issue on the root). */
export function issueMessages(error: {
  issues: readonly { path: readonly PropertyKey[]; message: string }[];
}): string[] {
  return error.issues.map((i) => (i.path.length ? `${i.path.join(".")}: ${i.message}` : i.message));
}

/**
 * Status of a referenced config kind whose only condition is `Valid`: the problems found (none =
 * valid) and `configHash`, the stable hash of `spec` that the VirtualMCPServer reconciler folds into
 * its config checksum.
 */
export function validConfigStatus(
  obj: StatusHolder,
  spec: unknown,
  problems: string[],
  now = new Date(),
): Record<string, unknown> {
  const gen = obj.metadata.generation;
  const ok = problems.length === 0;
  const valid: ConditionInput = {
    type: "Valid",
    status: ok ? "True" : "False",
    reason: ok ? "ValidationSucceeded" : "ValidationFailed",
    message: ok ? "Configuration is valid" : problems.join("; "),
    observedGeneration: gen,
  };
  return {
    observedGeneration: gen,
    configHash: configHash(spec),
    conditions: ownedConditions(obj.status?.conditions, [valid], now),
  };
}
