// metav1.Condition and the pure helpers both writers (operator, runtime) use to keep
// lastTransitionTime stable and to skip writes that would change nothing.
import * as z from "zod";
import { mapList } from "./meta.ts";

export const CONDITION_REASON_PATTERN = /^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$/;
export const CONDITION_TYPE_PATTERN =
  /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])$/;

export const ConditionStatusSchema = z.enum(["True", "False", "Unknown"]);
export type ConditionStatus = z.output<typeof ConditionStatusSchema>;

export const ConditionSchema = z.strictObject({
  type: z
    .string()
    .max(316)
    .regex(CONDITION_TYPE_PATTERN)
    .describe("Condition type in CamelCase, e.g. Ready."),
  status: ConditionStatusSchema.describe("True, False or Unknown."),
  observedGeneration: z
    .int()
    .min(0)
    .describe("metadata.generation the condition was computed from.")
    .optional(),
  lastTransitionTime: z.iso.datetime({ offset: true }).describe("When status last changed (RFC 3339)."),
  reason: z
    .string()
    .min(1)
    .max(1024)
    .regex(CONDITION_REASON_PATTERN)
    .describe("Machine-readable CamelCase reason for the last transition."),
  message: z.string().max(32768).describe("Human-readable detail of the last transition."),
});
export type Condition = z.output<typeof ConditionSchema>;

export const MAX_CONDITIONS = 64;
export const ConditionsSchema = mapList(ConditionSchema, ["type"], MAX_CONDITIONS).describe(
  "Observations of the object's state, one per type.",
);

/** A condition as a writer states it; the time is filled in by setCondition. */
export type ConditionInput = Omit<Condition, "lastTransitionTime"> & { lastTransitionTime?: string };

/** RFC 3339 with second precision, as the API server stores metav1.Time. */
export function conditionTime(now: Date): string {
  return `${now.toISOString().slice(0, 19)}Z`;
}

export function findCondition(
  conditions: readonly Condition[] | undefined,
  type: string,
): Condition | undefined {
  return conditions?.find((c) => c.type === type);
}

export function isConditionTrue(conditions: readonly Condition[] | undefined, type: string): boolean {
  return findCondition(conditions, type)?.status === "True";
}

/**
 * meta.SetStatusCondition: returns a new list with `next` in place of any condition of the same type.
 * lastTransitionTime changes only when the status changes.
 */
export function setCondition(
  conditions: readonly Condition[] | undefined,
  next: ConditionInput,
  now: Date,
): Condition[] {
  const list = [...(conditions ?? [])];
  const index = list.findIndex((c) => c.type === next.type);
  const prev = index >= 0 ? list[index] : undefined;
  const lastTransitionTime =
    prev && prev.status === next.status
      ? prev.lastTransitionTime
      : (next.lastTransitionTime ?? conditionTime(now));
  const merged: Condition = { ...next, lastTransitionTime };
  if (index >= 0) list[index] = merged;
  else list.push(merged);
  return list;
}

export function removeCondition(conditions: readonly Condition[] | undefined, type: string): Condition[] {
  return (conditions ?? []).filter((c) => c.type !== type);
}

/** Same conditions by type, status, reason, message and observedGeneration (times are ignored). */
export function conditionsEqual(
  a: readonly Condition[] | undefined,
  b: readonly Condition[] | undefined,
): boolean {
  const left = a ?? [];
  const right = b ?? [];
  if (left.length !== right.length) return false;
  return left.every((c) => {
    const o = findCondition(right, c.type);
    return (
      o !== undefined &&
      o.status === c.status &&
      o.reason === c.reason &&
      o.message === c.message &&
      o.observedGeneration === c.observedGeneration
    );
  });
}
