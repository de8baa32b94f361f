// `vmcp validate` and `vmcp serve` must agree: every broken config in the corpus makes both exit 1
// with the same lines (the CLI entry point, in-process: a real process per file is too slow for a
// corpus), and every composite tool a real `vmcp serve` leaves out (as /status reports it) makes
// a real `vmcp validate` exit 1 with the same message.
import { execFile } from "node:child_process";
import { mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../../../src/cli.ts";
import type { RuntimeStatus } from "../../../src/status/types.ts";
import { type StartedBackend, startBackend } from "../../fixtures/backend.ts";
import { FEATURE_CAPABILITIES, registerFeatures } from "../../fixtures/features.ts";
import { until } from "../../fixtures/gateway.ts";
import { spawnNode, urlLine } from "../../fixtures/process.ts";

const MAIN = fileURLToPath(new URL("../../../src/main.ts", import.meta.url));
const FIXTURES = fileURLToPath(new URL("../../fixtures/configs/", import.meta.url));

function run(command: "validate" | "serve", file: string): Promise<{ code: number; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [MAIN, command, "--config", file, ...(command === "serve" ? ["--port", "0"] : [])],
      { env: { PATH: process.env.PATH }, timeout: 30_000 },
      (err, _stdout, stderr) => {
        resolve({ code: err ? (typeof err.code === "number" ? err.code : -1) : 0, stderr });
      },
    );
  });
}

describe("vmcp validate agrees with vmcp serve", () => {
  it("on every broken config of the corpus: both exit 1 with the same problems", async () => {
    const files = (await readdir(FIXTURES)).filter((f) => f.startsWith("broken-")).sort();
    expect(files.length).toBeGreaterThan(10);
    const cli = async (command: string, f: string) => {
      const err: string[] = [];
      const io = { out: () => {}, err: (l: string) => err.push(l) };
      const code = await runCli([command, "--config", FIXTURES + f, "--port", "0"], io);
      return { code, err };
    };
    for (const f of files) {
      const v = await cli("validate", f);
      const s = await cli("serve", f);
      expect({ file: f, code: v.code }).toEqual({ file: f, code: 1 });
      expect(v.err.length).toBeGreaterThan(0);
      expect({ file: f, ...s }).toEqual({ file: f, ...v });
    }
  });

  describe("on composite tools serve leaves out", () => {
    let dir: string;
    let g2: StartedBackend;
    let file: string;
    beforeAll(async () => {
      g2 = await startBackend({ name: "g2", register: registerFeatures, capabilities: FEATURE_CAPABILITIES });
      dir = await mkdtemp(join(tmpdir(), "vmcp-agree-"));
      file = join(dir, "config.yaml");
      const composite = (name: string, steps: string) => [
        `  - name: ${name}`,
        "    description: corpus entry",
        `    steps: ${steps}`,
      ];
      await writeFile(
        file,
        [
          "name: agree",
          "groupRef: g",
          "incomingAuth: { type: anonymous }",
          "backends:",
          `  - { name: g2, url: "${g2.url}", transport: streamable-http }`,
          "compositeTools:",
          ...composite("fine", '[{ id: a, tool: g2_echo, arguments: { text: "hi" } }]'),
          ...composite("broken_template", '[{ id: a, tool: g2_echo, arguments: { text: "{{.params.x" } }]'),
          ...composite(
            "unknown_function",
            '[{ id: a, tool: g2_echo, arguments: { text: "{{nope .params.x}}" } }]',
          ),
          ...composite(
            "uses_range",
            '[{ id: a, tool: g2_echo, arguments: { text: "{{range .params.xs}}x{{end}}" } }]',
          ),
          ...composite(
            "no_default_results",
            '[{ id: a, tool: g2_echo, arguments: { text: "x" }, condition: "{{.params.go}}" }, ' +
              '{ id: b, tool: g2_echo, dependsOn: [a], arguments: { text: "{{.steps.a.output.text}}" } }]',
          ),
          ...composite(
            "unknown_step",
            '[{ id: a, tool: g2_echo, arguments: { text: "{{.steps.nosuch.output.text}}" } }]',
          ),
          ...composite(
            "racy_read",
            '[{ id: a, tool: g2_echo, arguments: { text: "x" } }, ' +
              '{ id: b, tool: g2_echo, arguments: { text: "{{.steps.a.output.text}}" } }]',
          ),
          "",
        ].join("\n"),
      );
    });
    afterAll(async () => {
      await g2?.close();
      if (dir) await rm(dir, { recursive: true, force: true });
    });

    it("validate exits 1 naming exactly the composites serve drops, in serve's words", async () => {
      const v = await run("validate", file);
      const vmcp = await spawnNode([MAIN, "serve", "--config", file, "--port", "0"], urlLine, {
        env: { PATH: process.env.PATH },
      });
      try {
        const status = await until(async () => {
          const s = (await (await fetch(vmcp.value.replace(/\/mcp$/, "/status"))).json()) as RuntimeStatus;
          return s.compositeToolCount > 0 ? s : undefined;
        }, "serve listed g2 and built the composites");
        expect(status.compositeToolCount).toBe(1);
        expect(v.code).toBe(1);
        const validateLines = v.stderr
          .trim()
          .split("\n")
          .map((l) => l.replace(`${file}: `, ""));
        expect(validateLines.sort()).toEqual([...status.compositeToolProblems].sort());
        expect(validateLines).toHaveLength(6);
      } finally {
        await vmcp.stop();
      }
    });
  });
});
