// deploy/monitoring against the binaries: every metric the Grafana dashboard and the alert rules
// query is one that a scrape of the runtime or the operator actually returns, and both /metrics
// follow the Prometheus conventions (HELP everywhere, prefixes, units, *_build_info).
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startHealthServer } from "@vmcp/operator/kit/health-server";
import { createNamespace, type TestNamespace } from "@vmcp/testenv";
import { testKubeConfig } from "@vmcp/testenv/vitest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import operatorPkg from "../packages/operator/package.json" with { type: "json" };
import runtimePkg from "../packages/vmcp-runtime/package.json" with { type: "json" };
import { MONITORING_ALERTS, MONITORING_DIR } from "./harness/chart-readme.ts";
import { type Scenario, startScenario } from "./harness/scenario.ts";

interface Dashboard {
  uid: string;
  title: string;
  schemaVersion: number;
  templating: { list: { name: string; type: string }[] };
  panels: {
    id: number;
    type: string;
    title: string;
    gridPos: { x: number; y: number; w: number; h: number };
    targets: { refId: string; expr: string }[];
  }[];
}

interface Rules {
  groups: {
    name: string;
    rules: {
      alert: string;
      expr: string;
      for: string;
      labels: Record<string, string>;
      annotations: Record<string, string>;
    }[];
  }[];
}

const PROMQL_WORDS = new Set([
  "and",
  "or",
  "unless",
  "by",
  "without",
  "on",
  "ignoring",
  "group_left",
  "group_right",
  "offset",
  "bool",
  "le",
  "inf",
  "nan",
]);

/** Metric names an expression selects: identifiers that are not functions, keywords or labels. */
export function metricNames(expr: string): string[] {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\{[^}]*\}/g, " ")
    .replace(/\[[^\]]*\]/g, " ")
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, " ")
    .replace(/\$\w+/g, " ");
  const names = new Set<string>();
  for (const m of stripped.matchAll(/\b([a-zA-Z_:][a-zA-Z0-9_:]*)\b(\s*\()?/g)) {
    const [, name, call] = m;
    if (!name || call || PROMQL_WORDS.has(name.toLowerCase()) || /^\d/.test(name)) continue;
    names.add(name);
  }
  return [...names];
}

interface Exposition {
  /** Sample names (with _bucket/_sum/_count). */
  samples: Set<string>;
  types: Map<string, string>;
  help: Map<string, string>;
  text: string;
}

