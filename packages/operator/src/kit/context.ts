import type { KubeConfig } from "@kubernetes/client-node";
import type { EventRecorder } from "@vmcp/kube-kit/events";
import type { Logger } from "@vmcp/kube-kit/logger";
import type { OperatorMetrics } from "@vmcp/kube-kit/metrics";
import type { Controller } from "./controller.ts";
import type { InformerRegistry } from "./informers.ts";

/** Operator-wide settings a controller may need. */
export interface OperatorSettings {
  /** Image of the vMCP runtime the VirtualMCPServer Deployments run. */
  vmcpImage: string;
  /** Namespace scope of the watches; undefined = all namespaces. */
  namespace?: string;
  /**
   * Accept MCPServerEntry remoteUrls on loopback hosts (local development and tests, where backends
   * listen on 127.0.0.1). Off by default: in a cluster, loopback is the runtime pod itself.
   */
  allowLoopbackEntries?: boolean;
  /**
   * Reconciles at once per controller: the workload controllers (VirtualMCPServer, MCPServer,
   * MCPRemoteProxy) and the status-only ones, whose first status every new server waits for.
   * A first reconcile waits on several applies, so the workers mostly wait on the apiserver.
   */
  concurrency: number;
}

/** What every controller factory receives from the manager. */
export interface ControllerContext {
  kc: KubeConfig;
  logger: Logger;
  metrics: OperatorMetrics;
  events: EventRecorder;
  informers: InformerRegistry;
  settings: OperatorSettings;
  /** Identity of this operator instance (pod name or host-pid). */
  identity: string;
}

/**
 * Builds one controller: requests the informers it reads (ctx.informers), wires their events to
 * controller.enqueue, and returns the controller unstarted. The manager starts informers, waits for
 * them to sync, then starts controllers while it holds the leader lease.
 */
export type ControllerFactory = (ctx: ControllerContext) => Controller;
