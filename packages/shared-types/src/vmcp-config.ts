// The runtime's config.yaml: ToolHive's vmcp `config.Config`, camelCase keys, only
// the fields in scope. Every object is strict: a key we do not implement is an error, not a no-op.
// VirtualMCPServer.spec.config reuses these sub-schemas (kinds/virtual-mcp-server.ts).

import * as z from "zod";
import { AuditConfigSchema } from "./audit.ts";
import { RuntimeAuthzConfigSchema } from "./authz.ts";
import { CompositeToolConfigSchema } from "./composite.ts";
import { DurationSchema, parseDuration, tryParseDuration } from "./duration.ts";
import { boundedRecord, type CelRule, mapList, setList, withMeta, withRule } from "./meta.ts";
import {
  HeaderNameSchema,
  headerForwardRefusal,
  NameRefSchema,
  PassthroughHeadersSchema,
  ToolOverrideSchema,
} from "./refs.ts";
import { RuntimeSessionStorageSchema } from "./session-storage.ts";
import { TelemetryConfigSchema } from "./telemetry.ts";

const HttpUrlSchema = z
  .string()
  .max(2048)
  .regex(/^https?:\/\//, "must start with http:// or https://");
const EnvNameSchema = z
  .string()
  .max(253)
  .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "must be an environment variable name");

// ---------------------------------------------------------------------------------------------
// backends[] (static mode)

export const BACKEND_TRANSPORTS = ["sse", "streamable-http"] as const;
export const BackendTransportSchema = z.enum(BACKEND_TRANSPORTS);

/** One fixed header for a backend: a literal value, or one read from an env var at startup. */
export const BackendHeaderSchema = withRule(
  z.strictObject({
    name: HeaderNameSchema.superRefine((name, ctx) => {
      const why = headerForwardRefusal(name);
      if (why)
        ctx.addIssue({ code: "custom", message: `${name} cannot be added to backend requests: ${why}` });
    }),
    value: z.string().max(8192).optional(),
    valueEnv: EnvNameSchema.optional(),
  }),
  {
    rule: "has(self.value) != has(self.valueEnv)",
    message: "exactly one of value and valueEnv must be set",
  },
  (h) => (h.value === undefined) !== (h.valueEnv === undefined),
);
export type BackendHeader = z.output<typeof BackendHeaderSchema>;

export const StaticBackendSchema = withRule(
  z.strictObject({
    name: z.string().min(1).max(253),
    url: HttpUrlSchema,
    transport: BackendTransportSchema,
    type: z.enum(["entry", ""]).optional(),
    caBundlePath: z.string().max(4096).optional(),
    metadata: boundedRecord(z.string().max(253), z.string().max(4096), 64)
      .describe("Free-form string map, copied to the runtime config.")
      .optional(),
    headers: mapList(BackendHeaderSchema, ["name"], 64)
      .describe("Headers added to every request to this backend (an MCPRemoteProxy's headerForward).")
      .optional(),
  }),
  {
    rule: "!has(self.caBundlePath) || (has(self.type) && self.type == 'entry' && self.caBundlePath.startsWith('/'))",
    message: "caBundlePath is only allowed for type entry and must be an absolute path",
    fieldPath: ".caBundlePath",
  },
  (b) => b.caBundlePath === undefined || (b.type === "entry" && b.caBundlePath.startsWith("/")),
);
export type StaticBackend = z.output<typeof StaticBackendSchema>;

// ---------------------------------------------------------------------------------------------
// incomingAuth

export const OidcConfigSchema = z.strictObject({
  issuer: HttpUrlSchema,
  clientId: z.string().max(512).optional(),
  clientSecretEnv: EnvNameSchema.optional(),
  audience: z.string().min(1).max(2048),
  resource: z.string().max(2048).optional(),
  jwksUrl: HttpUrlSchema.optional(),
  introspectionUrl: HttpUrlSchema.optional(),
  scopes: z.array(z.string().max(256)).max(64).optional(),
  protectedResourceAllowPrivateIp: z.boolean().optional(),
  jwksAllowPrivateIp: z.boolean().optional(),
  insecureAllowHttp: z.boolean().optional(),
  caBundlePath: z.string().max(4096).optional(),
});
export type OidcConfig = z.output<typeof OidcConfigSchema>;

