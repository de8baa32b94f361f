// The README's main job: a local control plane with the CRDs, the operator, sample MCP servers and
// the resources describing them, the runtime started as its pod would run, and what a user wants
// to see. Stays up until Ctrl-C, then cleans everything up. The flow itself lives in
// e2e/harness/scenario.ts, shared with the e2e suite.
import { spawnSync } from "node:child_process";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { VMCP_NAME } from "../e2e/harness/samples.ts";
import { startScenario } from "../e2e/harness/scenario.ts";
import { ensureBinaries, startControlPlane } from "../packages/testenv/src/index.ts";
import { nodePreflight } from "../packages/testenv/src/node-host.ts";
import { backendsTable, bold, elapsed, step, table, untilQuit } from "./demo-print.ts";

const NAMESPACE = "default";

/** Real pods where a node can run (root, cgroups, links), else this process mode; DEMO_MODE or --process/--node choose. */
async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const wanted = args.includes("--process")
    ? "process"
    : args.includes("--node")
      ? "node"
      : process.env.DEMO_MODE;
  if (wanted !== undefined && wanted !== "process" && wanted !== "node") {
    throw new Error(`DEMO_MODE must be 'node' or 'process', not '${wanted}'`);
  }
  if (wanted !== "process") {
    const missing = nodePreflight({ install: true, log: (l) => console.log(`    ${l}`) });
    if (missing.length === 0) {
      const { runNodeDemo } = await import("./demo-node.ts");
      return runNodeDemo();
    }
    if (wanted === "node") throw new Error(`a real node cannot run here: missing ${missing.join("; ")}`);
    step(`process mode: a real node cannot run here (missing ${missing.join("; ")})`);
  }
  await runProcessDemo();
}

async function runProcessDemo(): Promise<void> {
  step("starting the local control plane (etcd + kube-apiserver, RBAC on); the first run builds them");
  const plane = await startControlPlane({ log: (line) => console.log(`    ${line}`) });
  let stopScenario: () => Promise<void> = async () => {};
  const shutdown = async () => {
    step("stopping: runtime, operator, sample servers, control plane");
    await stopScenario();
    await plane.stop();
    step(`stopped: every process ended, ${plane.dir} removed`);
  };
  try {
    const { kubectl } = await ensureBinaries();
    const k = (...args: string[]) => {
      const r = spawnSync(kubectl, ["--kubeconfig", plane.kubeconfigPath, ...args], { encoding: "utf8" });
      if (r.status !== 0) throw new Error(`kubectl ${args.join(" ")} failed:\n${r.stderr}`);
      return r.stdout;
    };
    const workDir = join(plane.dir, "demo");
    mkdirSync(workDir, { recursive: true });
    const admin = plane.kubeConfig();
    const s = await startScenario({
      admin,
      namespace: NAMESPACE,
      operatorScope: { kind: "cluster" },
      workDir,
      operatorLog: join(workDir, "operator.log"),
      progress: step,
    });
    stopScenario = s.stop;

    step("waiting for the runtime to report status (phase Ready, both backends healthy)");
    const v = await s.waitForVmcp(
      "phase Ready with 2 ready backends",
      (v) =>
        v.phase === "Ready" &&
        v.backendCount === 2 &&
        v.discoveredBackends.every((b) => b.status === "ready"),
      60_000,
    );

    step(`kubectl get vmcp,mcpgroups,mcpservers,mcpserverentries -n ${NAMESPACE}`);
    process.stdout.write(
      k("get", "-n", NAMESPACE, "virtualmcpservers,mcpgroups,mcpservers,mcpserverentries")
        .split("\n")
        .map((l) => (l ? `    ${l}` : l))
        .join("\n"),
    );
    step(`discovered backends with their health (status.discoveredBackends, written by the runtime)`);
    console.log(backendsTable(v));
    const conds = v.conditions.map((c) => `${c.type}=${c.status}`).join(" ");
    console.log(`    phase ${bold(v.phase ?? "-")}: ${v.message ?? ""}\n    conditions: ${conds}`);

    step(`tools/list through the gateway (${s.runtime.mcpUrl}) with an MCP SDK client`);
    const client = await s.client();
    try {
      const { tools } = await client.listTools();
      console.log(table([["TOOL", "DESCRIPTION"], ...tools.map((t) => [t.name, t.description ?? ""])]));
      step(`tools/call weather_forecast {"city":"Lisbon"}`);
      const result = await client.callTool({ name: "weather_forecast", arguments: { city: "Lisbon" } });
      const text = (result.content as { type: string; text?: string }[]).map((c) => c.text ?? "").join("");
      console.log(`    -> ${text}`);
      step(`tools/call calendar_next_event (routed to the TLS backend, trusted through caBundleRef)`);
      const r2 = await client.callTool({ name: "calendar_next_event", arguments: {} });
      console.log(
        `    -> ${(r2.content as { type: string; text?: string }[]).map((c) => c.text ?? "").join("")}`,
      );
    } finally {
      await client.close();
    }

    console.log(`
${bold(`Ready in ${elapsed()}.`)} Everything keeps running until Ctrl-C. In another shell:

  ${bold("kubectl")}
    export KUBECONFIG=${plane.kubeconfigPath}
    alias kubectl=${kubectl}
    kubectl get vmcp -w                                   # live phase and backend count
    kubectl get vmcp ${VMCP_NAME} -o yaml                      # discoveredBackends, conditions
    kubectl get deploy,svc,cm,sa,role,rolebinding         # what the operator created
    kubectl delete mcpserverentry calendar                # watch the runtime drop it

  ${bold("an MCP client")} (Streamable HTTP, no auth):
    ${s.runtime.mcpUrl}
    e.g. npx @modelcontextprotocol/inspector  -> Transport "Streamable HTTP", URL above
    curl -s ${s.runtime.url}/status   # the status the runtime reports, as JSON

  ${bold("logs")}: ${join(workDir, "operator.log")}, ${join(workDir, "runtime.log")}
  sample servers: weather ${s.backends.weather.url}, calendar ${s.backends.calendar.url}
`);
    await untilQuit(
      (k) => {
        if (k !== "w") return;
        const w = s.backends.weather;
        const action = w.running() ? w.stop() : w.start();
        void action
          .then(async () => {
            const up = w.running();
            step(`weather server ${up ? "started again" : "stopped"}; waiting for the runtime to report it`);
            const want = up ? "Ready" : "Degraded";
            const v = await s.waitForVmcp(`phase ${want}`, (v) => v.phase === want, 60_000);
            console.log(`    phase ${bold(v.phase ?? "-")}: ${v.message ?? ""}`);
            console.log(backendsTable(v));
          })
          .catch((err: unknown) => console.error(err instanceof Error ? err.message : err));
      },
      `Press ${bold("w")} to stop/start the weather server (watch kubectl get vmcp -w)`,
    );
  } catch (err) {
    await shutdown().catch(() => {});
    throw err;
  }
  await shutdown();
}

// Exit explicitly once stopped: a wait started by a key press must not keep a stopped demo alive.
main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  },
);