function parseExposition(text: string): Exposition {
  const e: Exposition = { samples: new Set(), types: new Map(), help: new Map(), text };
  for (const line of text.split("\n")) {
    const help = /^# HELP (\S+) (.*)$/.exec(line);
    if (help?.[1]) e.help.set(help[1], help[2] ?? "");
    const type = /^# TYPE (\S+) (\S+)$/.exec(line);
    if (type?.[1] && type[2]) e.types.set(type[1], type[2]);
    const sample = /^([a-zA-Z_:][a-zA-Z0-9_:]*)[{ ]/.exec(line);
    if (sample?.[1]) e.samples.add(sample[1]);
  }
  return e;
}

const familyOf = (sample: string, e: Exposition) =>
  e.types.has(sample) ? sample : sample.replace(/_(bucket|sum|count)$/, "");

let ns: TestNamespace;
let s: Scenario;
let workDir: string;
let runtime: Exposition;
let operator: Exposition;
let closeOperatorServer: () => Promise<void> = async () => {};

beforeAll(async () => {
  const admin = testKubeConfig();
  ns = await createNamespace(admin, "monitoring");
  workDir = mkdtempSync(join(tmpdir(), "vmcp-monitoring-"));
  s = await startScenario({
    admin,
    namespace: ns.name,
    operatorScope: { kind: "namespace", namespace: ns.name },
    workDir,
  });
  await s.waitForVmcp("Ready", (v) => v.phase === "Ready");
  // Traffic, so the per-backend request series exist.
  const client = await s.client();
  const tools = (await client.listTools()).tools;
  if (tools[0]) await client.callTool({ name: tools[0].name, arguments: {} }).catch(() => undefined);
  await client.close();
  runtime = parseExposition(await (await fetch(`${s.runtime.url}/metrics`)).text());
  // The operator's registry served by the same health server the vmcp-operator binary starts.
  const server = await startHealthServer({
    host: "127.0.0.1",
    port: 0,
    registry: s.operator.op.metrics.registry,
    ready: () => true,
  });
  closeOperatorServer = server.close;
  operator = parseExposition(await (await fetch(`${server.url}/metrics`)).text());
}, 300_000);

afterAll(async () => {
  await closeOperatorServer();
  await s?.stop();
  await ns?.delete();
  if (workDir) rmSync(workDir, { recursive: true, force: true });
});

describe("/metrics of both binaries", () => {
  it("HELP text on every metric family", () => {
    for (const e of [runtime, operator]) {
      for (const family of e.types.keys()) expect(e.help.get(family)?.trim(), family).toBeTruthy();
      for (const sample of e.samples) expect(e.types.has(familyOf(sample, e)), sample).toBe(true);
    }
  });

  it("*_build_info with the package version and a commit label", () => {
    expect(runtime.text).toMatch(
      new RegExp(`^vmcp_build_info\\{version="${runtimePkg.version}",commit="[^"]+"\\} 1$`, "m"),
    );
    expect(operator.text).toMatch(
      new RegExp(`^vmcp_operator_build_info\\{version="${operatorPkg.version}",commit="[^"]+"\\} 1$`, "m"),
    );
  });

  it("the operator's own metrics are prefixed vmcp_operator_, the runtime's vmcp_", () => {
    const own = (e: Exposition) => [...e.types.keys()].filter((n) => !/^(process|nodejs)_/.test(n));
    for (const n of own(operator)) expect(n).toMatch(/^vmcp_operator_/);
    for (const n of own(runtime)) expect(n).toMatch(/^vmcp_/);
    expect(operator.samples).toContain("vmcp_operator_reconcile_total");
    expect(operator.text).toMatch(
      new RegExp(`^vmcp_operator_virtualmcpserver_ready\\{namespace="${ns.name}",name="gateway"\\} 1$`, "m"),
    );
  });

  it("counters end in _total and histograms name their unit", () => {
    for (const e of [runtime, operator]) {
      for (const [name, type] of e.types) {
        if (type === "counter") expect(name).toMatch(/_total$/);
        if (type === "histogram") expect(name).toMatch(/_(seconds|bytes)$/);
      }
    }
  });

  it("the runtime in Kubernetes mode counts its status writes", () => {
    expect(runtime.text).toMatch(/^vmcp_status_writes_total\{result="ok"\} [1-9]/m);
  });
});

describe("deploy/monitoring", () => {
  const dashboard = JSON.parse(
    readFileSync(join(MONITORING_DIR, "vmcp-dashboard.json"), "utf8"),
  ) as Dashboard;
  const rules = parseYaml(readFileSync(MONITORING_ALERTS, "utf8")) as Rules;

  it("the dashboard has the shape Grafana imports: uid, title, schemaVersion, panels with PromQL targets", () => {
    expect(dashboard.uid).toMatch(/^[a-z0-9-]{1,40}$/);
    expect(dashboard.title).toBeTruthy();
    expect(Number.isInteger(dashboard.schemaVersion)).toBe(true);
    expect(dashboard.templating.list.map((v) => v.name)).toEqual(["datasource", "namespace"]);
    const ids = dashboard.panels.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const p of dashboard.panels) {
      expect(["timeseries", "stat", "table"]).toContain(p.type);
      expect(p.title).toBeTruthy();
      expect(p.gridPos.x + p.gridPos.w, p.title).toBeLessThanOrEqual(24);
      expect(p.targets.length, p.title).toBeGreaterThan(0);
      for (const t of p.targets) expect(t.expr, p.title).toBeTruthy();
    }
  });

  it("every alert has an expression, a duration, a severity, a summary and a description", () => {
    for (const r of rules.groups.flatMap((g) => g.rules)) {
      expect(r.alert).toMatch(/^[A-Z][A-Za-z]+$/);
      expect(r.expr, r.alert).toBeTruthy();
      expect(r.for, r.alert).toMatch(/^\d+[smh]$/);
      expect(["info", "warning", "critical"]).toContain(r.labels.severity);
      expect(r.annotations.summary, r.alert).toBeTruthy();
      expect(r.annotations.description, r.alert).toBeTruthy();
    }
  });

  it("the alerts cover backends down, VirtualMCPServer not Ready, reconcile errors, status reporter failing", () => {
    expect(rules.groups.flatMap((g) => g.rules.map((r) => r.alert)).sort()).toEqual([
      "VirtualMCPServerNotReady",
      "VmcpBackendDown",
      "VmcpOperatorReconcileErrors",
      "VmcpStatusReporterFailing",
    ]);
  });

  it("every metric the dashboard and the alerts query is exported by a binary", () => {
    const exported = new Set([...runtime.samples, ...operator.samples]);
    const queries = [
      ...dashboard.panels.flatMap((p) =>
        p.targets.map((t) => ({ where: `panel "${p.title}"`, expr: t.expr })),
      ),
      ...rules.groups.flatMap((g) => g.rules.map((r) => ({ where: `alert ${r.alert}`, expr: r.expr }))),
    ];
    const referenced = new Set<string>();
    for (const q of queries) {
      const names = metricNames(q.expr);
      expect(names.length, `${q.where}: ${q.expr}`).toBeGreaterThan(0);
      for (const n of names) {
        referenced.add(n);
        expect(exported.has(n), `${q.where} queries ${n}, which neither binary exports`).toBe(true);
      }
    }
    // The dashboard shows the runtime and the operator, not just one of them.
    expect([...referenced].some((n) => n.startsWith("vmcp_operator_"))).toBe(true);
    expect(referenced).toContain("vmcp_backend_up");
  });

  it("metricNames finds selectors, not functions, labels or keywords (the parser the check relies on)", () => {
    expect(
      metricNames(
        'histogram_quantile(0.95, sum by (le, backend) (rate(vmcp_request_duration_seconds_bucket{namespace=~"$namespace"}[$__rate_interval])))',
      ),
    ).toEqual(["vmcp_request_duration_seconds_bucket"]);
    expect(metricNames('count(a_total{x="y"} == 0) or vector(0) unless on (pod) b_up')).toEqual([
      "a_total",
      "b_up",
    ]);
  });
});
