import { CoreV1Api } from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import { startControlPlane } from "../../src/control-plane.ts";

// A /24 service range runs out at ~250 ClusterIP Services; the scale bench creates one per server.
const SERVICES = 300;
const PARALLEL = 20;

describe("service range", () => {
  it(`gives ${SERVICES} ClusterIP Services in one namespace a distinct address each`, async () => {
    const plane = await startControlPlane({ installCrds: false });
    try {
      const core = plane.kubeConfig().makeApiClient(CoreV1Api);
      const names = Array.from({ length: SERVICES }, (_, i) => `svc-${i}`);
      for (let i = 0; i < names.length; i += PARALLEL) {
        await Promise.all(
          names.slice(i, i + PARALLEL).map((name) =>
            core.createNamespacedService({
              namespace: "default",
              body: { metadata: { name }, spec: { ports: [{ port: 80 }] } },
            }),
          ),
        );
      }
      const list = await core.listNamespacedService({ namespace: "default" });
      const ips = list.items
        .filter((s) => s.metadata?.name?.startsWith("svc-"))
        .map((s) => s.spec?.clusterIP);
      expect(ips).toHaveLength(SERVICES);
      expect(new Set(ips).size).toBe(SERVICES);
    } finally {
      await plane.stop();
    }
  }, 120_000);
});
