import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CoreV1Api, type KubeConfig, RbacAuthorizationV1Api } from "@kubernetes/client-node";
import { ensureNodeBinaries, type Log } from "./binaries.ts";
import { onProcessExit } from "./cleanup.ts";
import { type ControlPlane, startControlPlane } from "./control-plane.ts";
import { renderKubeconfig } from "./kubeconfig.ts";
import { freePorts, get, waitUntil } from "./net.ts";
import {
  cniConflist,
  containerdToml,
  controllerManagerArgs,
  corefile,
  kubeletArgs,
  kubeletConfig,
  kubeProxyConfig,
  NODE_CLIENTS,
  NODE_NETWORK,
  type NodeLayout,
  nodePaths,
  PAUSE_IMAGE,
  SERVING_DNS_NAMES,
  schedulerArgs,
} from "./node-config.ts";
import { createBridge, nodePreflight, readSysctls, runcPath } from "./node-host.ts";
import { ensurePauseImage, importImages } from "./node-images.ts";
import { cleanupHost, type NodeLock, releaseHostLock, takeHostLock, writeNodeLock } from "./node-lock.ts";
import { startNodeWatchdog } from "./node-watchdog-start.ts";
import { nodeImageStoreDir } from "./paths.ts";
import { killGroup, type Proc, spawnLogged, tailFile } from "./process.ts";

/** Thrown when this machine cannot run a node; `missing` says exactly what it lacks. */
export class NodeUnavailableError extends Error {
  readonly missing: string[];
  constructor(missing: string[]) {
    super(`a real node cannot run here: missing ${missing.join("; ")}`);
    this.missing = missing;
  }
}

export type Cluster = {
  server: string;
  kubeconfigPath: string;
  dir: string;
  kubeConfig(): KubeConfig;
  /** Imports OCI archives (ref -> file) into the node's containerd, skipping ones already imported. */
  importImages(archives: Record<string, string>): void;
  /** Every pid the node started (control plane included), for leak checks. */
  pids(): number[];
  /** Startup phases in seconds, in order. */
  timings: Array<[string, number]>;
  stop(): Promise<void>;
};

export type StartClusterOptions = {
  log?: Log;
  /** OCI archives to import before the node reports ready (ref -> file). */
  images?: Record<string, string>;
  installCrds?: boolean;
  /** Keep running after this process exits (`testenv up --node`); the caller owns teardown. */
  persistent?: boolean;
  readyTimeoutMs?: number;
};

const secondsSince = (t: number) => Number(((performance.now() - t) / 1000).toFixed(2));

/**
 * A real single-node cluster: the API-only control plane (bound to the node's bridge address, with
 * the endpoint reconciler and ServiceAccount admission on), kube-controller-manager, kube-scheduler,
 * containerd + runc, the CNI bridge, the kubelet, kube-proxy (nftables) and CoreDNS, all supervised
 * child processes. Resolves once the Node is Ready and the `default` ServiceAccount exists. stop()
 * and the exit hooks undo every host change; a SIGKILLed run is cleaned up by the next start.
 */
