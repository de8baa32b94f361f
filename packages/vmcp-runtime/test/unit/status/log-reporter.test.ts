import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { createLogger } from "../../../src/logger.ts";
import { LogStatusReporter } from "../../../src/status/log-reporter.ts";
import type { BackendStatus, RuntimeStatus } from "../../../src/status/types.ts";

const backend = (i: number, health: BackendStatus["health"]): BackendStatus =>
  ({
    name: `b${i}`,
    url: `http://127.0.0.1:1/${i}`,
    transport: "streamable-http",
    authType: "unauthenticated",
    health,
    toolCount: health === "healthy" ? 50 : 0,
    resourceCount: 0,
    promptCount: 0,
  }) as BackendStatus;

const status = (backends: BackendStatus[], phase: RuntimeStatus["phase"] = "Pending"): RuntimeStatus => ({
  phase,
  message: `${backends.filter((b) => b.health === "healthy").length} healthy`,
  backends,
  backendCount: backends.length,
  healthyBackendCount: backends.filter((b) => b.health === "healthy").length,
  toolCount: backends.reduce((n, b) => n + (b.toolCount ?? 0), 0),
  compositeToolCount: 0,
  compositeToolProblems: [],
  resourceCount: 0,
  promptCount: 0,
  ready: false,
  aggregationMessages: [],
});

type Line = { msg: string; backends: Array<{ name: string; health: string }>; removed?: string[] };

describe("LogStatusReporter", () => {
  it("logs, per change, only the backends whose entry changed: start-up costs O(B) entries, not O(B²)", () => {
    const out = new PassThrough();
    const lines: Line[] = [];
    out.on("data", (c: Buffer) => {
      for (const l of c.toString().split("\n").filter(Boolean)) lines.push(JSON.parse(l) as Line);
    });
    const r = new LogStatusReporter(createLogger({ destination: out }));
    const B = 200;
    const all = Array.from({ length: B }, (_, i) => backend(i, "unknown"));
    r.report(status(all));
    // Backends become healthy one at a time, as their listings arrive at start-up.
    for (let i = 0; i < B; i++) {
      all[i] = backend(i, "healthy");
      r.report(status([...all], i === B - 1 ? "Ready" : "Pending"));
    }
    // Nothing changed: nothing logged.
    r.report(status([...all], "Ready"));
    r.report(status(all.slice(1), "Ready"));
    return new Promise<void>((resolve) =>
      setImmediate(() => {
        expect(lines).toHaveLength(B + 2);
        expect(lines[0]?.backends).toHaveLength(B);
        const entries = lines.reduce((n, l) => n + l.backends.length, 0);
        expect(entries).toBe(2 * B);
        expect(lines[B]?.msg).toMatch(/^status: Ready \(/);
        expect(lines[B]?.backends).toEqual([
          expect.objectContaining({ name: `b${B - 1}`, health: "healthy" }),
        ]);
        expect(lines[B + 1]).toMatchObject({ backends: [], removed: ["b0"] });
        resolve();
      }),
    );
  });
});
