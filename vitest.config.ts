import { defineConfig } from "vitest/config";

// Three projects: pure unit tests, integration tests that share one real control plane
// (etcd + kube-apiserver from packages/testenv) started by the global setup, and real-node tests.
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
          exclude: ["e2e/node/**", "**/node_modules/**"],
          environment: "node",
          globalSetup: ["packages/testenv/src/vitest-global-setup.ts"],
          testTimeout: 120_000,
          hookTimeout: 300_000,
          pool: "forks",
          maxWorkers: 2,
          sequence: { groupOrder: 1 },
        },
      },
      {
        // A real node (kubelet, containerd, pods): one per host, so files run one after another,
        // each starting and stopping its own node. Skipped, with the reason printed, where it cannot run.
        test: {
          name: "node",
          include: ["packages/*/test/node/**/*.test.ts", "e2e/node/**/*.test.ts"],
          environment: "node",
          testTimeout: 300_000,
          hookTimeout: 600_000,
          pool: "forks",
          fileParallelism: false,
          sequence: { groupOrder: 2 },
        },
      },
    ],
  },
});