export const IncomingAuthConfigSchema = withRule(
  z.strictObject({
    type: z.enum(["anonymous", "oidc"]),
    oidc: OidcConfigSchema.optional(),
    authz: RuntimeAuthzConfigSchema.optional(),
  }),
  {
    rule: "self.type == 'oidc' ? has(self.oidc) : !has(self.oidc)",
    message: "oidc must be set when type is oidc, and only then",
    fieldPath: ".oidc",
  },
  (a) => (a.type === "oidc") === (a.oidc !== undefined),
);
export type IncomingAuthConfig = z.output<typeof IncomingAuthConfigSchema>;

// ---------------------------------------------------------------------------------------------
// outgoingAuth: runtime strategies. `bearer_token` is our addition: ToolHive's vMCP has no
// converter for MCPExternalAuthConfig type bearerToken ("unsupported auth type"); we support it.

export const STRATEGY_TYPES = [
  "unauthenticated",
  "header_injection",
  "token_exchange",
  "bearer_token",
] as const;

const exactlyOne = (a: unknown, b: unknown) => (a === undefined) !== (b === undefined);

export const HeaderInjectionStrategySchema = withRule(
  z.strictObject({
    headerName: z.string().min(1).max(255),
    headerValue: z.string().max(8192).optional(),
    headerValueEnv: EnvNameSchema.optional(),
  }),
  {
    rule: "has(self.headerValue) != has(self.headerValueEnv)",
    message: "exactly one of headerValue and headerValueEnv must be set",
  },
  (h) => exactlyOne(h.headerValue, h.headerValueEnv),
);

export const TokenExchangeStrategySchema = withRule(
  z.strictObject({
    tokenUrl: HttpUrlSchema,
    clientId: z.string().max(512).optional(),
    clientSecret: z.string().max(8192).optional(),
    clientSecretEnv: EnvNameSchema.optional(),
    audience: z.string().max(2048).optional(),
    scopes: z.array(z.string().max(256)).max(64).optional(),
    subjectTokenType: z.string().max(256).optional(),
  }),
  {
    rule: "!(has(self.clientSecret) && has(self.clientSecretEnv))",
    message: "clientSecret and clientSecretEnv are mutually exclusive",
  },
  (t) => !(t.clientSecret !== undefined && t.clientSecretEnv !== undefined),
);

export const BearerTokenStrategySchema = withRule(
  z.strictObject({
    token: z.string().max(16384).optional(),
    tokenEnv: EnvNameSchema.optional(),
  }),
  { rule: "has(self.token) != has(self.tokenEnv)", message: "exactly one of token and tokenEnv must be set" },
  (b) => exactlyOne(b.token, b.tokenEnv),
);

const STRATEGY_SUBOBJECTS = [
  ["header_injection", "headerInjection"],
  ["token_exchange", "tokenExchange"],
  ["bearer_token", "bearerToken"],
] as const;

let strategy = z.strictObject({
  type: z.enum(STRATEGY_TYPES),
  headerInjection: HeaderInjectionStrategySchema.optional(),
  tokenExchange: TokenExchangeStrategySchema.optional(),
  bearerToken: BearerTokenStrategySchema.optional(),
});
for (const [type, field] of STRATEGY_SUBOBJECTS) {
  strategy = withRule(
    strategy,
    {
      rule: `self.type == '${type}' ? has(self.${field}) : !has(self.${field})`,
      message: `${field} must be set when type is ${type}, and only then`,
      fieldPath: `.${field}`,
    },
    (s) => (s.type === type) === (s[field] !== undefined),
  );
}
export const BackendAuthStrategySchema = strategy;
export type BackendAuthStrategy = z.output<typeof BackendAuthStrategySchema>;

export const OutgoingAuthConfigSchema = z.strictObject({
  source: z.enum(["inline", "discovered"]).default("discovered"),
  default: BackendAuthStrategySchema.describe("Timeout of a backend request; default 30s.").optional(),
  backends: boundedRecord(z.string().min(1).max(253), BackendAuthStrategySchema, 256).optional(),
});
export type OutgoingAuthConfig = z.output<typeof OutgoingAuthConfigSchema>;

// ---------------------------------------------------------------------------------------------
// aggregation

export const PREFIX_FORMAT_PATTERN = /^([a-zA-Z0-9_-]|\{workload\})+$/;

