// `make demo` on a real node: the project's images, the chart's operator pod, the sample backends
// (MCPServers the operator runs, one of them stdio behind its attach proxy; and a pod over TLS
// described by an MCPServerEntry), and the runtime pod the operator's Deployment runs. Every
// status line printed is what that pod reported into the VirtualMCPServer. q, Ctrl-C or SIGTERM
// stop the node and restore the host.
import { spawnSync } from "node:child_process";
import { RELEASE_NAMESPACE } from "../e2e/harness/chart.ts";
import { apply, waitFor } from "../e2e/harness/kube.ts";
import { VMCP_NAME } from "../e2e/harness/samples.ts";
import { connectClient, readVmcp, type VmcpView } from "../e2e/harness/scenario.ts";
import { sampleStdioMcpServer } from "../e2e/node/in-cluster.ts";
import {
  gatewayBaseUrl,
  leaseHolder,
  type NodeWorld,
  readyPods,
  startNodeWorld,
} from "../e2e/node/node-world.ts";
import { kubeRequest } from "../packages/kube-kit/src/http.ts";
import { ensureBinaries } from "../packages/testenv/src/index.ts";
import { nodeLeftovers } from "../packages/testenv/src/leaks.ts";
import { readSysctls } from "../packages/testenv/src/node-host.ts";
import { backendsTable, bold, dim, elapsed, step, table, toolText, untilQuit } from "./demo-print.ts";

const NS = "demo";

