#!/usr/bin/env node
// testenv: keep one local control plane (etcd + kube-apiserver, CRDs installed) running for people
// and the demo. Progress goes to stderr so `eval "$(testenv env)"` stays clean.
import { rmSync } from "node:fs";
import { join } from "node:path";
import { startCluster } from "./cluster.ts";
import { startControlPlane } from "./control-plane.ts";
import { buildProjectImages } from "./images.ts";
import { withLockFile } from "./lock.ts";
import { type NodeLayout, nodePaths } from "./node-config.ts";
import { importImages } from "./node-images.ts";
import { cleanupHost, readNodeLock, writeNodeLock } from "./node-lock.ts";
import { nodeImageStoreDir, readVersions } from "./paths.ts";
import { isAlive } from "./process.ts";
import { isHealthy, readState, statePaths, teardownState, writeState } from "./state.ts";

const HELP = `Usage: testenv <command> [--node]

Commands:
  up       start etcd + kube-apiserver (RBAC on) with the CRDs installed, in the background;
           builds the binaries first if needed (slow once). Does nothing if already up.
  down     stop it and remove its files
  env      print 'export KUBECONFIG=...' (use: eval "$(testenv env)")
  status   print whether it runs, its server URL, pids and kubeconfig
  images   build the operator, runtime and sample-backend images from deploy/docker/*.Dockerfile
           with buildah (only when their inputs changed) and import them into the running node
  --help   this text

  --node   the same for a real single node instead: containerd, kubelet, kube-controller-manager,
           kube-scheduler, kube-proxy and CoreDNS beside the control plane, so pods run. Needs root,
           writable cgroups and permission to create links; one per machine. 'down --node'
           stops it and restores everything it changed on the host (sysctls, nftables, links).

Binaries: $KUBEBUILDER_ASSETS, else the cache under \${VMCP_CACHE_DIR:-\${XDG_CACHE_HOME:-~/.cache}/vmcp-k8s}.`;

const log = (line: string) => process.stderr.write(`[testenv] ${line}\n`);

async function up(): Promise<number> {
  const paths = statePaths();
  return withLockFile(join(paths.root, "up.lock"), () => upLocked(paths), {
    onWait: (pid) => log(`another 'testenv up' (pid ${pid}) is running; waiting for it`),
  });
}

async function upLocked(paths: ReturnType<typeof statePaths>): Promise<number> {
  const existing = readState(paths.file);
  if (existing) {
    if (await isHealthy(existing)) {
      log(
        `already up: ${existing.server} (etcd pid ${existing.pids.etcd}, kube-apiserver pid ${existing.pids.apiserver})`,
      );
      process.stdout.write(`export KUBECONFIG=${existing.kubeconfigPath}\n`);
      return 0;
    }
    log("found a stale control plane (not healthy); cleaning it up");
    await teardownState(existing, paths.file);
  }
  rmSync(paths.runDir, { recursive: true, force: true });
  const plane = await startControlPlane({ persistentDir: paths.runDir, log });
  const info = plane.info();
  const versions = readVersions();
  writeState(
    {
      version: 1,
      dir: info.dir,
      server: info.server,
      kubeconfigPath: info.kubeconfigPath,
      etcdUrl: info.etcdUrl,
      pids: { etcd: info.etcdPid, apiserver: info.apiServerPid ?? 0 },
      kubernetes: versions.kubernetes,
      etcd: versions.etcd,
      startedAt: new Date().toISOString(),
    },
    paths.file,
  );
  log(`up: state in ${paths.file}; stop it with 'testenv down'`);
  process.stdout.write(`export KUBECONFIG=${info.kubeconfigPath}\n`);
  return 0;
}

async function down(): Promise<number> {
  const paths = statePaths();
  const state = readState(paths.file);
  if (!state) {
    rmSync(paths.runDir, { recursive: true, force: true });
    log("not running");
    return 0;
  }
  log(`stopping kube-apiserver (pid ${state.pids.apiserver}) and etcd (pid ${state.pids.etcd})`);
  await teardownState(state, paths.file);
  log("down");
  return 0;
}

async function env(): Promise<number> {
  const state = readState();
  if (!state) {
    log("not running: start it with 'testenv up'");
    return 1;
  }
  process.stdout.write(`export KUBECONFIG=${state.kubeconfigPath}\n`);
  return 0;
}

