import fc from "fast-check";
import { Counter, Histogram, Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { CALL_OUTCOMES, type CallOutcome, DURATION_BUCKETS } from "../../../src/call-metrics.ts";
import { Metrics } from "../../../src/metrics.ts";

type Call = [backend: string, method: string, outcome: CallOutcome, seconds: number];

/** Exposition text as comparable lines: comments as they are, samples with sorted labels. */
function normalised(text: string): string[] {
  return text
    .split("\n")
    .filter((l) => l !== "")
    .map((l) => {
      if (l.startsWith("#")) return l;
      const m = /^([^{ ]+)(?:\{(.*)\})? (.+)$/.exec(l);
      if (!m) throw new Error(`unparsable line ${l}`);
      const labels = (m[2] ?? "")
        .split(/,(?=[a-z_]+=")/)
        .filter(Boolean)
        .sort()
        .join(",");
      return `${m[1]}{${labels}} ${m[3]}`;
    })
    .sort();
}

/** The two request families of a registry, as comparable lines. */
async function requestFamilies(registry: Registry): Promise<string[]> {
  const names = ["vmcp_requests_total", "vmcp_request_duration_seconds"];
  const texts = await Promise.all(names.map((n) => registry.getSingleMetricAsString(n)));
  return normalised(texts.join("\n"));
}

/** The same requests through prom-client's own Counter and Histogram. */
function reference(calls: Call[]): Promise<string[]> {
  const registry = new Registry();
  const requests = new Counter({
    name: "vmcp_requests_total",
    help: "MCP requests handled, by backend (or 'vmcp' when answered locally), method and outcome",
    labelNames: ["backend", "method", "outcome"],
    registers: [registry],
  });
  const duration = new Histogram({
    name: "vmcp_request_duration_seconds",
    help: "Time from receiving an MCP request to its response, by backend and method",
    labelNames: ["backend", "method"],
    buckets: [...DURATION_BUCKETS],
    registers: [registry],
  });
  for (const [backend, method, outcome, seconds] of calls) {
    duration.labels(backend, method).observe(seconds);
    requests.labels(backend, method, outcome).inc();
  }
  return requestFamilies(registry);
}

const call = fc.tuple(
  fc.constantFrom("alpha", "beta", "vmcp"),
  fc.constantFrom("tools/call", "tools/list", "initialize"),
  fc.constantFrom(...CALL_OUTCOMES),
  // On a bound, just past it, or anywhere.
  fc.oneof(fc.constantFrom(...DURATION_BUCKETS), fc.double({ min: 0, max: 60, noNaN: true })),
);

describe("request metrics", () => {
  it("expose exactly what prom-client's own counter and histogram would, scrape after scrape", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(call, { maxLength: 40 }), fc.array(call, { maxLength: 40 }), async (a, b) => {
        const m = new Metrics();
        for (const c of a) m.record(...c);
        expect(await requestFamilies(await m.registry())).toEqual(await reference(a));
        for (const c of b) m.record(...c);
        expect(await requestFamilies(await m.registry())).toEqual(await reference([...a, ...b]));
      }),
      { numRuns: 100 },
    );
  });

  it("times a request from its start", async () => {
    const m = new Metrics();
    m.observe("alpha", "tools/call", "ok", process.hrtime.bigint() - 3_000_000n);
    const text = await (await m.registry()).metrics();
    expect(text).toContain('vmcp_requests_total{backend="alpha",method="tools/call",outcome="ok"} 1');
    expect(text).toMatch(/vmcp_request_duration_seconds_bucket\{[^}]*le="0\.0025"[^}]*\} 0/);
    expect(text).toMatch(/vmcp_request_duration_seconds_bucket\{[^}]*le="0\.005"[^}]*\} 1/);
  });
});
