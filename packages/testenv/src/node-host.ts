// What a node changes on the host, and how each change is undone. Synchronous on purpose: teardown
// also runs from process 'exit' handlers, where nothing asynchronous runs any more.
import { spawnSync } from "node:child_process";
import { accessSync, constants, existsSync, readdirSync, readFileSync, rmdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import { NODE_NETWORK, TOUCHED_SYSCTLS } from "./node-config.ts";

function run(cmd: string, args: string[]): { ok: boolean; out: string } {
  const r = spawnSync(cmd, args, { encoding: "utf8" });
  return { ok: r.status === 0, out: `${r.stdout ?? ""}${r.stderr ?? ""}`.trim() };
}

function onPath(cmd: string): string | null {
  for (const d of (process.env.PATH ?? "").split(":").concat(["/usr/sbin", "/sbin"])) {
    try {
      accessSync(join(d, cmd), constants.X_OK);
      return join(d, cmd);
    } catch {
      // next
    }
  }
  return null;
}

/** The Debian packages a node needs on the host, by the command that proves each is there. */
export const HOST_PACKAGES = { runc: "runc", nft: "nftables", iptables: "iptables", ip: "iproute2" } as const;

/**
 * Why a node cannot run here, one line per missing piece; [] when it can. Installs the Debian
 * packages first when root and apt-get is there (and `install` is set), like the CI machines need.
 */
export function nodePreflight(opts: { install?: boolean; log?: (l: string) => void } = {}): string[] {
  const missing: string[] = [];
  if (process.platform !== "linux") return [`a node needs Linux (this is ${process.platform})`];
  if (process.getuid?.() !== 0) missing.push("root (uid 0): the kubelet, containerd and CNI need it");
  if (opts.install && missing.length === 0) installHostPackages(HOST_PACKAGES, opts.log);
  for (const [cmd, pkg] of Object.entries(HOST_PACKAGES)) {
    if (!onPath(cmd)) missing.push(`'${cmd}' (Debian package ${pkg})`);
  }
  try {
    accessSync("/sys/fs/cgroup", constants.W_OK);
  } catch {
    missing.push("a writable /sys/fs/cgroup (cgroups for pods)");
  }
  if (missing.length === 0) {
    const probe = "vmcpprobe0";
    const r = run("ip", ["link", "add", probe, "type", "bridge"]);
    if (r.ok) run("ip", ["link", "del", probe]);
    else missing.push(`permission to create network links ('ip link add' failed: ${r.out})`);
  }
  return missing;
}

/**
 * Installs the Debian packages whose command (the key) is not on PATH, when root and apt-get is
 * there; elsewhere does nothing and the caller reports what is missing. Returns the commands
 * still missing afterwards.
 */
export function installHostPackages(pkgs: Record<string, string>, log?: (l: string) => void): string[] {
  const absent = Object.entries(pkgs).filter(([cmd]) => !onPath(cmd));
  if (absent.length > 0 && process.getuid?.() === 0 && onPath("apt-get")) {
    const names = [...new Set(absent.map(([, pkg]) => pkg))];
    log?.(`host: installing ${names.join(" ")} from Debian (apt-get)`);
    let r = run("apt-get", ["install", "-y", "--no-install-recommends", ...names]);
    // A fresh machine has no package lists yet.
    if (!r.ok) {
      run("apt-get", ["update"]);
      r = run("apt-get", ["install", "-y", "--no-install-recommends", ...names]);
    }
    if (!r.ok)
      log?.(`host: apt-get install ${names.join(" ")} failed: ${r.out.split("\n").slice(-3).join(" ")}`);
  }
  return Object.keys(pkgs).filter((cmd) => !onPath(cmd));
}

export function runcPath(): string {
  const p = onPath("runc");
  if (!p) throw new Error("runc not found (Debian package runc)");
  return p;
}

const SysctlsSchema = z.record(z.string(), z.string());

export function readSysctls(): Record<string, string> {
  return Object.fromEntries(
    TOUCHED_SYSCTLS.map((k) => [k, readFileSync(`/proc/sys/${k.replace(/\./g, "/")}`, "utf8").trim()]),
  );
}

export function parseSysctls(json: string): Record<string, string> {
  return SysctlsSchema.parse(JSON.parse(json));
}

export function restoreSysctls(saved: Record<string, string>): void {
  for (const [k, v] of Object.entries(saved)) run("sysctl", ["-qw", `${k}=${v}`]);
}

/** The bridge exists before the apiserver binds to its address (pods appear only later). */
export function createBridge(): void {
  const n = NODE_NETWORK;
  if (run("ip", ["link", "show", n.bridge]).ok) run("ip", ["link", "del", n.bridge]);
  for (const args of [
    ["link", "add", n.bridge, "type", "bridge"],
    ["addr", "add", `${n.host}/24`, "dev", n.bridge],
    ["link", "set", n.bridge, "up"],
  ]) {
    const r = run("ip", args);
    if (!r.ok) throw new Error(`ip ${args.join(" ")} failed: ${r.out}`);
  }
}

/** The bridge and every veth still enslaved to it. */
export function nodeLinks(): string[] {
  const r = run("ip", ["-o", "link", "show"]);
  const links: string[] = [];
  for (const line of r.out.split("\n")) {
    const m = /^\d+: ([^:@\s]+)[@:]/.exec(line);
    if (!m?.[1]) continue;
    if (m[1] === NODE_NETWORK.bridge || line.includes(` master ${NODE_NETWORK.bridge} `)) links.push(m[1]);
  }
  return links;
}

export function removeLinks(): void {
  for (const l of nodeLinks().reverse()) run("ip", ["link", "del", l]);
}

const NftSchema = z.object({ nftables: z.array(z.record(z.string(), z.unknown())) });
const TableSchema = z.object({ family: z.string(), name: z.string() });
const ChainSchema = z.object({
  family: z.string(),
  table: z.string(),
  name: z.string(),
  hook: z.string().optional(),
});
const RuleSchema = z.object({
  family: z.string(),
  table: z.string(),
  chain: z.string(),
  handle: z.number(),
  expr: z.unknown(),
});

function ruleset() {
  const r = run("nft", ["-j", "list", "ruleset"]);
  if (!r.ok) return { tables: [], chains: [], rules: [] };
  const objs = NftSchema.parse(JSON.parse(r.out)).nftables;
  const pick = <T>(key: string, schema: z.ZodType<T>): T[] =>
    objs.flatMap((o) => {
      const parsed = schema.safeParse(o[key]);
      return o[key] !== undefined && parsed.success ? [parsed.data] : [];
    });
  return {
    tables: pick("table", TableSchema),
    chains: pick("chain", ChainSchema),
    rules: pick("rule", RuleSchema),
  };
}

/** nftables objects the kubelet and kube-proxy created: `kube-proxy` tables and KUBE-* chains. */
export function nodeNftObjects(): string[] {
  const rs = ruleset();
  return [
    ...rs.tables.filter((t) => t.name === "kube-proxy").map((t) => `table ${t.family} ${t.name}`),
    ...rs.chains
      .filter((c) => c.name.startsWith("KUBE-"))
      .map((c) => `chain ${c.family} ${c.table} ${c.name}`),
  ];
}

/**
 * Removes the kube-proxy tables, every KUBE-* chain and the rules jumping to them, then tables
 * left holding only empty base chains. Other software's tables and rules are left alone.
 */
export function cleanNftables(): void {
  for (const t of ruleset().tables.filter((t) => t.name === "kube-proxy")) {
    run("nft", ["delete", "table", t.family, t.name]);
  }
  const rs = ruleset();
  for (const r of rs.rules.filter((r) => JSON.stringify(r.expr).includes("KUBE-"))) {
    run("nft", ["delete", "rule", r.family, r.table, r.chain, "handle", String(r.handle)]);
  }
  const kube = rs.chains.filter((c) => c.name.startsWith("KUBE-"));
  for (const c of kube) run("nft", ["flush", "chain", c.family, c.table, c.name]);
  for (const c of kube) run("nft", ["delete", "chain", c.family, c.table, c.name]);
  const after = ruleset();
  for (const t of after.tables) {
    const touched = kube.some((c) => c.family === t.family && c.table === t.name);
    const rules = after.rules.filter((r) => r.family === t.family && r.table === t.name);
    const chains = after.chains.filter((c) => c.family === t.family && c.table === t.name);
    if (touched && rules.length === 0 && chains.every((c) => c.hook !== undefined)) {
      run("nft", ["delete", "table", t.family, t.name]);
    }
  }
}

function unescapeMount(path: string): string {
  return path.replace(/\\(\d{3})/g, (_, o: string) => String.fromCharCode(Number.parseInt(o, 8)));
}

/** Mount points at or under any of the given directories. */
export function mountsUnder(dirs: string[]): string[] {
  const mounts = readFileSync("/proc/self/mounts", "utf8")
    .split("\n")
    .map((l) => unescapeMount(l.split(" ")[1] ?? ""))
    .filter((m) => m !== "");
  return mounts.filter((m) => dirs.some((d) => m === d || m.startsWith(`${d}/`)));
}

export function unmountAll(dirs: string[]): void {
  // Deepest first; a lazy unmount when something still holds one (it goes once released).
  for (let pass = 0; pass < 3; pass++) {
    const left = mountsUnder(dirs).sort((a, b) => b.length - a.length);
    if (left.length === 0) return;
    for (const m of left) if (!run("umount", [m]).ok) run("umount", ["-l", m]);
  }
}

const CGROUP_NAMES = ["kubepods", "k8s.io"];

/** The cgroups the kubelet and containerd created, one path per controller hierarchy. */
export function nodeCgroups(): string[] {
  if (!existsSync("/sys/fs/cgroup")) return [];
  const out: string[] = [];
  for (const ctl of readdirSync("/sys/fs/cgroup")) {
    for (const name of CGROUP_NAMES) {
      const p = join("/sys/fs/cgroup", ctl, name);
      if (existsSync(p)) out.push(p);
    }
  }
  return out;
}

function cgroupTree(dir: string): string[] {
  const dirs = [dir];
  try {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      if (e.isDirectory()) dirs.push(...cgroupTree(join(dir, e.name)));
    }
  } catch {
    // gone
  }
  return dirs;
}

