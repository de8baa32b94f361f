import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { KubeConfig } from "@kubernetes/client-node";
import { z } from "zod";
import { get } from "./net.ts";
import { cliStateDir } from "./paths.ts";
import { isAlive, killGroup } from "./process.ts";

// State of the long-lived control plane `testenv up` leaves running for people and the demo.
export const StateSchema = z.object({
  version: z.literal(1),
  dir: z.string(),
  server: z.url(),
  kubeconfigPath: z.string(),
  etcdUrl: z.url(),
  pids: z.object({ etcd: z.number().int().positive(), apiserver: z.number().int().positive() }),
  kubernetes: z.string(),
  etcd: z.string(),
  startedAt: z.string(),
});
export type State = z.infer<typeof StateSchema>;

export function statePaths(root = cliStateDir()): { root: string; file: string; runDir: string } {
  return { root, file: join(root, "state.json"), runDir: join(root, "run") };
}

export function readState(file = statePaths().file): State | null {
  let raw: string;
  try {
    raw = readFileSync(file, "utf8");
  } catch {
    return null;
  }
  const parsed = StateSchema.safeParse(JSON.parse(raw));
  return parsed.success ? parsed.data : null;
}

export function writeState(state: State, file = statePaths().file): void {
  mkdirSync(join(file, ".."), { recursive: true });
  writeFileSync(file, `${JSON.stringify(state, null, 2)}\n`);
}

/** True when both processes run and the apiserver answers /readyz with the kubeconfig's credentials. */
export async function isHealthy(state: State): Promise<boolean> {
  if (!isAlive(state.pids.etcd) || !isAlive(state.pids.apiserver)) return false;
  try {
    const kc = new KubeConfig();
    kc.loadFromFile(state.kubeconfigPath);
    const cluster = kc.getCurrentCluster();
    const user = kc.getCurrentUser();
    if (!cluster?.caData || !user?.certData || !user.keyData) return false;
    const decode = (s: string) => Buffer.from(s, "base64").toString("utf8");
    const r = await get(`${state.server}/readyz`, {
      ca: decode(cluster.caData),
      cert: decode(user.certData),
      key: decode(user.keyData),
    });
    return r.status === 200;
  } catch {
    return false;
  }
}

/** Stops the processes in `state` (if any still run) and removes its directory and state file. */
export async function teardownState(state: State, file = statePaths().file): Promise<void> {
  await killGroup(state.pids.apiserver);
  await killGroup(state.pids.etcd);
  rmSync(state.dir, { recursive: true, force: true });
  rmSync(file, { force: true });
}
