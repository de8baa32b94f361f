import type { TestProject } from "vitest/node";
import { startControlPlane } from "./control-plane.ts";
import { assertNothingLeft } from "./leaks.ts";

declare module "vitest" {
  export interface ProvidedContext {
    /** Admin kubeconfig of the control plane shared by every integration test file. */
    kubeconfigPath: string;
  }
}

const log = (line: string) => process.stderr.write(`[testenv] ${line}\n`);

/** Starts one control plane for the whole integration run; tears it down and checks nothing leaked. */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const plane = await startControlPlane({ log });
  project.provide("kubeconfigPath", plane.kubeconfigPath);
  return async () => {
    const pids = plane.pids();
    await plane.stop();
    assertNothingLeft(pids, plane.dir);
    log(`stopped; no harness process left (checked pids ${pids.join(", ")})`);
  };
}
