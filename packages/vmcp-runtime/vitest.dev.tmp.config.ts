import { defineConfig } from "vitest/config";
export default defineConfig({
  test: { root: "/work/main", include: ["packages/vmcp-runtime/test/**/*.test.ts"], testTimeout: 60_000, hookTimeout: 60_000, pool: "forks" },
});
