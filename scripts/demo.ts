// The README's main job: a local control plane with the CRDs, the operator, sample MCP servers and
// the resources describing them, the runtime started as its pod would run, and what a user wants
// to see. Stays up until Ctrl-C, then cleans everything up. The flow itself lives in
// e2e/harness/scenario.ts, shared with the e2e suite.
import { spawnSync } from "node:child_process";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { VMCP_NAME } from "../e2e/harness/samples.ts";
import { startScenario, type VmcpView } from "../e2e/harness/scenario.ts";
import { ensureBinaries, startControlPlane } from "../packages/testenv/src/index.ts";

const NAMESPACE = "default";
const started = Date.now();
const tty = process.stdout.isTTY;
const bold = (s: string) => (tty ? `\x1b[1m${s}\x1b[0m` : s);
const dim = (s: string) => (tty ? `\x1b[2m${s}\x1b[0m` : s);
const elapsed = () => `${((Date.now() - started) / 1000).toFixed(1)}s`;
const step = (s: string) => console.log(`${bold("==>")} ${s} ${dim(`[${elapsed()}]`)}`);

function table(rows: string[][]): string {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? "").length))) ?? [];
  return rows.map((r) => `    ${r.map((c, i) => c.padEnd(widths[i] ?? 0)).join("  ")}`.trimEnd()).join("\n");
}

function backendsTable(v: VmcpView): string {
  return table([
    ["BACKEND", "STATUS", "URL", "LAST HEALTH CHECK"],
    ...v.discoveredBackends.map((b) => [b.name, b.status ?? "-", b.url ?? "-", b.lastHealthCheck ?? "-"]),
  ]);
}

async function main(): Promise<void> {
  step("starting the local control plane (etcd + kube-apiserver, RBAC on); the first run builds them");
  const plane = await startControlPlane({ log: (line) => console.log(`    ${line}`) });
  let stopScenario: () => Promise<void> = async () => {};
  const shutdown = async () => {
    step("stopping: runtime, operator, sample servers, control plane");
    await stopScenario();
    await plane.stop();
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
    await new Promise<void>((done) => {
      process.once("SIGINT", done);
      process.once("SIGTERM", done);
      // On a terminal: `w` stops/starts the weather server, to watch the phase go Degraded and back.
      const stdin = process.stdin;
      if (!stdin.isTTY) return;
      console.log(
        `  Press ${bold("w")} to stop/start the weather server (watch kubectl get vmcp -w), Ctrl-C to quit.`,
      );
      stdin.setRawMode(true);
      stdin.resume();
      stdin.on("data", (key: Buffer) => {
        const k = key.toString();
        if (k === "\u0003") {
          done();
        } else if (k === "w") {
          const w = s.backends.weather;
          const action = w.running() ? w.stop() : w.start();
          void action
            .then(async () => {
              const up = w.running();
              step(
                `weather server ${up ? "started again" : "stopped"}; waiting for the runtime to report it`,
              );
              const want = up ? "Ready" : "Degraded";
              const v = await s.waitForVmcp(`phase ${want}`, (v) => v.phase === want, 60_000);
              console.log(`    phase ${bold(v.phase ?? "-")}: ${v.message ?? ""}`);
              console.log(backendsTable(v));
            })
            .catch((err: unknown) => console.error(err instanceof Error ? err.message : err));
        }
      });
    });
    // Also after a SIGINT/SIGTERM from outside: a resumed raw-mode stdin would keep the process alive.
    if (process.stdin.isTTY) {
      process.stdin.setRawMode(false);
      process.stdin.pause();
    }
  } catch (err) {
    await shutdown().catch(() => {});
    throw err;
  }
  await shutdown();
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
