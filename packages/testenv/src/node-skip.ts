import { nodePreflight } from "./node-host.ts";

/**
 * Why node tests cannot run on this machine, or null when they can. Printed once by the caller, so
 * a skipped run says exactly what is missing. VMCP_REQUIRE_NODE=1 (CI) turns a skip into a failure.
 */
export function nodeSkipReason(): string | null {
  const missing = nodePreflight({ install: true, log: (l) => process.stderr.write(`[testenv] ${l}\n`) });
  if (missing.length === 0) return null;
  const reason = `real-node tests skipped: this machine lacks ${missing.join("; ")}`;
  if (process.env.VMCP_REQUIRE_NODE === "1") throw new Error(`${reason} (VMCP_REQUIRE_NODE=1)`);
  process.stderr.write(`[testenv] ${reason}\n`);
  return reason;
}
