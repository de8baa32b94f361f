// /status answers from one snapshot (and its JSON) while nothing changed, and from a new one at
// once when anything did, including a check that only moves a backend's lastCheckTime.
import { afterAll, expect, it } from "vitest";
import type { HealthMonitor } from "../../src/health/monitor.ts";
import type { CheckResult } from "../../src/health/state-machine.ts";
import type { RuntimeStatus } from "../../src/status/types.ts";
import { type StartedBackend, startBackend } from "../fixtures/backend.ts";
import { registerManyTools } from "../fixtures/features.ts";
import { type StartedGateway, startGateway, until } from "../fixtures/gateway.ts";

let backend: StartedBackend | undefined;
let gw: StartedGateway | undefined;
afterAll(async () => {
  await gw?.close();
  await backend?.close();
});

it("reuses the status snapshot until something in it changes, and serves a change at once", async () => {
  backend = await startBackend({ name: "alpha", register: registerManyTools(3) });
  let next: CheckResult = { ok: true, latencyMs: 1 };
  gw = await startGateway([{ name: "alpha", url: backend.url }], {
    // Checks run only when the test asks for one.
    health: { intervalMs: 3_600_000, timeoutMs: 2_000, unhealthyThreshold: 1, probe: async () => next },
  });
  const { gateway, base } = gw;
  const monitor = gateway.health as HealthMonitor;
  const getStatus = async () => (await (await fetch(`${base}/status`)).json()) as RuntimeStatus;
  await until(() => gateway.status().backends[0]?.health === "healthy", "alpha healthy");

  const snapshot = gateway.status();
  expect(gateway.status()).toBe(snapshot);
  expect(await getStatus()).toEqual(snapshot);

  // A passing check changes nothing but lastCheckTime, and emits no change event.
  const checkedBefore = snapshot.backends[0]?.lastCheckTime as string;
  await until(() => Date.now() > Date.parse(checkedBefore), "the clock moved on");
  await monitor.checkNow("alpha");
  const checked = await getStatus();
  expect(checked.backends[0]?.health).toBe("healthy");
  expect(Date.parse(checked.backends[0]?.lastCheckTime as string)).toBeGreaterThan(Date.parse(checkedBefore));
  expect(gateway.status()).not.toBe(snapshot);

  next = { ok: false, kind: "refused", message: "Connection refused" };
  await monitor.checkNow("alpha");
  const failed = await getStatus();
  expect(failed.backends[0]).toMatchObject({ name: "alpha", health: "unhealthy" });
  expect(failed.healthyBackendCount).toBe(0);
});
