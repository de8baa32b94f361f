// Condition bookkeeping for the operator's share of VirtualMCPServer status.
import type { Condition } from "@vmcp/shared-types";

/** What a validation step concludes; lastTransitionTime and observedGeneration are filled later. */
export interface ConditionInput {
  type: string;
  status: "True" | "False" | "Unknown";
  reason: string;
  message: string;
}

/**
 * Turns condition inputs into full conditions, keeping the live lastTransitionTime when the status
 * did not change (metav1 semantics), so re-computing an unchanged world yields an identical object.
 */
export function materializeConditions(
  inputs: ConditionInput[],
  live: readonly Condition[] | undefined,
  generation: number,
  now: Date,
): Condition[] {
  const byType = new Map((live ?? []).map((c) => [c.type, c]));
  const seen = new Set<string>();
  const out: Condition[] = [];
  for (const c of inputs) {
    if (seen.has(c.type)) continue;
    seen.add(c.type);
    const prev = byType.get(c.type);
    const lastTransitionTime =
      prev && prev.status === c.status
        ? prev.lastTransitionTime
        : now.toISOString().replace(/\.\d{3}Z$/, "Z");
    out.push({ ...c, observedGeneration: generation, lastTransitionTime });
  }
  return out.sort((a, b) => (a.type < b.type ? -1 : a.type > b.type ? 1 : 0));
}
