import type { VmcpConfig } from "@vmcp/shared-types";
import type { OutgoingAuth } from "../backends/types.ts";
import { BackendRegistry } from "../registry/registry.ts";
import type { BackendSpec } from "../registry/types.ts";
import { backendSpecsFromConfig } from "../server/from-config.ts";

/** A backend that discovery found but cannot serve (reported in the CRD status). */
export interface SourceProblem {
  name: string;
  url: string;
  authConfigRef?: string | undefined;
  message: string;
}

/** Where backends come from: the config's static list or Kubernetes discovery. The registry is
 * the source's output; everything downstream reads it. */
export interface RuntimeSource {
  /** "static" (config backends) or "dynamic" (discovery), for /readyz. */
  mode: "static" | "dynamic";
  registry: BackendRegistry;
  /** Discovered auth replaces the config's outgoing auth when set. */
  outgoingAuth?: ((spec: BackendSpec) => OutgoingAuth) | undefined;
  problems(): SourceProblem[];
  onProblemsChanged(l: () => void): void;
  stop(): Promise<void>;
}

/** The config's `backends`, fixed for the life of the process. */
export function staticSource(config: VmcpConfig): RuntimeSource {
  const registry = new BackendRegistry();
  registry.replaceAll(backendSpecsFromConfig(config));
  return {
    mode: "static",
    registry,
    problems: () => [],
    onProblemsChanged: () => {},
    stop: async () => {},
  };
}
