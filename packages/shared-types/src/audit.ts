// config.audit (spec.config.audit on a VirtualMCPServer): ToolHive's audit settings, snake_case as
// ToolHive spells them. Setting the block turns auditing on unless enabled is false.
import * as z from "zod";

export const AUDIT_EVENT_TYPES = [
  "mcp_initialize",
  "mcp_tool_call",
  "mcp_tools_list",
  "mcp_resource_read",
  "mcp_resources_list",
  "mcp_prompt_get",
  "mcp_prompts_list",
  "mcp_notification",
  "mcp_ping",
  "mcp_logging",
  "mcp_completion",
  "mcp_roots_list_changed",
  "mcp_request",
  "http_request",
] as const;
export type AuditEventType = (typeof AUDIT_EVENT_TYPES)[number];

const EventTypesSchema = z.array(z.enum(AUDIT_EVENT_TYPES)).max(AUDIT_EVENT_TYPES.length);

export const AuditConfigSchema = z
  .strictObject({
    enabled: z.boolean().default(true).describe("Write audit events; default true when the block is set."),
    component: z
      .string()
      .max(253)
      .describe("Component name in every event; default the server's name.")
      .optional(),
    event_types: EventTypesSchema.describe("Event types to audit; empty or unset audits all.").optional(),
    exclude_event_types: EventTypesSchema.describe(
      "Event types never audited; wins over event_types.",
    ).optional(),
    include_request_data: z
      .boolean()
      .default(false)
      .describe(
        "Include request arguments (truncated to max_data_size); off by default: arguments can hold secrets.",
      ),
    include_response_data: z
      .boolean()
      .default(false)
      .describe("Accepted for ToolHive compatibility; response bodies are never recorded by this gateway."),
    max_data_size: z
      .int()
      .min(0)
      .max(65536)
      .default(1024)
      .describe("Bytes of request data kept per event; default 1024, at most 65536."),
    log_file: z
      .string()
      .max(4096)
      .regex(/^\//, "must be an absolute path")
      .describe("Append events as JSON lines to this file; unset writes them to the log stream (stdout).")
      .optional(),
  })
  .describe("Audit events: one structured record per MCP request.");
export type AuditConfig = z.output<typeof AuditConfigSchema>;
