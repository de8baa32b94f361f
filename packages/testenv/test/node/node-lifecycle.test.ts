import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { CoreV1Api } from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { startCluster } from "../../src/cluster.ts";
import { nodeLeftovers } from "../../src/leaks.ts";
import { get } from "../../src/net.ts";
import { NODE_NETWORK, PAUSE_IMAGE } from "../../src/node-config.ts";
import { nodeLinks, nodeNftObjects, readSysctls } from "../../src/node-host.ts";
import { readNodeLock } from "../../src/node-lock.ts";
import { nodeSkipReason } from "../../src/node-skip.ts";
import { waitFor } from "../../src/test-kit.ts";

const skip = nodeSkipReason();
const FIXTURE = join(import.meta.dirname, "fixtures", "own-node.ts");
const ReportSchema = z.object({ pids: z.array(z.number().int().positive()).min(8), dir: z.string() });

describe.skipIf(skip !== null)("a real node", () => {
  it("runs a pod from a local image, routes the kubernetes Service, refuses a second node, and stop() restores the host", async () => {
    const before = readSysctls();
    const cluster = await startCluster({ installCrds: false });
    const pids = cluster.pids();
    const dir = cluster.dir;
    try {
      const core = cluster.kubeConfig().makeApiClient(CoreV1Api);
      await core.createNamespacedPod({
        namespace: "default",
        body: {
          metadata: { name: "sleeper" },
          spec: {
            containers: [{ name: "c", image: PAUSE_IMAGE, imagePullPolicy: "Never" }],
            terminationGracePeriodSeconds: 1,
          },
        },
      });
      const pod = await waitFor(
        "pod sleeper Ready",
        async () => {
          const p = await core.readNamespacedPod({ name: "sleeper", namespace: "default" });
          return p.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True") && p;
        },
        60_000,
        200,
      );
      expect(pod.spec?.nodeName).toBe(NODE_NETWORK.nodeName);
      expect(pod.status?.podIP).toMatch(/^10\.244\.0\.\d+$/);
      // The controller-manager publishes the CA every pod's projected token volume carries.
      const rootCa = await core.readNamespacedConfigMap({ name: "kube-root-ca.crt", namespace: "default" });
      expect(rootCa.data?.["ca.crt"]).toContain("BEGIN CERTIFICATE");
      // kube-proxy's nftables rules route the `kubernetes` ClusterIP to the apiserver on the bridge.
      const lock = readNodeLock();
      expect(lock?.kubeconfigPath).toBe(cluster.kubeconfigPath);
      const user = cluster.kubeConfig().getCurrentUser();
      const caData = cluster.kubeConfig().getCurrentCluster()?.caData ?? "";
      const r = await get(`https://${NODE_NETWORK.apiServiceIp}:443/readyz`, {
        ca: Buffer.from(caData, "base64").toString(),
        cert: Buffer.from(user?.certData ?? "", "base64").toString(),
        key: Buffer.from(user?.keyData ?? "", "base64").toString(),
      });
      expect(r.status).toBe(200);
      // What the node changes on the host while it runs (all undone by stop()).
      expect(nodeLinks()).toContain(NODE_NETWORK.bridge);
      expect(nodeNftObjects().length).toBeGreaterThan(0);
      expect(readFileSync("/proc/sys/net/ipv4/ip_forward", "utf8").trim()).toBe("1");
      await expect(startCluster({ installCrds: false })).rejects.toThrow(
        new RegExp(`another node is running on this host \\(pid ${process.pid}, ${dir}\\)`),
      );
    } finally {
      await cluster.stop();
    }
    expect(nodeLeftovers({ pids, dir, sysctlsBefore: before })).toEqual([]);
  });

  it("an owner killed by SIGKILL: its watchdog undoes the node", async () => {
    const before = readSysctls();
    const { child, report } = await ownNode([]);
    const { pids, dir } = report;
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    child.kill("SIGKILL");
    await exited;
    const left = await waitFor(
      "the watchdog's cleanup",
      () => {
        const l = nodeLeftovers({ pids, dir, sysctlsBefore: before });
        return l.length === 0 ? l : undefined;
      },
      60_000,
      250,
    );
    expect(left).toEqual([]);
  });

  it("Ctrl-C in an owner that stops the node itself: stop() after the exit hooks (kubeconfig gone) succeeds and leaves nothing", async () => {
    const before = readSysctls();
    const { child, lines, stderr, report } = await ownNode(["--stop-on-signal"]);
    const { pids, dir } = report;
    const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
    child.kill("SIGINT");
    const next = await lines.next();
    expect(next.done ? `exited: ${stderr()}` : next.value).toBe(JSON.stringify({ stopped: true }));
    expect(await exited).toBe(0);
    expect(nodeLeftovers({ pids, dir, sysctlsBefore: before })).toEqual([]);
  });
});

/** Spawns the own-node fixture and reads its first report line (its pids and directory). */
async function ownNode(args: string[]) {
  const child = spawn(process.execPath, [FIXTURE, ...args], { stdio: ["ignore", "pipe", "pipe"] });
  let err = "";
  child.stderr.on("data", (chunk: Buffer) => {
    err += chunk.toString();
  });
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const stderr = () => err;
  const report = await ownNodeReport(lines, stderr);
  return { child, lines, stderr, report };
}

async function ownNodeReport(lines: AsyncIterator<string>, stderr: () => string) {
  const first = await lines.next();
  if (first.done) throw new Error(`fixture exited before reporting its node:\n${stderr()}`);
  return ReportSchema.parse(JSON.parse(first.value));
}
