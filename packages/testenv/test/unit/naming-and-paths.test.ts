import { describe, expect, it } from "vitest";
import { namespaceName } from "../../src/namespaces.ts";
import { binaryCacheDir, cacheDir } from "../../src/paths.ts";

describe("namespaceName", () => {
  it("turns any prefix into a valid DNS-1123 label with a random suffix", () => {
    for (const prefix of ["My_Test File.ts", "--x--", "", "a".repeat(100), "vmcp"]) {
      const name = namespaceName(prefix);
      expect(name).toMatch(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
      expect(name.length).toBeLessThanOrEqual(63);
    }
    expect(namespaceName("Operator Tests", "abc123")).toBe("operator-tests-abc123");
    expect(namespaceName("x")).not.toBe(namespaceName("x"));
  });
});

describe("cache location", () => {
  it("prefers VMCP_CACHE_DIR, then XDG_CACHE_HOME, then ~/.cache", () => {
    expect(cacheDir({ VMCP_CACHE_DIR: "/c", XDG_CACHE_HOME: "/x" })).toBe("/c");
    expect(cacheDir({ XDG_CACHE_HOME: "/x" })).toBe("/x/vmcp-k8s");
    expect(cacheDir({})).toMatch(/\/\.cache\/vmcp-k8s$/);
  });

  it("keys binaries by both versions so a bump never reuses stale binaries", () => {
    expect(binaryCacheDir({ kubernetes: "v1.36.3", etcd: "v3.6.16" }, { VMCP_CACHE_DIR: "/c" })).toBe(
      "/c/bin/k8s-v1.36.3-etcd-v3.6.16",
    );
  });
});
