// Owned objects follow the spec in both directions: what the user removes from a VirtualMCPServer
// disappears from the rendered Deployment and ConfigMap, and a reconcile with nothing to change
// sends no write (the skip is decided from the fields the operator's field manager owns).

import { createNamespace, type TestNamespace } from "@vmcp/testenv";
import { testKubeConfig } from "@vmcp/testenv/vitest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import type { RunningOperator } from "../../../src/manager.ts";
import {
  create,
  get,
  mergePatch,
  mustGet,
  quiesce,
  R,
  reconcileCount,
  startTestOperator,
  VMCP_KINDS,
  vmcpBody,
  waitFor,
  writeCount,
} from "./vmcp-helpers.ts";

const kc = testKubeConfig();
let ns: TestNamespace;
let op: RunningOperator;

beforeAll(async () => {
  ns = await createNamespace(kc, "vmcp-apply-removal");
  op = await startTestOperator(kc, ns.name);
  await create(kc, R.group, ns.name, { metadata: { name: "tools" }, spec: {} });
  await waitFor(
    "group Ready",
    async () => (await get(kc, R.group, ns.name, "tools"))?.status?.phase === "Ready",
  );
});

afterAll(async () => {
  await op?.stop();
  await ns?.delete();
});

const n = () => ns.name;
/** The objects the operator applies for a VirtualMCPServer (its status writes are not counted). */
const OWNED_KINDS = [...VMCP_KINDS.filter((k) => k !== "VirtualMCPServer"), "Lease", "PodDisruptionBudget"];

type Env = { name: string; value?: string };
const envNames = async (): Promise<string[]> => {
  const dep = await mustGet(kc, R.deployment, n(), "rm");
  const c = (dep.spec.template.spec.containers as { name: string; env?: Env[] }[]).find(
    (x) => x.name === "vmcp",
  );
  return (c?.env ?? []).map((e) => e.name);
};
const toolsConfig = async (): Promise<unknown> =>
  parse((await mustGet(kc, R.configmap, n(), "rm-vmcp-config")).data?.["config.yaml"] ?? "").aggregation
    ?.tools;

const overlay = (env: Env[]) => ({ spec: { containers: [{ name: "vmcp", env }] } });

describe("owned objects follow removals, and an unchanged spec writes nothing", () => {
  it("removing an env var and a tool filter entry removes them; a quiet reconcile sends no write", async () => {
    await create(
      kc,
      R.vmcp,
      n(),
      vmcpBody("rm", {
        podTemplateSpec: overlay([
          { name: "KEEP", value: "1" },
          { name: "DROP", value: "2" },
        ]),
        config: {
          aggregation: {
            tools: [
              { workload: "a", filter: ["fetch"] },
              { workload: "b", filter: ["search", "read"] },
            ],
          },
        },
      }),
    );
    await waitFor("both env vars rendered", async () => {
      const dep = await get(kc, R.deployment, n(), "rm");
      if (!dep) return false;
      const names = await envNames();
      return names.includes("KEEP") && names.includes("DROP");
    });
    expect(await toolsConfig()).toEqual([
      { workload: "a", filter: ["fetch"] },
      { workload: "b", filter: ["search", "read"] },
    ]);
    await quiesce(op);

    // The removals, one at a time so neither rides on the other's change (a config change also
    // moves the pod template's checksum annotation): first an env entry alone...
    await mergePatch(kc, R.vmcp, n(), "rm", {
      spec: { podTemplateSpec: overlay([{ name: "KEEP", value: "1" }]) },
    });
    await waitFor("DROP removed from the Deployment", async () => !(await envNames()).includes("DROP"));
    expect(await envNames()).toContain("KEEP");
    await quiesce(op);
    // ...then a tool filter entry and one value of the remaining filter.
    await mergePatch(kc, R.vmcp, n(), "rm", {
      spec: { config: { aggregation: { tools: [{ workload: "b", filter: ["search"] }] } } },
    });
    await waitFor("tool filter entry removed from the config", async () => {
      const tools = (await toolsConfig()) as { workload: string; filter?: string[] }[] | undefined;
      return tools?.length === 1 && tools[0]?.workload === "b" && tools[0].filter?.join() === "search";
    });
    await quiesce(op);

    // A quiet reconcile: something wakes the controller (an annotation on the VirtualMCPServer,
    // which changes no owned object) and the operator reads, compares, and writes nothing.
    const writesBefore = await writeCount(op, OWNED_KINDS);
    const depBefore = (await mustGet(kc, R.deployment, n(), "rm")).metadata.resourceVersion;
    const cmBefore = (await mustGet(kc, R.configmap, n(), "rm-vmcp-config")).metadata.resourceVersion;
    const reconcilesBefore = await reconcileCount(op);
    await mergePatch(kc, R.vmcp, n(), "rm", { metadata: { annotations: { "example.com/poke": "1" } } });
    await waitFor("a reconcile ran", async () => (await reconcileCount(op)) > reconcilesBefore);
    await quiesce(op);
    expect(await writeCount(op, OWNED_KINDS)).toBe(writesBefore);
    expect((await mustGet(kc, R.deployment, n(), "rm")).metadata.resourceVersion).toBe(depBefore);
    expect((await mustGet(kc, R.configmap, n(), "rm-vmcp-config")).metadata.resourceVersion).toBe(cmBefore);
  }, 60_000);

  it("a field changed behind the operator's back (drift) is put back by the next reconcile", async () => {
    await mergePatch(kc, R.deployment, n(), "rm", {
      spec: { template: { spec: { containers: [{ name: "vmcp", image: "someone/else:1" }] } } },
    });
    await waitFor(
      "image restored",
      async () =>
        (await mustGet(kc, R.deployment, n(), "rm")).spec.template.spec.containers[0].image ===
        "registry.local/vmcp:test",
    );
  }, 30_000);
});