export const ConflictResolutionConfigSchema = z.strictObject({
  prefixFormat: z
    .string()
    .max(64)
    .regex(PREFIX_FORMAT_PATTERN, "may contain only letters, digits, _, - and {workload}")
    .default("{workload}_")
    .describe(
      "prefix strategy: text put before every tool name; {workload} is the backend's name. Default {workload}_.",
    ),
  priorityOrder: z
    .array(z.string().min(1).max(253))
    .max(256)
    .meta({ "x-kubernetes-list-type": "atomic" })
    .describe("priority strategy: workloads in order; the first one with a tool name keeps it.")
    .optional(),
});

export const WorkloadToolConfigSchema = z.strictObject({
  workload: z.string().min(1).max(253).describe("Backend (workload) name these settings apply to."),
  toolConfigRef: NameRefSchema.describe(
    "MCPToolConfig (same namespace) with this workload's filter and overrides.",
  ).optional(),
  filter: setList(z.string().max(256), 1024)
    .describe("Only these tools of the workload are advertised; empty advertises all.")
    .optional(),
  overrides: boundedRecord(z.string().max(256), ToolOverrideSchema, 1024)
    .describe("Per tool: a new name and/or description, keyed by the backend's tool name.")
    .optional(),
  excludeAll: z
    .boolean()
    .describe("Advertise none of this workload's tools (they stay callable by composite tools).")
    .optional(),
});
export type WorkloadToolConfig = z.output<typeof WorkloadToolConfigSchema>;

export const AggregationConfigSchema = withRule(
  z.strictObject({
    conflictResolution: z
      .enum(["prefix", "priority", "manual"])
      .default("prefix")
      .describe("How clashing tool names from different backends are resolved."),
    conflictResolutionConfig: ConflictResolutionConfigSchema.prefault({}).describe(
      "Settings of the conflict resolution strategy.",
    ),
    tools: mapList(WorkloadToolConfigSchema, ["workload"], 256)
      .describe("Per-workload tool filters and overrides.")
      .optional(),
    excludeAllTools: z
      .boolean()
      .describe("Advertise no backend tools at all (composite tools only).")
      .optional(),
    defaultToolVisibility: z
      .enum(["allow", "deny"])
      .describe("Whether tools of backends without a tools[] entry are advertised (unset: allow).")
      .optional(),
  }),
  {
    rule: "self.conflictResolution != 'priority' || (has(self.conflictResolutionConfig) && has(self.conflictResolutionConfig.priorityOrder) && size(self.conflictResolutionConfig.priorityOrder) > 0)",
    message: "conflictResolutionConfig.priorityOrder is required when conflictResolution is priority",
    fieldPath: ".conflictResolutionConfig",
    reason: "FieldValueRequired",
  },
  (a) => a.conflictResolution !== "priority" || (a.conflictResolutionConfig.priorityOrder?.length ?? 0) > 0,
);
export type AggregationConfig = z.output<typeof AggregationConfigSchema>;

// ---------------------------------------------------------------------------------------------
// operational

const durationAtLeast = (min: string) =>
  withRule(
    DurationSchema,
    { rule: `duration(self) >= duration('${min}')`, message: `must be at least ${min}` },
    (d) => (tryParseDuration(d) ?? Infinity) >= parseDuration(min),
  );
const positiveDuration = withRule(
  DurationSchema,
  { rule: "duration(self) > duration('0s')", message: "must be greater than 0" },
  (d) => (tryParseDuration(d) ?? 1) > 0,
);

export const CircuitBreakerConfigSchema = z.strictObject({
  enabled: z
    .boolean()
    .default(false)
    .describe("Open a per-backend circuit after failureThreshold failed checks."),
  failureThreshold: z
    .int32()
    .min(1)
    .default(5)
    .describe("Consecutive failures that open the circuit; default 5."),
  timeout: durationAtLeast("1s")
    .default("60s")
    .describe("How long the circuit stays open before a trial request; default 60s, at least 1s."),
});

