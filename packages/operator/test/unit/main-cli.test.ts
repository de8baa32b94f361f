import { describe, expect, it } from "vitest";
import { parseCli, USAGE } from "../../src/main.ts";

describe("vmcp-operator flags", () => {
  it("uses flags over environment over defaults", () => {
    const env = { VMCP_IMAGE: "env/image:1", METRICS_PORT: "9000", WATCH_NAMESPACE: "envns" };
    const o = parseCli(["--vmcp-image", "flag/image:2", "--namespace", "team-a"], env);
    expect(o).toMatchObject({
      vmcpImage: "flag/image:2",
      namespace: "team-a",
      metricsPort: 9000,
      leaderElect: false,
    });
    expect(parseCli([], env).namespace).toBe("envns");
    expect(parseCli([], {}).namespace).toBeUndefined();
  });

  it("takes --leader-elect bare or with a value, and the lease location", () => {
    expect(parseCli(["--leader-elect"], {}).leaderElect).toBe(true);
    expect(parseCli(["--leader-elect=false"], { LEADER_ELECT: "true" }).leaderElect).toBe(false);
    const o = parseCli(
      ["--leader-elect", "--leader-election-namespace", "ops", "--leader-election-id", "lease"],
      {},
    );
    expect(o).toMatchObject({ leaderElect: true, leaderElectionNamespace: "ops", leaderElectionId: "lease" });
    expect(parseCli([], { POD_NAMESPACE: "pods" }).leaderElectionNamespace).toBe("pods");
  });

  it("rejects unknown flags and bad ports", () => {
    expect(() => parseCli(["--bogus"], {})).toThrow();
    expect(() => parseCli(["--metrics-port", "70000"], {})).toThrow(/not a port/);
    expect(() => parseCli(["--leader-elect=maybe"], {})).toThrow(/true or false/);
  });

  it("takes --concurrency (8 by default) and refuses values that are not 1-64", () => {
    expect(parseCli([], {}).concurrency).toBe(8);
    expect(parseCli([], { CONCURRENCY: "4" }).concurrency).toBe(4);
    expect(parseCli(["--concurrency", "16"], { CONCURRENCY: "4" }).concurrency).toBe(16);
    for (const bad of ["0", "65", "2.5", "many", "-1"]) {
      expect(() => parseCli([`--concurrency=${bad}`], {})).toThrow(/--concurrency: expected a whole number/);
    }
  });

  it("documents every flag in --help", () => {
    expect(parseCli(["--help"], {}).help).toBe(true);
    for (const flag of [
      "--vmcp-image",
      "--namespace",
      "--metrics-addr",
      "--metrics-port",
      "--leader-elect",
      "--kubeconfig",
      "--concurrency",
    ]) {
      expect(USAGE).toContain(flag);
    }
  });
});
