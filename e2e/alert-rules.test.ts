// deploy/monitoring/vmcp-alerts.yaml under Prometheus's own rule loader and evaluator: promtool
// accepts the file and the chart's copy of it, and its unit tests (vmcp-alerts.test.yaml: each
// alert fires once its condition has held for its `for`, not before, and not on the near misses)
// pass. promtool is built from the Go module proxy once, like helm.
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { CHART_ALERTS, MONITORING_ALERTS, MONITORING_DIR } from "./harness/chart-readme.ts";
import { ensurePromtool } from "./harness/promtool.ts";

interface RuleFile {
  groups: { rules: { alert: string }[] }[];
}
interface TestFile {
  tests: { alert_rule_test: { alertname: string }[] }[];
}

let promtool: string;

function run(args: string[]): { status: number | null; output: string } {
  const r = spawnSync(promtool, args, { cwd: MONITORING_DIR, encoding: "utf8", timeout: 60_000 });
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

// A cold build of promtool takes minutes on two cores; after that it is cached.
beforeAll(async () => {
  promtool = await ensurePromtool({ log: (line) => console.log(line) });
}, 1_800_000);

describe("the alert rules under promtool", () => {
  it("promtool check rules accepts deploy/monitoring/vmcp-alerts.yaml and the chart's copy", () => {
    for (const file of [MONITORING_ALERTS, CHART_ALERTS]) {
      const r = run(["check", "rules", file]);
      expect(r.output, file).toMatch(/SUCCESS: 4 rules found/);
      expect(r.status, r.output).toBe(0);
    }
  });

  it("promtool test rules: every alert fires after its duration, not before, not on near misses", () => {
    const r = run(["test", "rules", "vmcp-alerts.test.yaml"]);
    expect(r.status, r.output).toBe(0);
    expect(r.output).toMatch(/SUCCESS/);
  });

  it("the unit tests cover every alert the file defines", () => {
    const rules = parseYaml(readFileSync(MONITORING_ALERTS, "utf8")) as RuleFile;
    const tests = parseYaml(readFileSync(join(MONITORING_DIR, "vmcp-alerts.test.yaml"), "utf8")) as TestFile;
    const defined = new Set(rules.groups.flatMap((g) => g.rules.map((rule) => rule.alert)));
    const tested = new Set(tests.tests.flatMap((t) => t.alert_rule_test.map((a) => a.alertname)));
    expect([...tested].sort()).toEqual([...defined].sort());
  });
});
