// The README's main job: a local control plane with the CRDs installed, sample resources applied,
// and what a user wants to see. Stays up until Ctrl-C, then cleans everything up.
import { spawnSync } from "node:child_process";
import { resolve } from "node:path";
import { ensureBinaries, startControlPlane } from "../packages/testenv/src/index.ts";

const root = resolve(import.meta.dirname, "..");
const bold = (s: string) => (process.stdout.isTTY ? `\x1b[1m${s}\x1b[0m` : s);
const step = (s: string) => console.log(`${bold("==>")} ${s}`);

async function main(): Promise<void> {
  step("starting the local control plane (etcd + kube-apiserver, RBAC on); the first run builds them");
  const plane = await startControlPlane({ log: (line) => console.log(`    ${line}`) });
  const { kubectl } = await ensureBinaries();
  const k = (...args: string[]) => {
    const r = spawnSync(kubectl, ["--kubeconfig", plane.kubeconfigPath, ...args], { encoding: "utf8" });
    if (r.status !== 0) throw new Error(`kubectl ${args.join(" ")} failed:\n${r.stderr}`);
    return r.stdout;
  };

  step("applying deploy/examples/basic.yaml (an MCPGroup, an MCPServerEntry, a VirtualMCPServer)");
  process.stdout.write(k("apply", "-n", "default", "-f", resolve(root, "deploy/examples/basic.yaml")));

  step("kubectl get vmcp,mcpg,mcpentry");
  process.stdout.write(k("get", "-n", "default", "vmcp,mcpg,mcpentry"));

  console.log(`
${bold("The control plane is up.")} In another shell:
  export KUBECONFIG=${plane.kubeconfigPath}
  ${kubectl} get crds
  ${kubectl} explain virtualmcpserver.spec
Press Ctrl-C to stop and clean up.`);

  await new Promise<void>((done) => {
    process.once("SIGINT", done);
    process.once("SIGTERM", done);
  });
  step("stopping");
  await plane.stop();
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
