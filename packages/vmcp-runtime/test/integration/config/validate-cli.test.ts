import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const main = fileURLToPath(new URL("../../../src/main.ts", import.meta.url));
const fixtures = fileURLToPath(new URL("../../fixtures/configs/", import.meta.url));

function validate(
  file: string,
  env: NodeJS.ProcessEnv = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [main, "validate", "--config", fixtures + file],
      { env: { PATH: process.env.PATH, ...env }, timeout: 30_000 },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === "number" ? err.code : -1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

describe("vmcp validate (real process)", () => {
  it("exits 1 and prints every problem with its path and line for broken configs", async () => {
    const [dupes, env, unknown] = await Promise.all([
      validate("broken-duplicates.yaml"),
      validate("broken-env-missing.yaml", { VMCP_TEST_EMPTY_SECRET: "" }),
      validate("broken-unknown-key.yaml"),
    ]);
    expect(dupes.code).toBe(1);
    expect(dupes.stderr).toContain("broken-duplicates.yaml: 3 problems found");
    expect(dupes.stderr).toContain('backends[1].name (line 5): duplicate backend "github"');
    expect(dupes.stderr).toContain(
      'aggregation.conflictResolutionConfig.priorityOrder[1] (line 9): "github" is listed twice',
    );
    expect(dupes.stderr).toContain("aggregation.tools[1].workload (line 12)");
    expect(env.code).toBe(1);
    expect(env.stderr).toContain("outgoingAuth.backends.github.headerInjection.headerValueEnv (line 12)");
    expect(env.stderr).toContain("VMCP_TEST_EMPTY_SECRET is set but empty");
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain(
      'aggregation.conflict_resolution (line 5): unknown field; did you mean "conflictResolution"?',
    );
  });

  it("exits 0 for the ToolHive-style static config once its secrets are in the environment", async () => {
    const ok = await validate("toolhive-static.yaml", {
      VMCP_OIDC_CLIENT_SECRET: "sekrit-oidc",
      TOOLHIVE_HEADER_INJECTION_VALUE_GITHUB_KEY: "sekrit-header",
      TOOLHIVE_TOKEN_EXCHANGE_CLIENT_SECRET_DOCS: "sekrit-te",
    });
    expect(ok).toMatchObject({ code: 0, stderr: "" });
    expect(ok.stdout).toContain("valid (2 static backends)");
    expect(ok.stdout + ok.stderr).not.toContain("sekrit");
  });
});