export async function startCluster(opts: StartClusterOptions = {}): Promise<Cluster> {
  const log = opts.log ?? (() => {});
  const readyTimeoutMs = opts.readyTimeoutMs ?? 120_000;
  const timings: Array<[string, number]> = [];
  const t0 = performance.now();
  let lap = performance.now();
  const phase = (name: string) => {
    timings.push([name, secondsSince(lap)]);
    log(`${name} (${secondsSince(lap)}s, total ${secondsSince(t0)}s)`);
    lap = performance.now();
  };

  const missing = nodePreflight({ install: true, log });
  if (missing.length > 0) throw new NodeUnavailableError(missing);
  const bin = await ensureNodeBinaries({ log });
  const pause = ensurePauseImage();
  phase("binaries and pause image ready");

  const dir = mkdtempSync(join(tmpdir(), "vmcp-node-"));
  const ctr = join(bin, "ctr");
  const lock: NodeLock = {
    pid: process.pid,
    dir,
    sysctls: "{}",
    ctr,
    procs: [],
    startedAt: new Date().toISOString(),
  };
  try {
    takeHostLock(lock, log);
    lock.sysctls = JSON.stringify(readSysctls());
    writeNodeLock(lock);
  } catch (e) {
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
  const procs: Proc[] = [];
  let plane: ControlPlane | null = null;
  const record = () => {
    lock.procs = [...procs, ...(plane?.pids() ?? []).map((pid) => ({ name: "control-plane", pid }))].map(
      (p) => ({ name: p.name, pid: p.pid }),
    );
    writeNodeLock(lock);
  };
  if (!opts.persistent) startNodeWatchdog(dir);
  // Registered before the control plane's own hook, so it runs first: pods go before the apiserver.
  // Set once a signal or exit hook has torn the host down: stop() then only reaps what is left.
  let hostCleaned = false;
  const unregister = onProcessExit(() => {
    hostCleaned = true;
    cleanupHost(lock);
  });
  let stopping: Promise<void> | null = null;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      // Every step is best effort and the host cleanup runs whatever failed before it: stop() is
      // called from finally blocks and signal handlers, where a throw would strand the node.
      const attempt = async (what: string, fn: () => Promise<void> | void) => {
        try {
          await fn();
        } catch (e) {
          log(`stop: ${what} failed (the host cleanup follows): ${e instanceof Error ? e.message : e}`);
        }
      };
      const halt = async (p: Proc) => {
        await killGroup(p.pid, 5_000);
        p.child.ref();
        await p.exited;
      };
      if (!hostCleaned) {
        // Controllers first, so nothing recreates the pods the kubelet is about to tear down through
        // CRI (CNI DEL, volume unmounts); whatever it does not finish, the forced path below does.
        const controllers = ["kube-controller-manager", "kube-scheduler"];
        for (const p of procs.filter((p) => controllers.includes(p.name)))
          await attempt(p.name, () => halt(p));
        const livePlane = plane;
        if (livePlane && procs.some((p) => p.name === "kubelet" && !p.exit))
          await attempt("deleting the pods", () => deleteAllPods(livePlane.kubeConfig()));
        for (const p of [...procs].reverse())
          if (p.name !== "containerd") await attempt(p.name, () => halt(p));
      }
      await attempt("control plane", async () => plane?.stop());
      await attempt("host cleanup", () => cleanupHost(lock));
      for (const p of procs) {
        p.child.ref();
        await p.exited;
      }
      releaseHostLock(dir);
      unregister();
      log("node stopped: processes ended, pods' mounts, links and nftables tables removed, sysctls restored");
    })();
    return stopping;
  };

  try {
    const ports = await freePorts(7);
    const layout: NodeLayout = {
      dir,
      imageStore: nodeImageStoreDir(),
      bin,
      runc: runcPath(),
      pkiDir: "",
      ports: {
        kubeletHealthz: ports[0] ?? 0,
        kcm: ports[1] ?? 0,
        scheduler: ports[2] ?? 0,
        proxyHealthz: ports[3] ?? 0,
        proxyMetrics: ports[4] ?? 0,
        dnsHealth: ports[5] ?? 0,
        dnsReady: ports[6] ?? 0,
      },
    };
    const paths = nodePaths(layout);
    for (const d of [
      paths.etc,
      paths.cniBin,
      paths.cniConf,
      paths.cniIpam,
      paths.podLogs,
      paths.kubeletRoot,
    ]) {
      mkdirSync(d, { recursive: true });
    }
    mkdirSync(layout.imageStore, { recursive: true });
    for (const plugin of ["bridge", "host-local", "loopback", "portmap"]) {
      symlinkSync(join(bin, plugin), join(paths.cniBin, plugin));
    }
    createBridge();
    const spawn = (name: string, args: string[]) => {
      const p = spawnLogged(name, join(bin, name), args, join(dir, `${name}.log`), {
        keepAlive: opts.persistent === true,
      });
      procs.push(p);
      record();
      log(`${name}: started (pid ${p.pid})`);
      return p;
    };
    const died = (p: Proc) => () =>
      p.exit
        ? new Error(
            `${p.name} exited (${p.exit.signal ?? `code ${p.exit.code}`}); last log lines:\n${tailFile(p.logFile)}`,
          )
        : null;

    writeFileSync(join(paths.etc, "containerd.toml"), containerdToml(layout));
    writeFileSync(join(paths.cniConf, "10-vmcp-bridge.conflist"), cniConflist(layout));
    const containerd = spawn("containerd", ["--config", join(paths.etc, "containerd.toml")]);
    await waitUntil(
      "containerd",
      async () =>
        spawnSync(ctr, ["--address", paths.containerdSocket, "version"], { stdio: "ignore" }).status === 0,
      { timeoutMs: readyTimeoutMs, fail: died(containerd) },
    );
    phase("containerd up");
    importImages({
      ctr,
      socket: paths.containerdSocket,
      imageStore: layout.imageStore,
      archives: { [PAUSE_IMAGE]: pause, ...opts.images },
      log,
    });
    phase("images imported");

    plane = await startControlPlane({
      log,
      ...(opts.persistent ? { persistentDir: join(dir, "control-plane") } : {}),
      installCrds: opts.installCrds ?? true,
      readyTimeoutMs,
      node: {
        host: NODE_NETWORK.host,
        serviceCidr: NODE_NETWORK.serviceCidr,
        pki: {
          servingIps: [NODE_NETWORK.host, NODE_NETWORK.apiServiceIp],
          servingDnsNames: SERVING_DNS_NAMES,
          clients: NODE_CLIENTS,
        },
      },
    });
    record();
    phase("etcd + kube-apiserver ready");
    const info = plane.info();
    layout.pkiDir = info.pkiDir;
    const ca = readFileSync(join(info.pkiDir, "serving-ca.crt"), "utf8");
    for (const name of Object.keys(NODE_CLIENTS)) {
      writeFileSync(
        join(paths.etc, `${name}.kubeconfig`),
        renderKubeconfig({
          server: info.server,
          caPem: ca,
          user: name,
          clientCertPem: readFileSync(join(info.pkiDir, `${name}.crt`), "utf8"),
          clientKeyPem: readFileSync(join(info.pkiDir, `${name}.key`), "utf8"),
        }),
        { mode: 0o600 },
      );
    }
    const kc = plane.kubeConfig();
    await grantDnsRead(kc);
    spawn("kube-controller-manager", controllerManagerArgs(layout));
    spawn("kube-scheduler", schedulerArgs(layout));
    writeFileSync(join(paths.etc, "Corefile"), corefile(layout));
    const dns = spawn("coredns", ["-conf", join(paths.etc, "Corefile")]);
    writeFileSync(join(paths.etc, "kubelet.yaml"), kubeletConfig(layout));
    const kubelet = spawn("kubelet", kubeletArgs(layout));
    const core = kc.makeApiClient(CoreV1Api);
    await waitUntil(
      `Node ${NODE_NETWORK.nodeName} Ready`,
      async () => {
        const node = await core.readNode({ name: NODE_NETWORK.nodeName });
        return node.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True") === true;
      },
      { timeoutMs: readyTimeoutMs, intervalMs: 200, fail: died(kubelet) },
    );
    phase("node Ready");
    writeFileSync(join(paths.etc, "kube-proxy.yaml"), kubeProxyConfig(layout));
    const proxy = spawn("kube-proxy", [`--config=${join(paths.etc, "kube-proxy.yaml")}`, "--v=1"]);
    await waitUntil(
      "kube-proxy /healthz",
      async () => (await get(`http://127.0.0.1:${layout.ports.proxyHealthz}/healthz`)).status === 200,
      { timeoutMs: readyTimeoutMs, intervalMs: 200, fail: died(proxy) },
    );
    await waitUntil(
      "CoreDNS /ready",
      async () => (await get(`http://127.0.0.1:${layout.ports.dnsReady}/ready`)).status === 200,
      { timeoutMs: readyTimeoutMs, intervalMs: 200, fail: died(dns) },
    );
    // Pods are rejected until the controller-manager's serviceaccount controller made this.
    await waitUntil(
      "ServiceAccount default/default",
      async () =>
        (await core.readNamespacedServiceAccount({ name: "default", namespace: "default" })) !== null,
      { timeoutMs: readyTimeoutMs, intervalMs: 200 },
    );
    phase("kube-proxy, CoreDNS and the default ServiceAccount ready");
    log(`node ready in ${secondsSince(t0)}s: KUBECONFIG=${info.kubeconfigPath}`);
    lock.kubeconfigPath = info.kubeconfigPath;
    lock.server = info.server;
    record();
    if (opts.persistent) unregister();
    const readyPlane = plane;
    return {
      server: info.server,
      kubeconfigPath: info.kubeconfigPath,
      dir,
      kubeConfig: () => readyPlane.kubeConfig(),
      importImages: (archives) =>
        importImages({ ctr, socket: paths.containerdSocket, imageStore: layout.imageStore, archives, log }),
      pids: () => [...procs.map((p) => p.pid), ...readyPlane.pids()],
      timings,
      stop,
    };
  } catch (e) {
    await stop();
    throw e;
  }
}

