import { defineConfig } from "vitest/config";

// Two projects: pure unit tests, and integration tests that share one real control plane
// (etcd + kube-apiserver from packages/testenv) started by the global setup.
export default defineConfig({
  test: {
    reporters: ["default"],
    projects: [
      {
        test: {
          name: "unit",
          include: ["packages/*/test/unit/**/*.test.ts"],
          environment: "node",
          // Unit tests first, then the integration project with its own worker limit.
          sequence: { groupOrder: 0 },
        },
      },
      {
        test: {
          name: "integration",
          include: ["packages/*/test/integration/**/*.test.ts", "e2e/**/*.test.ts"],
          environment: "node",
          globalSetup: ["packages/testenv/src/vitest-global-setup.ts"],
          testTimeout: 120_000,
          hookTimeout: 300_000,
          pool: "forks",
          maxWorkers: 2,
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