export const FailureHandlingConfigSchema = withRule(
  z.strictObject({
    healthCheckInterval: positiveDuration
      .default("30s")
      .describe("Time between backend health checks; default 30s."),
    unhealthyThreshold: z
      .int32()
      .min(1)
      .default(3)
      .describe("Failed health checks before a backend is unhealthy; default 3."),
    healthCheckTimeout: DurationSchema.default("10s").describe(
      "Time limit of one health check; default 10s, shorter than the interval.",
    ),
    statusReportingInterval: positiveDuration
      .default("30s")
      .describe("Time between status reports to the VirtualMCPServer; default 30s."),
    partialFailureMode: z
      .enum(["fail", "best_effort"])
      .default("fail")
      .describe("fail (default): a failing backend fails list requests; best_effort: it is left out."),
    circuitBreaker: CircuitBreakerConfigSchema.prefault({}).describe("Per-backend circuit breaker."),
    maxConcurrentHealthChecks: z
      .int32()
      .min(1)
      .max(1024)
      .optional()
      .describe(
        "Health checks in flight at once, all backends together (default 8); checks are spread over the interval with jitter either way.",
      ),
  }),
  {
    rule: "duration(self.healthCheckTimeout) < duration(self.healthCheckInterval)",
    message: "healthCheckTimeout must be shorter than healthCheckInterval",
    fieldPath: ".healthCheckTimeout",
  },
  (f) => {
    const timeout = tryParseDuration(f.healthCheckTimeout);
    const interval = tryParseDuration(f.healthCheckInterval);
    return timeout === undefined || interval === undefined || timeout < interval;
  },
);

export const TimeoutConfigSchema = z.strictObject({
  default: DurationSchema.default("30s").describe("Timeout of a backend request; default 30s."),
  perWorkload: boundedRecord(z.string().min(1).max(253), DurationSchema, 256)
    .describe("Backend request timeout per workload, overriding default.")
    .optional(),
});

// --- client-facing side: DNS-rebinding protection and limits on what one client can hold ---

