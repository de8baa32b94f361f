import { parseDuration, type VmcpConfig } from "@vmcp/shared-types";
import { aggregate } from "../aggregation/aggregate.ts";
import { createAuditor } from "../audit/sink.ts";
import { createIncomingAuth } from "../auth/incoming.ts";
import { createOutgoingAuth } from "../auth/outgoing.ts";
import { resolveStaticHeaders, withStaticHeaders } from "../auth/static-headers.ts";
import { createAuthorizer } from "../authz/cedar.ts";
import type { BackendPoolOptions } from "../backends/pool.ts";
import type { ResolvedSecrets } from "../config/load.ts";
import type { Logger } from "../logger.ts";
import type { BackendSpec } from "../registry/types.ts";
import type { GatewayOptions } from "./gateway.ts";
import type { AggregateFn, AggregateView } from "./types.ts";

/** Static backends from config.yaml as registry entries (the Kubernetes source will produce the
 * same shape from MCPGroup members). */
export function backendSpecsFromConfig(config: VmcpConfig): BackendSpec[] {
  const timeouts = config.operational.timeouts;
  const defaultMs = parseDuration(timeouts.default);
  return (config.backends ?? []).map((b) => {
    const per = timeouts.perWorkload?.[b.name];
    const strategy = config.outgoingAuth.backends?.[b.name] ?? config.outgoingAuth.default;
    const spec: BackendSpec = {
      name: b.name,
      url: b.url,
      transport: b.transport,
      timeoutMs: per ? parseDuration(per) : defaultMs,
      authType: strategy?.type ?? "unauthenticated",
    };
    if (b.caBundlePath) spec.caBundlePath = b.caBundlePath;
    if (b.metadata) spec.metadata = b.metadata;
    return spec;
  });
}

export interface FromConfigOptions {
  log: Logger;
  /** Public base URL (scheme://host:port) for OAuth protected-resource metadata; defaults to
   * the address the gateway listens on. */
  resourceUrl?: string;
  sessionTtlMs?: number;
  maxBodyBytes?: number;
}

export type BackendOptions = BackendPoolOptions & { aggregate: AggregateFn };

/** What the backend pool and the catalog take from a validated config. */
export function backendOptionsFromConfig(config: VmcpConfig, secrets: ResolvedSecrets): BackendOptions {
  const cfgAgg = config.aggregation;
  const out: BackendOptions = {
    aggregate: (caps) => aggregate(caps, cfgAgg) as AggregateView,
    outgoingAuth: (spec) =>
      withStaticHeaders(
        createOutgoingAuth(config.outgoingAuth.backends?.[spec.name] ?? config.outgoingAuth.default, secrets),
        resolveStaticHeaders(config.backends?.find((b) => b.name === spec.name)?.headers, secrets),
      ),
  };
  return out;
}

/** Everything GatewayOptions needs except the stages it serves, from a validated config. */
export function gatewayOptionsFromConfig(
  config: VmcpConfig,
  o: FromConfigOptions,
): Omit<GatewayOptions, "catalog" | "health"> {
  if (config.incomingAuth.type === "anonymous") {
    o.log.warn("incoming auth is anonymous: every client shares one identity");
  }
  const out: Omit<GatewayOptions, "catalog" | "health"> = {
    name: config.name,
    // Anonymous means no check at all on the hot path.
    incomingAuth:
      config.incomingAuth.type === "anonymous"
        ? undefined
        : (listening) => createIncomingAuth(config.incomingAuth, { resourceUrl: o.resourceUrl ?? listening }),
    passthroughHeaders: config.passthroughHeaders ?? [],
    partialFailureMode: config.operational.failureHandling.partialFailureMode,
    log: o.log,
  };
  if (config.operational.allowedOrigins) out.allowedOrigins = config.operational.allowedOrigins;
  if (o.resourceUrl !== undefined) out.publicUrl = o.resourceUrl;
  const authz = createAuthorizer(config.incomingAuth.authz);
  if (authz) out.authz = authz;
  const audit = createAuditor(config.audit, { component: config.name, log: o.log });
  if (audit) out.audit = audit;
  // compositeToolRefs are merged into compositeTools by the operator; the runtime reads only these.
  if (config.compositeTools && config.compositeTools.length > 0) out.compositeTools = config.compositeTools;
  const limits = config.operational.incoming;
  out.headersTimeoutMs = parseDuration(limits.headersTimeout);
  out.requestTimeoutMs = parseDuration(limits.requestTimeout);
  out.maxBodyBytes = o.maxBodyBytes ?? limits.maxRequestBodyBytes;
  out.maxInflightBodyBytes = limits.maxInflightBodyBytes;
  out.maxJsonDepth = limits.maxJsonDepth;
  out.maxSessions = limits.maxSessions;
  out.maxSessionsPerCaller = limits.maxSessionsPerCaller;
  out.sessionTtlMs = o.sessionTtlMs ?? parseDuration(limits.sessionTtl);
  if (config.operational.listPageSize !== undefined) out.listPageSize = config.operational.listPageSize;
  return out;
}