async function status(): Promise<number> {
  const state = readState();
  if (!state) {
    process.stdout.write("not running\n");
    return 1;
  }
  const healthy = await isHealthy(state);
  process.stdout.write(
    [
      `state:      ${healthy ? "running (ready)" : "NOT healthy (run 'testenv down' then 'testenv up')"}`,
      `server:     ${state.server}`,
      `kubeconfig: ${state.kubeconfigPath}`,
      `etcd:       ${state.etcdUrl} (pid ${state.pids.etcd})`,
      `apiserver:  pid ${state.pids.apiserver}`,
      `versions:   kubernetes ${state.kubernetes}, etcd ${state.etcd}`,
      `started:    ${state.startedAt}`,
      "",
    ].join("\n"),
  );
  return healthy ? 0 : 1;
}

async function upNode(): Promise<number> {
  const held = readNodeLock();
  if (held?.kubeconfigPath && isAlive(held.pid)) {
    log(`node already up (owner pid ${held.pid}): ${held.server}`);
    process.stdout.write(`export KUBECONFIG=${held.kubeconfigPath}\n`);
    return 0;
  }
  const cluster = await startCluster({ persistent: true, log });
  // The lock names this process as the owner; it exits now, so hand ownership to the kubelet,
  // which lives as long as the node does.
  const lock = readNodeLock();
  const kubelet = lock?.procs.find((p) => p.name === "kubelet");
  if (lock && kubelet) writeNodeLock({ ...lock, pid: kubelet.pid });
  log("up: stop it with 'testenv down --node'");
  process.stdout.write(`export KUBECONFIG=${cluster.kubeconfigPath}\n`);
  return 0;
}

async function downNode(): Promise<number> {
  const lock = readNodeLock();
  if (!lock) {
    log("no node running");
    return 0;
  }
  log(`stopping the node in ${lock.dir} (${lock.procs.length} processes) and restoring the host`);
  cleanupHost(lock);
  log("down");
  return 0;
}

async function envNode(): Promise<number> {
  const lock = readNodeLock();
  if (!lock?.kubeconfigPath) {
    log("no node running: start it with 'testenv up --node'");
    return 1;
  }
  process.stdout.write(`export KUBECONFIG=${lock.kubeconfigPath}\n`);
  return 0;
}

async function statusNode(): Promise<number> {
  const lock = readNodeLock();
  if (!lock?.kubeconfigPath) {
    process.stdout.write("no node running\n");
    return 1;
  }
  const dead = lock.procs.filter((p) => !isAlive(p.pid)).map((p) => `${p.name} (${p.pid})`);
  process.stdout.write(
    [
      `state:      ${dead.length === 0 ? "running" : `DEGRADED: not running: ${dead.join(", ")}`}`,
      `server:     ${lock.server}`,
      `kubeconfig: ${lock.kubeconfigPath}`,
      `dir:        ${lock.dir} (logs: *.log)`,
      `processes:  ${lock.procs.map((p) => `${p.name}=${p.pid}`).join(" ")}`,
      `started:    ${lock.startedAt}`,
      "",
    ].join("\n"),
  );
  return dead.length === 0 ? 0 : 1;
}

async function images(): Promise<number> {
  const built = await buildProjectImages({ log });
  const lock = readNodeLock();
  if (lock?.kubeconfigPath && isAlive(lock.pid)) {
    importImages({
      ctr: lock.ctr,
      socket: nodePaths({ dir: lock.dir } as NodeLayout).containerdSocket,
      imageStore: nodeImageStoreDir(),
      archives: Object.fromEntries(Object.values(built).map((b) => [b.ref, b.archive])),
      log,
    });
  } else {
    log("no node running: images built, not imported (start one with 'testenv up --node')");
  }
  for (const b of Object.values(built))
    process.stdout.write(`${b.ref} ${(b.bytes / 1e6).toFixed(0)}MB ${b.archive}\n`);
  return 0;
}

const commands: Record<string, () => Promise<number>> = { up, down, env, status, images };
const nodeCommands: Record<string, () => Promise<number>> = {
  up: upNode,
  down: downNode,
  env: envNode,
  status: statusNode,
};

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === "--help" || command === "-h" || command === "help") {
    process.stdout.write(`${HELP}\n`);
    return command ? 0 : 2;
  }
  const node = rest.length === 1 && rest[0] === "--node";
  const run = (node ? nodeCommands : commands)[command];
  if (!run || (rest.length > 0 && !node)) {
    process.stderr.write(`testenv: unknown arguments '${argv.join(" ")}'\n\n${HELP}\n`);
    return 2;
  }
  return run();
}

main(process.argv.slice(2)).then(
  // Exit explicitly: HTTP keep-alive sockets from the CRD install would otherwise hold the CLI open.
  (code) => process.exit(code),
  (e: unknown) => {
    process.stderr.write(`testenv: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(1);
  },
);
