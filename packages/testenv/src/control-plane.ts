import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { KubeConfig } from "@kubernetes/client-node";
import { type ApiServerFiles, apiServerArgs, apiServerUrl, etcdArgs, etcdClientUrl } from "./args.ts";
import { type Binaries, ensureBinaries, type Log } from "./binaries.ts";
import { onProcessExit } from "./cleanup.ts";
import { installCrds, readCrds } from "./crds.ts";
import { renderKubeconfig } from "./kubeconfig.ts";
import { freePorts, get, waitUntil } from "./net.ts";
import { DEFAULT_CRD_DIR } from "./paths.ts";
import { generatePki, type Pki, type PkiOptions } from "./pki.ts";
import { isAlive, killGroup, killGroupSync, type Proc, spawnLogged, tailFile } from "./process.ts";
import { startWatchdog } from "./watchdog.ts";

export type ControlPlaneInfo = {
  dir: string;
  server: string;
  kubeconfigPath: string;
  etcdUrl: string;
  etcdPid: number;
  apiServerPid: number | null;
  /** PEM files: ca/cert/key of every identity (`<name>.crt`, `<name>.key`, `serving-ca.crt`, `client-ca.crt`). */
  pkiDir: string;
};

export type ControlPlane = {
  server: string;
  kubeconfigPath: string;
  /** Working directory: PKI, etcd data, process logs (removed by stop() unless persistent). */
  dir: string;
  /** A fresh admin (system:masters) KubeConfig. */
  kubeConfig(): KubeConfig;
  /** Stops only kube-apiserver (etcd keeps the data): for fault tests. */
  stopApiServer(): Promise<void>;
  /** Starts kube-apiserver again on the same port against the same etcd; resolves once ready. */
  startApiServer(): Promise<void>;
  stop(): Promise<void>;
  /** Every pid this control plane started, including replaced apiservers and the watchdog. */
  pids(): number[];
  info(): ControlPlaneInfo;
};

export type StartControlPlaneOptions = {
  /** Install crds/*.yaml and wait until Established (default true). */
  installCrds?: boolean;
  crdDir?: string;
  log?: Log;
  /**
   * Keep the processes running after this process exits (`testenv up`): the given directory is
   * used as is, and once started no exit hook or watchdog guards it: the caller owns teardown.
   */
  persistentDir?: string;
  /** Per-process readiness deadline (default 60 s; the first start on a cold disk is the slowest). */
  readyTimeoutMs?: number;
  /** Serve a real node: bind to its bridge address, keep the endpoint reconciler and ServiceAccount admission. */
  node?: { host: string; serviceCidr: string; pki: PkiOptions };
  /** Serve the apiserver's /debug/pprof (a bench's CPU profile); off by default. */
  profiling?: boolean;
};

const PORT_RETRIES = 3;

function writePki(dir: string, pki: Pki): ApiServerFiles {
  mkdirSync(dir, { recursive: true });
  const write = (name: string, content: string, secret = false) => {
    const path = join(dir, name);
    writeFileSync(path, content, { mode: secret ? 0o600 : 0o644 });
    return path;
  };
  write("serving-ca.crt", pki.servingCa);
  write("admin.crt", pki.adminCert);
  write("admin.key", pki.adminKey, true);
  for (const [name, c] of Object.entries(pki.clients)) {
    write(`${name}.crt`, c.cert);
    write(`${name}.key`, c.key, true);
  }
  return {
    certDir: dir,
    servingCert: write("apiserver.crt", pki.servingCert),
    servingKey: write("apiserver.key", pki.servingKey, true),
    clientCa: write("client-ca.crt", pki.clientCa),
    saPublicKey: write("sa.pub", pki.saPublicKey),
    saPrivateKey: write("sa.key", pki.saPrivateKey, true),
  };
}

function seconds(since: number): string {
  return `${((performance.now() - since) / 1000).toFixed(1)}s`;
}

/**
 * Starts etcd and kube-apiserver (RBAC, TokenRequest) on free loopback ports, writes an admin
 * kubeconfig and installs the repository's CRDs. Everything is torn down by stop(), and also on
 * process exit, signals and uncaught errors, so a failing test leaks nothing.
 */