/** Every process still in a pod cgroup (containers whose shim died first). */
export function cgroupPids(): number[] {
  const pids = new Set<number>();
  for (const root of nodeCgroups()) {
    for (const d of cgroupTree(root)) {
      try {
        for (const l of readFileSync(join(d, "cgroup.procs"), "utf8").split("\n")) if (l) pids.add(Number(l));
      } catch {
        // gone
      }
    }
  }
  return [...pids];
}

export function removeCgroups(): void {
  for (const pid of cgroupPids()) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // gone
    }
  }
  for (const root of nodeCgroups()) {
    for (let i = 0; i < 20; i++) {
      for (const d of cgroupTree(root).reverse()) {
        try {
          rmdirSync(d);
        } catch {
          // busy for a moment while killed processes exit
        }
      }
      if (!existsSync(root)) break;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 50);
    }
  }
}

/** containerd shims serving our socket: they daemonise out of containerd's process group. */
export function shimPids(socketMarker: string): number[] {
  const pids: number[] = [];
  for (const e of readdirSync("/proc")) {
    if (!/^\d+$/.test(e) || Number(e) === process.pid) continue;
    try {
      const cmd = readFileSync(`/proc/${e}/cmdline`, "utf8");
      if (cmd.includes("containerd-shim") && cmd.includes(socketMarker)) pids.push(Number(e));
    } catch {
      // gone
    }
  }
  return pids;
}

/** libcni's result cache outside our directory, keyed by network name. */
export function removeCniCache(): void {
  const dir = "/var/lib/cni/results";
  if (!existsSync(dir)) return;
  for (const f of readdirSync(dir)) {
    if (f.startsWith(`${NODE_NETWORK.cniNetwork}-`) || f.startsWith("cni-loopback-")) {
      rmSync(join(dir, f), { force: true });
    }
  }
  for (const d of [dir, "/var/lib/cni"]) {
    try {
      rmdirSync(d);
    } catch {
      // not empty: someone else's
    }
  }
}
