// Small shared shapes: references to other objects, header names, tool names.
import * as z from "zod";
import { withMeta, withRule } from "./meta.ts";

/** A reference to an object by name in the same namespace. */
export const NameRefSchema = z.strictObject({
  name: z.string().min(1).max(253).describe("Name of the object in the same namespace."),
});
export type NameRef = z.output<typeof NameRefSchema>;

/** `spec.groupRef` on every kind that can join an MCPGroup. */
export const GroupRefSchema = withMeta(NameRefSchema, {
  description: "The MCPGroup (same namespace) this object belongs to.",
});

export const SecretKeyRefSchema = z.strictObject({
  name: z.string().min(1).max(253).describe("Secret in the same namespace."),
  key: z.string().min(1).max(253).describe("Key within the Secret's data."),
});
export type SecretKeyRef = z.output<typeof SecretKeyRefSchema>;

/** A PEM CA bundle in a ConfigMap of the same namespace (MCPServerEntry, MCPRemoteProxy, MCPOIDCConfig, MCPTelemetryConfig). */
export const CaBundleRefSchema = z.strictObject({
  configMapRef: z
    .strictObject({
      name: z.string().min(1).max(253).describe("ConfigMap in the same namespace."),
      key: z
        .string()
        .min(1)
        .max(253)
        .default("ca.crt")
        .describe("Key holding the PEM bundle; default ca.crt."),
    })
    .describe("ConfigMap holding the CA bundle."),
});

/** HTTP header field name (RFC 9110 token). */
export const HEADER_NAME_PATTERN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
export const HeaderNameSchema = z
  .string()
  .min(1)
  .max(255)
  .regex(HEADER_NAME_PATTERN, "must be an HTTP header name");

const HOP_BY_HOP =
  "is a hop-by-hop header: it describes the client's connection to the gateway, not the gateway's to the backend";
const PROXY_OWNED = "is set by proxies about the client; passing it through would let a client forge it";
const GATEWAY_SETS = "the gateway sets it for the request it sends";

/**
 * Headers a client may not have forwarded verbatim to backends, each with the reason given to the
 * user. Each one either breaks the framing or the meaning of the gateway's own request to the
 * backend (an Expect interim answer or a partial Range answer desynchronises a pooled connection),
 * belongs to the gateway's own session with the backend, or lets a client speak for the gateway.
 */
export const RESTRICTED_PASSTHROUGH_HEADERS: Readonly<Record<string, string>> = {
  host: "the gateway addresses each backend itself",
  connection: HOP_BY_HOP,
  "keep-alive": HOP_BY_HOP,
  te: HOP_BY_HOP,
  trailer: HOP_BY_HOP,
  "transfer-encoding": HOP_BY_HOP,
  upgrade: HOP_BY_HOP,
  expect:
    "Expect: 100-continue makes the backend send an interim answer the gateway does not wait for; the gateway sends each body whole",
  range: "a partial answer is not a JSON-RPC message",
  "if-range": "a partial answer is not a JSON-RPC message",
  forwarded: PROXY_OWNED,
  via: PROXY_OWNED,
  "x-real-ip": PROXY_OWNED,
  authorization:
    "forwarding the caller's Authorization header is token passthrough, which the MCP authorization spec forbids; use outgoingAuth (token_exchange, bearer_token, header_injection) instead",
  cookie: "cookies of the gateway's origin must not reach backends",
  "mcp-session-id": "the gateway keeps its own session with each backend",
  "mcp-protocol-version": "the gateway negotiates the protocol version with each backend",
  "last-event-id": "the gateway resumes its own streams with each backend",
  "content-length": GATEWAY_SETS,
  "content-type": GATEWAY_SETS,
  "content-encoding": GATEWAY_SETS,
};

/** Refused by prefix: the whole family has one of the meanings above. */
const RESTRICTED_PREFIXES: ReadonlyArray<readonly [string, string]> = [
  ["proxy-", "is meant for a proxy on the client's side and must go no further (hop-by-hop)"],
  ["x-forwarded-", PROXY_OWNED],
  ["accept", "the gateway negotiates the answer's media type and encoding with each backend"],
];

/** Why `name` cannot be a passthrough header, or undefined when it can. */
export function passthroughRefusal(name: string): string | undefined {
  const lower = name.toLowerCase();
  const why = RESTRICTED_PASSTHROUGH_HEADERS[lower];
  if (why) return why;
  return RESTRICTED_PREFIXES.find(([prefix]) => lower.startsWith(prefix))?.[1];
}

const restrictedList = Object.keys(RESTRICTED_PASSTHROUGH_HEADERS)
  .map((h) => `'${h}'`)
  .join(", ");
const prefixRule = RESTRICTED_PREFIXES.map(([p]) => `!self.lowerAscii().startsWith('${p}')`).join(" && ");

