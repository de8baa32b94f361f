// `kubectl explain` against the real API server shows each field's description, default and unit
// at every depth: what a user reads before writing a manifest.
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { ensureBinaries } from "@vmcp/testenv";
import { describe, expect, inject, it } from "vitest";

const run = promisify(execFile);

async function explain(path: string): Promise<string> {
  const { kubectl } = await ensureBinaries();
  const kubeconfig = inject("kubeconfigPath");
  const { stdout } = await run(kubectl, ["--kubeconfig", kubeconfig, "explain", path], { timeout: 30_000 });
  // kubectl wraps descriptions at its terminal width.
  return stdout.replace(/\s+/g, " ");
}

describe("kubectl explain", () => {
  it("virtualmcpserver.spec.config: the block and its fields are described", async () => {
    const out = await explain("virtualmcpserver.spec.config");
    expect(out).toContain("Runtime configuration (vMCP config.yaml) without the fields the operator derives");
    expect(out).toMatch(/operational <Object> Timeouts, failure handling and client-facing limits\./);
    expect(out).toMatch(/audit <Object> Audit events: one structured record per MCP request\./);
  });

  it("two levels deeper: defaults and units are in the text", async () => {
    const fh = await explain("virtualmcpserver.spec.config.operational.failureHandling");
    expect(fh).toContain("Health checks, circuit breaker and partial-failure behaviour.");
    expect(fh).toMatch(/healthCheckInterval <string> Time between backend health checks; default 30s\./);

    const timeout = await explain(
      "virtualmcpserver.spec.config.operational.failureHandling.circuitBreaker.timeout",
    );
    expect(timeout).toContain(
      "How long the circuit stays open before a trial request; default 60s, at least 1s.",
    );
  });

  it("a status field of another kind is described too", async () => {
    expect(await explain("mcpoidcconfig.status.referenceCount")).toMatch(/DESCRIPTION: \S/);
  });
});