export async function runNodeDemo(): Promise<void> {
  const times: string[][] = [["PHASE", "SECONDS"]];
  const phase = async <T>(name: string, fn: () => Promise<T>): Promise<T> => {
    step(`${name}${name.startsWith("images") ? " (the first run builds them once)" : ""}`);
    const t = performance.now();
    const r = await fn();
    times.push([name, ((performance.now() - t) / 1000).toFixed(1)]);
    return r;
  };
  step("real-node mode: containerd, kubelet, kube-proxy, CoreDNS and the control plane as local processes");
  const sysctlsBefore = readSysctls();
  const world = await startNodeWorld({ namespace: NS, log: (l) => console.log(dim(`    ${l}`)), phase });
  const { cluster, kc } = world;
  try {
    // The third sample backend speaks stdio: the operator runs it with `vmcp proxy` attached.
    await apply(kc, sampleStdioMcpServer(NS, "notes", world.images.sampleBackend.ref, "notes"));
    const { kubectl } = await ensureBinaries();
    const k = (...args: string[]) => {
      const r = spawnSync(kubectl, ["--kubeconfig", cluster.kubeconfigPath, ...args], { encoding: "utf8" });
      if (r.status !== 0) throw new Error(`kubectl ${args.join(" ")} failed:\n${r.stderr}`);
      return r.stdout.replace(/^(?=.)/gm, "    ");
    };
    const vmcp = async () => (await readVmcp(kc, NS)) as VmcpView;
    const waitForVmcp = (what: string, check: (v: VmcpView) => boolean) =>
      waitFor(
        what,
        async () => ((await readVmcp(kc, NS)) && check(await vmcp()) ? vmcp() : undefined),
        180_000,
        250,
      );

    const v = await phase("runtime pod up and reporting (phase Ready, all three backends healthy)", () =>
      waitForVmcp(
        "phase Ready with 3 ready backends",
        (v) =>
          v.phase === "Ready" &&
          v.backendCount === 3 &&
          v.discoveredBackends.every((b) => b.status === "ready"),
      ),
    );
    step(`kubectl get pods -n ${RELEASE_NAMESPACE} and -n ${NS} (every one of them a real container)`);
    process.stdout.write(k("get", "pods", "-n", RELEASE_NAMESPACE, "-o", "wide"));
    process.stdout.write(k("get", "pods", "-n", NS, "-o", "wide"));
    step(`kubectl get vmcp,mcpgroups,mcpservers,mcpserverentries -n ${NS}`);
    process.stdout.write(k("get", "-n", NS, "virtualmcpservers,mcpgroups,mcpservers,mcpserverentries"));
    const [pod] = await readyPods(kc, NS, `toolhive-name=${VMCP_NAME}`);
    const holder = await leaseHolder(kc, NS, `${VMCP_NAME}-vmcp-status`);
    step(
      `status.discoveredBackends, written by the runtime pod ${pod?.metadata?.name ?? "?"} (status Lease holder ${holder ?? "-"})`,
    );
    console.log(backendsTable(v));
    console.log(
      `    phase ${bold(v.phase ?? "-")}: ${v.message ?? ""}\n    conditions: ${v.conditions.map((c) => `${c.type}=${c.status}`).join(" ")}`,
    );

    const base = await gatewayBaseUrl(kc, NS);
    step(`tools/list through the gateway's ClusterIP ${base}/mcp (kube-proxy) with an MCP SDK client`);
    const client = await connectClient(`${base}/mcp`);
    try {
      const { tools } = await client.listTools();
      console.log(table([["TOOL", "DESCRIPTION"], ...tools.map((t) => [t.name, t.description ?? ""])]));
      step(`tools/call weather_forecast {"city":"Lisbon"} (weather pod)`);
      console.log(
        `    -> ${toolText(await client.callTool({ name: "weather_forecast", arguments: { city: "Lisbon" } }))}`,
      );
      step("tools/call calendar_next_event (calendar pod over TLS, trusted through caBundleRef)");
      console.log(
        `    -> ${toolText(await client.callTool({ name: "calendar_next_event", arguments: {} }))}`,
      );
      step(`tools/call notes_add_note {"text":"hi"} (stdio server pod notes-0, through its attach proxy)`);
      console.log(
        `    -> ${toolText(await client.callTool({ name: "notes_add_note", arguments: { text: "hi" } }))}`,
      );
    } finally {
      await client.close();
    }
    console.log(`\n${table(times)}\n`);
    console.log(`${bold(`Ready in ${elapsed()}.`)} The node keeps running until q or Ctrl-C. In another shell:

  ${bold("kubectl / helm")}
    export KUBECONFIG=${cluster.kubeconfigPath}
    alias kubectl=${kubectl}
    kubectl get vmcp -n ${NS} -w                        # live phase, reported by the runtime pod
    kubectl get pods -A -o wide                         # operator, runtime, backends
    kubectl delete pod -n ${NS} notes-0                 # the stdio server restarts; its proxy reattaches
    kubectl logs -n ${NS} deploy/${VMCP_NAME}                  # the runtime's log
    ${world.helm} list -A                                # the chart's release

  ${bold("an MCP client")} on this host (Streamable HTTP, no auth): ${base}/mcp
  node logs (kubelet, containerd, ...): ${cluster.dir}/*.log
`);
    let weatherUp = true;
    await untilQuit(
      (key) => {
        if (key !== "w") return;
        weatherUp = !weatherUp;
        const want = weatherUp ? "Ready" : "Degraded";
        void kubeRequest(kc, {
          method: "PATCH",
          path: `/apis/apps/v1/namespaces/${NS}/deployments/weather/scale`,
          body: { spec: { replicas: weatherUp ? 1 : 0 } },
          contentType: "application/merge-patch+json",
        })
          .then(async () => {
            step(
              `weather Deployment scaled to ${weatherUp ? 1 : 0}; waiting for the runtime pod to report it`,
            );
            const v = await waitForVmcp(`phase ${want}`, (v) => v.phase === want);
            console.log(`    phase ${bold(v.phase ?? "-")}: ${v.message ?? ""}`);
            console.log(backendsTable(v));
          })
          .catch((err: unknown) => console.error(err instanceof Error ? err.message : err));
      },
      `Press ${bold("w")} to scale the weather backend to 0 and back (watch kubectl get vmcp -w)`,
    );
  } finally {
    await stopAndReport(cluster, sysctlsBefore);
  }
}

/** Stops the node (also after the exit hooks already tore it down on Ctrl-C) and says what is left: nothing, normally. */
async function stopAndReport(cluster: NodeWorld["cluster"], sysctlsBefore: Record<string, string>) {
  const pids = cluster.pids();
  step(
    `stopping the node: ${pids.length} processes, every pod, their mounts, the bridge, nftables tables, sysctls`,
  );
  await cluster.stop();
  const left = nodeLeftovers({ pids, dir: cluster.dir, sysctlsBefore });
  if (left.length === 0) {
    step(
      `host restored: no node process, mount, link, nftables table or changed sysctl left (${cluster.dir} removed)`,
    );
  } else {
    console.error(
      `    the node left behind (run 'make node-down' to retry the cleanup):\n      ${left.join("\n      ")}`,
    );
  }
}
