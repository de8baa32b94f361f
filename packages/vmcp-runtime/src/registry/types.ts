export type BackendTransport = "streamable-http" | "sse";

/** Everything the data plane needs to know about one backend. Sources (static config now,
 * Kubernetes discovery later) produce these; the registry is the only place they live. */
export interface BackendSpec {
  /** Workload name: unique, used for prefixes, routes, metrics and status. */
  name: string;
  url: string;
  transport: BackendTransport;
  /** PEM file with extra CA certificates (added to the system roots) for https backends. */
  caBundlePath?: string;
  /** Inline PEM (dynamic discovery); takes precedence over caBundlePath. */
  caBundleData?: string;
  /** Per-call timeout (operational.timeouts.perWorkload[name] or .default). */
  timeoutMs: number;
  /** Outgoing auth strategy type, for /status only (the strategy itself lives with the auth factory). */
  authType: string;
  metadata?: Record<string, string>;
}

export type RegistryChange =
  | { type: "added"; backend: BackendSpec }
  | { type: "updated"; backend: BackendSpec; previous: BackendSpec }
  | { type: "removed"; backend: BackendSpec };
