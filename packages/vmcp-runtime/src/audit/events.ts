// Audit events: pure functions from one finished MCP request to the record written about it.
// Never the bearer token, headers or a session id; argument values only when configured.
import type { AuditConfig, AuditEventType } from "@vmcp/shared-types";
import type { Identity } from "../auth/identity.ts";

const EVENT_TYPES: Record<string, AuditEventType> = {
  initialize: "mcp_initialize",
  "tools/call": "mcp_tool_call",
  "tools/list": "mcp_tools_list",
  "resources/read": "mcp_resource_read",
  "resources/list": "mcp_resources_list",
  "resources/templates/list": "mcp_resources_list",
  "prompts/get": "mcp_prompt_get",
  "prompts/list": "mcp_prompts_list",
  ping: "mcp_ping",
  "logging/setLevel": "mcp_logging",
  "completion/complete": "mcp_completion",
};

export const auditEventType = (method: string): AuditEventType => EVENT_TYPES[method] ?? "mcp_request";

export function shouldAudit(cfg: AuditConfig, type: AuditEventType): boolean {
  if (!cfg.enabled) return false;
  if (cfg.exclude_event_types?.includes(type)) return false;
  return !cfg.event_types || cfg.event_types.length === 0 || cfg.event_types.includes(type);
}

export type AuditDecision = "allow" | "deny" | "unchecked";

export interface AuditInput {
  method: string;
  params: Record<string, unknown> | undefined;
  identity: Identity | undefined;
  backend: string;
  decision: AuditDecision;
  outcome: string;
  durationMs: number;
  time: Date;
}

export interface AuditEvent {
  type: "audit";
  event_type: AuditEventType;
  component: string;
  time: string;
  subject: string;
  issuer?: string;
  method: string;
  tool?: string;
  prompt?: string;
  resource?: string;
  backend: string;
  decision: AuditDecision;
  outcome: string;
  duration_ms: number;
  request_data?: string;
}

const MAX_NAME = 256;
const clip = (v: unknown): string | undefined => (typeof v === "string" ? v.slice(0, MAX_NAME) : undefined);

export function auditEvent(cfg: AuditConfig, component: string, i: AuditInput): AuditEvent {
  const ev: AuditEvent = {
    type: "audit",
    event_type: auditEventType(i.method),
    component: cfg.component ?? component,
    time: i.time.toISOString(),
    subject: i.identity?.subject ?? "anonymous",
    method: i.method.slice(0, MAX_NAME),
    backend: i.backend,
    decision: i.decision,
    outcome: i.outcome,
    duration_ms: Math.round(i.durationMs * 1000) / 1000,
  };
  if (i.identity?.issuer) ev.issuer = i.identity.issuer;
  const p = i.params;
  if (i.method === "tools/call") setIf(ev, "tool", clip(p?.name));
  if (i.method === "prompts/get") setIf(ev, "prompt", clip(p?.name));
  if (i.method.startsWith("resources/") && i.method !== "resources/list") setIf(ev, "resource", clip(p?.uri));
  if (cfg.include_request_data && p !== undefined) {
    const data = JSON.stringify(p.arguments ?? p);
    ev.request_data = truncateUtf8(data, cfg.max_data_size);
  }
  return ev;
}

function setIf<K extends "tool" | "prompt" | "resource">(ev: AuditEvent, k: K, v: string | undefined): void {
  if (v !== undefined) ev[k] = v;
}

function truncateUtf8(s: string, maxBytes: number): string {
  const buf = Buffer.from(s, "utf8");
  if (buf.length <= maxBytes) return s;
  // Drop a split multi-byte character rather than emit a replacement char.
  return buf
    .subarray(0, maxBytes)
    .toString("utf8")
    .replace(/\uFFFD$/, "");
}
