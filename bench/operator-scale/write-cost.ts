// The apiserver's CPU per status write, by how the write is sent: server-side apply
// (`application/apply-patch+yaml`, the only apply content type a default apiserver takes; the body
// is JSON, which is YAML) against a JSON merge patch, on the /status of K MCPGroups. Rounds
// alternate so both kinds see the same background load; every write changes the status (a new
// message), so none is a no-op. Content types the apiserver refuses are reported, not measured.
//   node bench/operator-scale/write-cost.ts [--k 300] [--rounds 4] [--parallel 8]
import { readFileSync } from "node:fs";
import type { KubeConfig } from "@kubernetes/client-node";
import { KubeApiError, kubeRequest } from "@vmcp/kube-kit/http";
import { collectionPath, objectPath, type ResourceRef } from "@vmcp/kube-kit/resources";
import { API_VERSION } from "@vmcp/shared-types";
import { createNamespace, startControlPlane } from "@vmcp/testenv";
import { benchArgs } from "../helpers/args.ts";

const { values } = benchArgs(import.meta.url, {
  options: {
    k: { type: "string", default: "300" },
    rounds: { type: "string", default: "4" },
    parallel: { type: "string", default: "8" },
  },
});
const K = Number(values.k);
const ROUNDS = Number(values.rounds);
const PARALLEL = Number(values.parallel);
const GROUPS: ResourceRef = { group: "toolhive.stacklok.dev", version: "v1beta1", plural: "mcpgroups" };
const CLK_TCK = 100;

function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.split(" ") ?? [];
  return (Number(fields[11]) + Number(fields[12])) / CLK_TCK;
}

async function eachParallel(n: number, task: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < n; i = next++) await task(i);
  };
  await Promise.all(Array.from({ length: PARALLEL }, worker));
}

/** The status an MCPGroup gets from the operator, with a message that differs per round. */
function status(round: number) {
  return {
    observedGeneration: 1,
    phase: "Ready",
    servers: [],
    serverCount: 0,
    remoteProxies: [],
    remoteProxyCount: 0,
    entries: [`e${round}`],
    entryCount: 1,
    conditions: [
      {
        type: "MCPServersChecked",
        status: "True",
        reason: "ListMCPServersCheckSucceeded",
        message: `Found ${round} members`,
        observedGeneration: 1,
        lastTransitionTime: new Date().toISOString().replace(/\.\d+Z$/, "Z"),
      },
    ],
  };
}

type Way = "apply" | "merge";

function write(kc: KubeConfig, ns: string, name: string, way: Way, round: number): Promise<unknown> {
  const path = `${objectPath(GROUPS, ns, name)}/status`;
  if (way === "merge") {
    return kubeRequest(kc, {
      method: "PATCH",
      path,
      body: { status: status(round) },
      contentType: "application/merge-patch+json",
    });
  }
  return kubeRequest(kc, {
    method: "PATCH",
    path,
    query: { fieldManager: "vmcp-operator", force: true, fieldValidation: "Strict" },
    body: {
      apiVersion: API_VERSION,
      kind: "MCPGroup",
      metadata: { name, namespace: ns },
      status: status(round),
    },
    contentType: "application/apply-patch+yaml",
  });
}

const cp = await startControlPlane({ log: () => {} });
try {
  const kc = cp.kubeConfig();
  const apiPid = cp.info().apiServerPid;
  if (!apiPid) throw new Error("no apiserver pid");
  const ns = (await createNamespace(kc, "bench-write-cost")).name;
  for (const ct of ["application/apply-patch+json", "application/apply-patch+cbor"]) {
    try {
      await kubeRequest(kc, {
        method: "PATCH",
        path: objectPath({ group: "", version: "v1", plural: "configmaps" }, ns, "probe"),
        query: { fieldManager: "probe" },
        body: { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "probe" } },
        contentType: ct,
      });
      console.log(`${ct}: accepted`);
    } catch (err) {
      console.log(`${ct}: ${err instanceof KubeApiError ? `${err.code} ${err.reason}` : String(err)}`);
    }
  }
  await eachParallel(K, async (i) => {
    await kubeRequest(kc, {
      method: "POST",
      path: collectionPath(GROUPS, ns),
      body: { apiVersion: API_VERSION, kind: "MCPGroup", metadata: { name: `g${i}` }, spec: {} },
    });
  });
  const perWrite: Record<Way, number[]> = { apply: [], merge: [] };
  let round = 0;
  for (let r = 0; r < ROUNDS; r++) {
    for (const way of (r % 2 === 0 ? ["apply", "merge"] : ["merge", "apply"]) as Way[]) {
      round++;
      const cpu0 = cpuSeconds(apiPid);
      await eachParallel(K, async (i) => {
        await write(kc, ns, `g${i}`, way, round);
      });
      perWrite[way].push(((cpuSeconds(apiPid) - cpu0) * 1000) / K);
    }
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;
  for (const way of ["apply", "merge"] as Way[]) {
    console.log(
      `${way}: apiserver CPU per status write ${perWrite[way].map((v) => v.toFixed(2)).join(" / ")} ms (median ${median(perWrite[way]).toFixed(2)})`,
    );
  }
} finally {
  await cp.stop();
}