/** A browser origin as the Origin header carries it: scheme://host[:port], nothing after. */
export const ORIGIN_PATTERN = /^https?:\/\/[^/?#\s@]+$/;
export const AllowedOriginsSchema = withMeta(
  setList(
    z.string().max(2048).regex(ORIGIN_PATTERN, "must be an origin: http(s)://host[:port] with no path"),
    64,
  ),
  {
    description:
      "Browser origins (scheme://host[:port]) allowed to call the gateway besides its own; requests with no Origin header (non-browser clients) are always allowed.",
  },
);

const MiB = 1024 * 1024;

const IncomingLimitsFieldsSchema = z.strictObject({
  headersTimeout: positiveDuration.default("10s").describe("Time a client has to send the request headers."),
  requestTimeout: positiveDuration
    .default("30s")
    .describe("Time a client has to send the whole request, headers and body."),
  maxRequestBodyBytes: z
    .int32()
    .min(1024)
    .default(8 * MiB)
    .describe("Largest request body accepted (413 above)."),
  maxInflightBodyBytes: z
    .int32()
    .min(1024)
    .default(64 * MiB)
    .describe("Request bodies being received, all clients together (503 with Retry-After above)."),
  maxJsonDepth: z
    .int32()
    .min(2)
    .max(512)
    .default(64)
    .describe("Deepest nesting of arrays and objects in a request, checked before parsing."),
  maxSessions: z.int32().min(1).default(1000).describe("Client sessions, all callers together."),
  maxSessionsPerCaller: z
    .int32()
    .min(1)
    .default(100)
    .describe("Client sessions one caller identity (anonymous: one remote address) may hold."),
  sessionTtl: positiveDuration.default("30m").describe("Idle client session lifetime."),
});

const INCOMING_RULES: Array<
  [cel: CelRule, check: (l: z.output<typeof IncomingLimitsFieldsSchema>) => boolean]
> = [
  [
    {
      rule: "duration(self.headersTimeout) <= duration(self.requestTimeout)",
      message: "headersTimeout must not exceed requestTimeout",
      fieldPath: ".headersTimeout",
    },
    (l) => (tryParseDuration(l.headersTimeout) ?? 0) <= (tryParseDuration(l.requestTimeout) ?? Infinity),
  ],
  [
    {
      rule: "self.maxRequestBodyBytes <= self.maxInflightBodyBytes",
      message: "maxRequestBodyBytes must not exceed maxInflightBodyBytes",
      fieldPath: ".maxRequestBodyBytes",
    },
    (l) => l.maxRequestBodyBytes <= l.maxInflightBodyBytes,
  ],
  [
    {
      rule: "self.maxSessionsPerCaller <= self.maxSessions",
      message: "maxSessionsPerCaller must not exceed maxSessions",
      fieldPath: ".maxSessionsPerCaller",
    },
    (l) => l.maxSessionsPerCaller <= l.maxSessions,
  ],
];

export const IncomingLimitsConfigSchema = INCOMING_RULES.reduce(
  (schema, [cel, check]) => withRule(schema, cel, check),
  IncomingLimitsFieldsSchema,
);
export type IncomingLimitsConfig = z.output<typeof IncomingLimitsConfigSchema>;

export const OperationalConfigSchema = z.strictObject({
  logLevel: z
    .enum(["debug"])
    .describe("debug turns on one log line per request; unset logs at info.")
    .optional(),
  timeouts: TimeoutConfigSchema.prefault({}).describe("Backend request timeouts."),
  failureHandling: FailureHandlingConfigSchema.prefault({}).describe(
    "Health checks, circuit breaker and partial-failure behaviour.",
  ),
  // Backend data path limits. Optional rather than defaulted, so the config the operator writes
  // keeps ToolHive's shape; the runtime applies the default.
  maxBackendAnswerBytes: z
    .int32()
    .min(1024)
    .max(256 * 1024 * 1024)
    .optional()
    .describe(
      "Largest answer accepted from a backend, in bytes (default 16 MiB): a JSON body, or one event of an SSE answer. Larger answers fail that one call with -32603 and the connection is closed.",
    ),
  maxConnectionsPerBackend: z
    .int32()
    .min(1)
    .max(4096)
    .optional()
    .describe(
      "HTTP connections the gateway opens to one backend for calls, all client sessions together (default 64). A call waits for a free connection at most its timeout, then fails with -32603.",
    ),
  listPageSize: z
    .int32()
    .min(1)
    .max(10_000)
    .optional()
    .describe(
      "Items per page of tools/list, resources/list, resources/templates/list and prompts/list, with MCP cursors (nextCursor). Unset: every list is answered whole.",
    ),
  allowedOrigins: AllowedOriginsSchema.optional(),
  incoming: IncomingLimitsConfigSchema.prefault({}).describe(
    "Client-facing limits: body size, JSON depth, sessions, timeouts.",
  ),
});
export type OperationalConfig = z.output<typeof OperationalConfigSchema>;

// ---------------------------------------------------------------------------------------------
// the whole file

export const MAX_COMPOSITE_TOOLS = 64;

export const CompositeToolsSchema = mapList(CompositeToolConfigSchema, ["name"], MAX_COMPOSITE_TOOLS);
export const CompositeToolRefsSchema = mapList(NameRefSchema, ["name"], MAX_COMPOSITE_TOOLS);

/** Fields the operator derives from the VirtualMCPServer spec; absent from `spec.config`. */
export const OPERATOR_OWNED_CONFIG_FIELDS = [
  "name",
  "groupRef",
  "backends",
  "incomingAuth",
  "outgoingAuth",
  "sessionStorage",
] as const;

export const VmcpConfigSchema = z.strictObject({
  name: z.string().min(1).max(253),
  groupRef: z.string().min(1).max(253),
  backends: withMeta(mapList(StaticBackendSchema, ["name"], 1024), {
    description: "Static backends; when non-empty the runtime runs in static mode.",
  }).optional(),
  incomingAuth: IncomingAuthConfigSchema,
  outgoingAuth: OutgoingAuthConfigSchema.prefault({}),
  aggregation: AggregationConfigSchema.prefault({}).describe(
    "How backend tools, resources and prompts are merged into one catalog.",
  ),
  compositeTools: CompositeToolsSchema.describe("Multi-step tools defined inline.").optional(),
  compositeToolRefs: CompositeToolRefsSchema.describe(
    "VirtualMCPCompositeToolDefinitions (same namespace) to serve as tools.",
  ).optional(),
  operational: OperationalConfigSchema.prefault({}).describe(
    "Timeouts, failure handling and client-facing limits.",
  ),
  passthroughHeaders: PassthroughHeadersSchema.optional(),
  metadata: boundedRecord(z.string().max(253), z.string().max(4096), 64)
    .describe("Free-form string map, copied to the runtime config.")
    .optional(),
  audit: AuditConfigSchema.optional(),
  telemetry: TelemetryConfigSchema.describe(
    "OpenTelemetry traces and metrics over OTLP/HTTP (ToolHive's telemetry block); off by default.",
  ).optional(),
  sessionStorage: RuntimeSessionStorageSchema.describe(
    "Where client sessions live; unset: sealed session ids any replica can continue.",
  ).optional(),
});
export type VmcpConfig = z.output<typeof VmcpConfigSchema>;
export type VmcpConfigInput = z.input<typeof VmcpConfigSchema>;