export async function startControlPlane(opts: StartControlPlaneOptions = {}): Promise<ControlPlane> {
  const log = opts.log ?? (() => {});
  const readyTimeoutMs = opts.readyTimeoutMs ?? 60_000;
  const t0 = performance.now();
  const bins: Binaries = await ensureBinaries({ log });

  const persistent = opts.persistentDir !== undefined;
  let dir: string;
  if (opts.persistentDir !== undefined) {
    dir = opts.persistentDir;
    mkdirSync(dir, { recursive: true });
  } else {
    dir = mkdtempSync(join(tmpdir(), "vmcp-testenv-"));
  }
  const all: Proc[] = [];
  let etcd: Proc | null = null;
  let apiserver: Proc | null = null;
  let watchdog: Proc | null = null;

  const recordGroups = () => {
    const live = [apiserver, etcd].filter((p): p is Proc => p !== null).map((p) => p.pid);
    writeFileSync(join(dir, "pgids"), `${live.join("\n")}\n`);
  };
  const stopSync = () => {
    for (const p of [apiserver, etcd, watchdog]) if (p) killGroupSync(p.pid);
    rmSync(dir, { recursive: true, force: true });
  };
  // Also while a persistent plane starts: Ctrl-C during `testenv up` must not strand half of it.
  const unregister = onProcessExit(stopSync);

  let stopping: Promise<void> | null = null;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      // apiserver first: it would otherwise log etcd connection errors while shutting down.
      for (const [p, graceMs] of [
        [apiserver, 5_000],
        [etcd, 5_000],
        [watchdog, 500],
      ] as const) {
        if (!p) continue;
        await killGroup(p.pid, graceMs);
        // Wait for Node to reap it too, so not even a zombie entry is left behind. ref(): an
        // unref'd child's exit event alone would not keep the event loop alive to deliver it.
        p.child.ref();
        await p.exited;
      }
      rmSync(dir, { recursive: true, force: true });
      // Only now: should the process exit halfway through, the exit hook finishes the job.
      unregister();
    })();
    return stopping;
  };

  try {
    if (!persistent) {
      watchdog = startWatchdog(dir);
      all.push(watchdog);
    }
    log(`workdir: ${dir}`);
    let t = performance.now();
    const pki = await generatePki(opts.node?.pki);
    const files = writePki(join(dir, "pki"), pki);
    log(
      `pki: serving CA, apiserver cert (localhost, 127.0.0.1${opts.node ? `, ${opts.node.host}` : ""}), client CA, admin cert${Object.keys(pki.clients).length > 0 ? `, ${Object.keys(pki.clients).join(", ")}` : ""}, SA key (${seconds(t)})`,
    );
    const host = opts.node?.host ?? "127.0.0.1";
    const nodeArgs = opts.node && {
      host: opts.node.host,
      serviceCidr: opts.node.serviceCidr,
      kubeletClientCert: join(files.certDir, "apiserver-kubelet-client.crt"),
      kubeletClientKey: join(files.certDir, "apiserver-kubelet-client.key"),
    };

    const failedEarly = (p: Proc) => () =>
      p.exit
        ? new Error(
            `${p.name} exited during startup (${p.exit.signal ?? `code ${p.exit.code}`}); last log lines (${p.logFile}):\n${tailFile(p.logFile)}`,
          )
        : null;
    // A readiness timeout says nothing by itself: the process's own last words usually do.
    const withLogTail = (p: Proc, e: unknown): unknown =>
      e instanceof Error && !p.exit
        ? new Error(`${e.message}; last log lines of ${p.name} (${p.logFile}):\n${tailFile(p.logFile)}`, {
            cause: e,
          })
        : e;

    // etcd: retried on a fresh port pair if another process grabbed one in between.
    t = performance.now();
    let etcdPort = 0;
    for (let attempt = 1; ; attempt++) {
      const [clientPort = 0, peerPort = 0] = await freePorts(2);
      const dataDir = join(dir, "etcd");
      rmSync(dataDir, { recursive: true, force: true });
      const p = spawnLogged(
        "etcd",
        bins.etcd,
        etcdArgs({ dataDir, clientPort, peerPort }),
        join(dir, "etcd.log"),
        {
          keepAlive: persistent,
        },
      );
      all.push(p);
      etcd = p;
      recordGroups();
      log(`etcd: starting on ${etcdClientUrl(clientPort)} (pid ${p.pid})`);
      try {
        await waitUntil(
          "etcd /health",
          async () => {
            const r = await get(`${etcdClientUrl(clientPort)}/health`);
            return r.status === 200 && r.body.includes('"true"');
          },
          { timeoutMs: readyTimeoutMs, fail: failedEarly(p) },
        );
        etcdPort = clientPort;
        break;
      } catch (e) {
        await killGroup(p.pid);
        etcd = null;
        if (attempt < PORT_RETRIES && /address already in use/.test(tailFile(p.logFile, 50))) {
          log("etcd: port taken meanwhile, retrying on new ports");
          continue;
        }
        throw withLogTail(p, e);
      }
    }
    log(`etcd: healthy (${seconds(t)})`);

    const tls = { ca: pki.servingCa, cert: pki.adminCert, key: pki.adminKey };
    let apiPort = 0;
    let apiArgs: string[] = [];
    const launchApiServer = async (): Promise<void> => {
      const p = spawnLogged("kube-apiserver", bins.kubeApiserver, apiArgs, join(dir, "kube-apiserver.log"), {
        keepAlive: persistent,
      });
      all.push(p);
      apiserver = p;
      recordGroups();
      log(`kube-apiserver: starting on ${apiServerUrl(apiPort, host)} (pid ${p.pid})`);
      try {
        // /readyz as admin: turns 200 only after RBAC bootstrap and every post-start hook finished.
        await waitUntil(
          "kube-apiserver /readyz",
          async () => (await get(`${apiServerUrl(apiPort, host)}/readyz`, tls)).status === 200,
          { timeoutMs: readyTimeoutMs, fail: failedEarly(p) },
        );
      } catch (e) {
        await killGroup(p.pid);
        apiserver = null;
        recordGroups();
        throw withLogTail(p, e);
      }
    };

    t = performance.now();
    for (let attempt = 1; ; attempt++) {
      const [port = 0] = await freePorts(1);
      apiPort = port;
      apiArgs = apiServerArgs({
        etcdClientPort: etcdPort,
        securePort: apiPort,
        files,
        ...(nodeArgs ? { node: nodeArgs } : {}),
        ...(opts.profiling ? { profiling: true } : {}),
      });
      try {
        await launchApiServer();
        break;
      } catch (e) {
        const last = all[all.length - 1];
        if (
          attempt < PORT_RETRIES &&
          last?.name === "kube-apiserver" &&
          /address already in use/.test(tailFile(last.logFile, 50))
        ) {
          log("kube-apiserver: port taken meanwhile, retrying on a new port");
          continue;
        }
        throw e;
      }
    }
    log(`kube-apiserver: ready (${seconds(t)})`);

    const server = apiServerUrl(apiPort, host);
    const kubeconfigPath = join(dir, "kubeconfig");
    const kubeconfigText = renderKubeconfig({
      server,
      caPem: pki.servingCa,
      user: "admin",
      clientCertPem: pki.adminCert,
      clientKeyPem: pki.adminKey,
    });
    writeFileSync(kubeconfigPath, kubeconfigText, { mode: 0o600 });
    chmodSync(kubeconfigPath, 0o600);
    // From memory, not the file: an exit hook may already have removed the directory while a
    // caller still needs a client (a node's stop() after Ctrl-C).
    const kubeConfig = () => {
      const kc = new KubeConfig();
      kc.loadFromString(kubeconfigText);
      return kc;
    };

    if (opts.installCrds !== false) {
      t = performance.now();
      const crdDir = opts.crdDir ?? DEFAULT_CRD_DIR;
      const crds = readCrds(crdDir);
      if (crds.length === 0) {
        log(`crds: none found in ${crdDir} (generate them with 'pnpm run generate:crds'); skipping`);
      } else {
        log(`crds: installing ${crds.length} from ${crdDir}`);
        await installCrds(kubeConfig(), crds);
        log(`crds: ${crds.length} established (${seconds(t)})`);
      }
    }
    log(`ready in ${seconds(t0)}: ${server}, KUBECONFIG=${kubeconfigPath}`);
    if (persistent) unregister();

    return {
      server,
      kubeconfigPath,
      dir,
      kubeConfig,
      stopApiServer: async () => {
        if (!apiserver) return;
        const p = apiserver;
        await killGroup(p.pid);
        p.child.ref();
        await p.exited;
        apiserver = null;
        recordGroups();
        log(`kube-apiserver: stopped (pid ${p.pid})`);
      },
      startApiServer: async () => {
        if (stopping) throw new Error("control plane is stopped");
        if (apiserver && isAlive(apiserver.pid)) return;
        const t1 = performance.now();
        await launchApiServer();
        log(`kube-apiserver: ready again (${seconds(t1)})`);
      },
      stop,
      pids: () => all.map((p) => p.pid),
      info: () => ({
        dir,
        server,
        kubeconfigPath,
        etcdUrl: etcdClientUrl(etcdPort),
        etcdPid: etcd?.pid ?? 0,
        apiServerPid: apiserver?.pid ?? null,
        pkiDir: files.certDir,
      }),
    };
  } catch (e) {
    await stop();
    throw e;
  }
}
