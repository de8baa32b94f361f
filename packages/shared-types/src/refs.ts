// Small shared shapes: references to other objects, header names, tool names.
import * as z from "zod";
import { withMeta, withRule } from "./meta.ts";

/** A reference to an object by name in the same namespace. */
export const NameRefSchema = z.strictObject({ name: z.string().min(1).max(253) });
export type NameRef = z.output<typeof NameRefSchema>;

/** `spec.groupRef` on every kind that can join an MCPGroup. */
export const GroupRefSchema = withMeta(NameRefSchema, {
  description: "The MCPGroup (same namespace) this object belongs to.",
});

export const SecretKeyRefSchema = z.strictObject({
  name: z.string().min(1).max(253),
  key: z.string().min(1).max(253),
});
export type SecretKeyRef = z.output<typeof SecretKeyRefSchema>;

/** HTTP header field name (RFC 9110 token). */
export const HEADER_NAME_PATTERN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
export const HeaderNameSchema = z
  .string()
  .min(1)
  .max(255)
  .regex(HEADER_NAME_PATTERN, "must be an HTTP header name");

/**
 * Headers a client may not have forwarded verbatim to backends: Host and the hop-by-hop set
 * (RFC 9110 §7.6.1), plus X-Forwarded-* which the gateway must own.
 */
export const RESTRICTED_PASSTHROUGH_HEADERS = [
  "host",
  "connection",
  "keep-alive",
  "proxy-authenticate",
  "proxy-authorization",
  "proxy-connection",
  "te",
  "trailer",
  "transfer-encoding",
  "upgrade",
] as const;

function isRestrictedHeader(name: string): boolean {
  const lower = name.toLowerCase();
  return (
    (RESTRICTED_PASSTHROUGH_HEADERS as readonly string[]).includes(lower) || lower.startsWith("x-forwarded-")
  );
}

const restrictedList = RESTRICTED_PASSTHROUGH_HEADERS.map((h) => `'${h}'`).join(", ");

export const PassthroughHeadersSchema = withMeta(
  withRule(
    z.array(HeaderNameSchema).max(32).meta({ "x-kubernetes-list-type": "atomic" }),
    {
      rule: `self.all(h, !(h.lowerAscii() in [${restrictedList}]) && !h.lowerAscii().startsWith('x-forwarded-'))`,
      message: "passthroughHeaders must not contain Host, hop-by-hop headers or X-Forwarded-* headers",
    },
    (headers) => headers.every((h) => !isRestrictedHeader(h)),
  ),
  { description: "Client request headers forwarded verbatim to every backend." },
);

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
  title: z.string().max(256).optional(),
  readOnlyHint: z.boolean().optional(),
  destructiveHint: z.boolean().optional(),
  idempotentHint: z.boolean().optional(),
  openWorldHint: z.boolean().optional(),
});
export type ToolAnnotations = z.output<typeof ToolAnnotationsSchema>;

/** A rename/redescribe of one backend tool (`aggregation.tools[].overrides`, MCPToolConfig `toolsOverride`). */
export const ToolOverrideSchema = withRule(
  z.strictObject({
    name: ToolNameSchema.optional(),
    description: z.string().max(4096).optional(),
    annotations: ToolAnnotationsSchema.optional(),
  }),
  {
    rule: "has(self.name) || has(self.description) || has(self.annotations)",
    message: "a tool override needs a name, a description or annotations",
  },
  (o) => o.name !== undefined || o.description !== undefined || o.annotations !== undefined,
);
export type ToolOverride = z.output<typeof ToolOverrideSchema>;
