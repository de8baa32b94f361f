import { describe, expect, it } from "vitest";
import { silentLogger } from "../../../src/logger.ts";
import { Metrics } from "../../../src/metrics.ts";
import { createRuntime } from "../../../src/runtime/create.ts";
import { config } from "./one-backend-config.ts";

describe("createRuntime (standalone)", () => {
  it("wires source -> registry -> pool -> health -> catalog -> gateway, serves, and stops in order", async () => {
    const rt = await createRuntime(config, {
      log: silentLogger(),
      secrets: new Map(),
      metrics: new Metrics(),
      retry: { initialMs: 50, maxMs: 100 },
    });
    expect(rt.reporter).toBeUndefined();
    expect(rt.source.mode).toBe("static");
    // Standalone runs the same active checks as Kubernetes mode.
    expect(rt.monitor).toBeDefined();
    expect(rt.health).toBe(rt.monitor);
    expect(rt.gateway.catalog).toBe(rt.catalog);
    const { port } = await rt.start("127.0.0.1", 0);
    try {
      const status = await (await fetch(`http://127.0.0.1:${port}/status`)).json();
      expect(status).toMatchObject({ backendCount: 1, backends: [{ name: "a" }] });
    } finally {
      await rt.stop();
    }
    expect(rt.pool.get("a")).toBeUndefined();
    expect(rt.monitor?.snapshot("a")).toBeUndefined();
    // stop() is idempotent (a signal after an abort).
    await rt.stop();
  });
});