async function grantDnsRead(kc: KubeConfig): Promise<void> {
  const rbac = kc.makeApiClient(RbacAuthorizationV1Api);
  const name = "vmcp:coredns";
  await rbac.createClusterRole({
    body: {
      metadata: { name },
      rules: [
        {
          apiGroups: [""],
          resources: ["services", "endpoints", "pods", "namespaces"],
          verbs: ["list", "watch"],
        },
        { apiGroups: ["discovery.k8s.io"], resources: ["endpointslices"], verbs: ["list", "watch"] },
      ],
    },
  });
  await rbac.createClusterRoleBinding({
    body: {
      metadata: { name },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name },
      subjects: [{ apiGroup: "rbac.authorization.k8s.io", kind: "User", name }],
    },
  });
}

/** Deletes every pod at once (1 s grace: the kubelet stops it, then removes it) and waits, bounded, until the kubelet has removed them. */
async function deleteAllPods(kc: KubeConfig): Promise<void> {
  const core = kc.makeApiClient(CoreV1Api);
  try {
    const pods = await core.listPodForAllNamespaces();
    await Promise.all(
      pods.items.map((p) =>
        core
          .deleteNamespacedPod({
            name: p.metadata?.name ?? "",
            namespace: p.metadata?.namespace ?? "",
            gracePeriodSeconds: 1,
          })
          .catch(() => undefined),
      ),
    );
    await waitUntil(
      "pods removed by the kubelet",
      async () => (await core.listPodForAllNamespaces()).items.length === 0,
      {
        timeoutMs: 20_000,
        intervalMs: 200,
      },
    );
  } catch {
    // Controllers may recreate pods meanwhile, or the apiserver is gone: the forced path follows.
  }
}