const PassthroughHeaderSchema = HeaderNameSchema.superRefine((name, ctx) => {
  const why = passthroughRefusal(name);
  if (why) ctx.addIssue({ code: "custom", message: `${name} cannot be passed through: ${why}` });
}).meta({
  "x-kubernetes-validations": [
    {
      rule: `!(self.lowerAscii() in [${restrictedList}]) && ${prefixRule}`,
      message:
        "cannot be passed through: Host, hop-by-hop, Proxy-*, Expect, Accept*, Range, forwarding headers (Forwarded, Via, X-Real-IP, X-Forwarded-*) and the headers the gateway owns (Authorization, Cookie, Mcp-*, Last-Event-ID, Content-*) are refused",
    },
  ],
});

export const PassthroughHeadersSchema = withMeta(
  z.array(PassthroughHeaderSchema).max(32).meta({ "x-kubernetes-list-type": "atomic" }),
  { description: "Client request headers forwarded verbatim to every backend." },
);

/**
 * Headers a proxy may not add to its requests to a backend with a fixed value (headerForward):
 * hop-by-hop headers describe one connection, and the rest belong to the gateway's own request
 * (framing, content negotiation, its MCP session with the backend). Authorization, Cookie and the
 * forwarding headers are allowed: a fixed value there is configuration, not a client's forgery.
 */
export function headerForwardRefusal(name: string): string | undefined {
  const lower = name.toLowerCase();
  if (["authorization", "cookie", "forwarded", "via", "x-real-ip"].includes(lower)) return undefined;
  if (lower.startsWith("x-forwarded-")) return undefined;
  if (lower.startsWith("mcp-")) return "the gateway keeps its own session with each backend";
  return passthroughRefusal(name);
}

/** Names of tools the gateway advertises (as MCP clients accept them). */
export const TOOL_NAME_PATTERN = /^[a-zA-Z0-9_-]{1,64}$/;
export const ToolNameSchema = z.string().regex(TOOL_NAME_PATTERN, "must match ^[a-zA-Z0-9_-]{1,64}$");

/** A reference to a routed tool: the aggregated name or `<workload>.<tool>`. */
export const TOOL_REF_PATTERN = /^[a-zA-Z0-9][a-zA-Z0-9._-]*$/;
export const ToolRefSchema = z
  .string()
  .max(256)
  .regex(TOOL_REF_PATTERN, "must match ^[a-zA-Z0-9][a-zA-Z0-9._-]*$");

/** MCP tool annotation hints (overrides and composite tools). */
export const ToolAnnotationsSchema = z.strictObject({
  title: z.string().max(256).describe("Human-readable title.").optional(),
  readOnlyHint: z.boolean().describe("The tool does not modify its environment.").optional(),
  destructiveHint: z.boolean().describe("The tool may perform destructive updates.").optional(),
  idempotentHint: z
    .boolean()
    .describe("Repeated calls with the same arguments have no additional effect.")
    .optional(),
  openWorldHint: z
    .boolean()
    .describe("The tool interacts with an open world of external entities.")
    .optional(),
});
export type ToolAnnotations = z.output<typeof ToolAnnotationsSchema>;

/** A rename/redescribe of one backend tool (`aggregation.tools[].overrides`, MCPToolConfig `toolsOverride`). */
export const ToolOverrideSchema = withRule(
  z.strictObject({
    name: ToolNameSchema.describe("New name advertised for the tool.").optional(),
    description: z.string().max(4096).describe("New description advertised for the tool.").optional(),
    annotations: ToolAnnotationsSchema.describe(
      "MCP tool annotations to advertise instead of the backend's.",
    ).optional(),
  }),
  {
    rule: "has(self.name) || has(self.description) || has(self.annotations)",
    message: "a tool override needs a name, a description or annotations",
  },
  (o) => o.name !== undefined || o.description !== undefined || o.annotations !== undefined,
);
export type ToolOverride = z.output<typeof ToolOverrideSchema>;

/** A workload's reference to an MCPOIDCConfig: the provider is shared, the audience is not. */
export const OidcConfigRefSchema = z
  .strictObject({
    name: z.string().min(1).max(253).describe("MCPOIDCConfig in the same namespace."),
    audience: z
      .string()
      .min(1)
      .max(2048)
      .describe("Required aud claim of incoming tokens; unique per server so tokens are not replayable."),
    scopes: z
      .array(z.string().max(256))
      .max(64)
      .describe("Scopes announced in the protected-resource metadata and WWW-Authenticate.")
      .optional(),
    resourceUrl: z
      .string()
      .max(2048)
      .describe("Public URL of this server (RFC 9728 resource); default <service URL>/mcp.")
      .optional(),
  })
  .describe("An MCPOIDCConfig validating incoming tokens, with this workload's audience.");
export type OidcConfigRef = z.output<typeof OidcConfigRefSchema>;
