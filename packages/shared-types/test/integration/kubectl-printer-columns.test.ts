import { execFile } from "node:child_process";
import { dirname, join } from "node:path";
import { promisify } from "node:util";
import { CustomObjectsApi, type KubeConfig } from "@kubernetes/client-node";
import { createNamespace, ensureBinaries, type TestNamespace } from "@vmcp/testenv";
import { eventually } from "@vmcp/testenv/test-kit";
import { testKubeConfig } from "@vmcp/testenv/vitest";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { GROUP, KIND_INFO, VERSION } from "../../src/index.ts";

const run = promisify(execFile);
const plural = KIND_INFO.VirtualMCPServer.plural;
describe("kubectl get vmcp", () => {
  let admin: KubeConfig;
  let ns: TestNamespace;
  let kubectl: string;
  beforeAll(async () => {
    admin = testKubeConfig();
    ns = await createNamespace(admin, "testenv-kubectl");
    kubectl = (await ensureBinaries()).kubectl;
  });
  afterAll(async () => {
    await ns?.delete();
  });

  it("shows NAME, PHASE, URL, BACKENDS, AGE, READY with the object's status", async () => {
    const api = admin.makeApiClient(CustomObjectsApi);
    await api.createNamespacedCustomObject({
      group: GROUP,
      version: VERSION,
      namespace: ns.name,
      plural,
      body: {
        apiVersion: `${GROUP}/${VERSION}`,
        kind: "VirtualMCPServer",
        metadata: { name: "demo" },
        spec: { groupRef: { name: "team" }, incomingAuth: { type: "anonymous" } },
      },
    });
    await api.patchNamespacedCustomObjectStatus({
      group: GROUP,
      version: VERSION,
      namespace: ns.name,
      plural,
      name: "demo",
      body: [
        {
          op: "add",
          path: "/status",
          value: {
            phase: "Ready",
            url: "http://vmcp-demo.example:4483",
            backendCount: 2,
            conditions: [
              {
                type: "Ready",
                status: "True",
                reason: "AllBackendsReady",
                message: "2 of 2 backends ready",
                lastTransitionTime: new Date().toISOString().replace(/\.\d+Z$/, "Z"),
              },
            ],
          },
        },
      ],
    });

    const kubeconfigPath = inject("kubeconfigPath");
    const get = async () =>
      (
        await run(kubectl, [
          `--kubeconfig=${kubeconfigPath}`,
          // Inside the control plane's own directory: no stale discovery cache from an earlier port.
          `--cache-dir=${join(dirname(kubeconfigPath), "kubectl-cache")}`,
          "get",
          "vmcp",
          "-n",
          ns.name,
        ])
      ).stdout;
    // kubectl discovers the short name 'vmcp' through (cached) discovery: retry briefly.
    let out = "";
    await eventually(
      async () => {
        out = await get().catch((e: Error) => e.message);
        return out.startsWith("NAME");
      },
      "kubectl get vmcp to print its table",
      15_000,
    );
    const [header = "", row = ""] = out.trimEnd().split("\n");
    expect(header.split(/\s+/)).toEqual(["NAME", "PHASE", "URL", "BACKENDS", "AGE", "READY"]);
    const cells = row.split(/\s+/);
    expect(cells[0]).toBe("demo");
    expect(cells[1]).toBe("Ready");
    expect(cells[2]).toBe("http://vmcp-demo.example:4483");
    expect(cells[3]).toBe("2");
    expect(cells[4]).toMatch(/^\d+s$/);
    expect(cells[5]).toBe("True");
  });
});
