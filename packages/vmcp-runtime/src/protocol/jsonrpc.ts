// Minimal JSON-RPC 2.0 vocabulary for the gateway's hot path. Messages are parsed once with
// JSON.parse and classified by shape; full schema validation is left to the two ends (client and
// backend), which is what keeps the gateway cheap and transparent.
import { isJsonObject } from "@vmcp/shared-types";

export type JsonRpcId = string | number;

export interface JsonRpcError {
  code: number;
  message: string;
  data?: unknown;
}

export type JsonObject = Record<string, unknown>;

export interface JsonRpcRequest {
  jsonrpc: "2.0";
  id: JsonRpcId;
  method: string;
  params?: JsonObject;
}

export interface JsonRpcNotification {
  jsonrpc: "2.0";
  method: string;
  params?: JsonObject;
}

export interface JsonRpcResponse {
  jsonrpc: "2.0";
  id: JsonRpcId | null;
  result?: unknown;
  error?: JsonRpcError;
}

export type ClassifiedMessage =
  | { kind: "request"; msg: JsonRpcRequest }
  | { kind: "notification"; msg: JsonRpcNotification }
  | { kind: "response"; msg: JsonRpcResponse }
  | { kind: "invalid"; id: JsonRpcId | null; reason: string };

/** Codes from JSON-RPC 2.0 and the MCP specification (and SDK ErrorCode). */
export const ErrorCodes = {
  ParseError: -32700,
  InvalidRequest: -32600,
  MethodNotFound: -32601,
  InvalidParams: -32602,
  InternalError: -32603,
  /** Server-defined: backend did not answer in time (the SDK's RequestTimeout). */
  RequestTimeout: -32001,
  /** Server-defined: the Mcp-Session-Id is unknown or expired. */
  SessionNotFound: -32001,
  /** Server-defined: generic transport/gateway condition (the SDK uses -32000 for bad requests). */
  ConnectionClosed: -32000,
  /** MCP: resource not found. */
  ResourceNotFound: -32002,
  /** Server-defined: a backend failed (unreachable, HTTP error, protocol error). */
  BackendError: -32603,
} as const;

function isId(v: unknown): v is JsonRpcId {
  return typeof v === "string" || (typeof v === "number" && Number.isFinite(v));
}

/** A JSON object; the one definition is shared-types' `isJsonObject`. */
export const isObject: (v: unknown) => v is JsonObject = isJsonObject;

/** Classify one decoded JSON value as a JSON-RPC message without throwing. */
export function classify(value: unknown): ClassifiedMessage {
  if (!isObject(value)) return { kind: "invalid", id: null, reason: "message must be a JSON object" };
  const id = isId(value.id) ? value.id : null;
  if (value.jsonrpc !== "2.0") return { kind: "invalid", id, reason: 'jsonrpc must be "2.0"' };
  if (value.params !== undefined && !isObject(value.params)) {
    return { kind: "invalid", id, reason: "params must be an object" };
  }
  if (typeof value.method === "string") {
    if (value.id === undefined) return { kind: "notification", msg: value as unknown as JsonRpcNotification };
    if (!isId(value.id)) return { kind: "invalid", id: null, reason: "id must be a string or a number" };
    return { kind: "request", msg: value as unknown as JsonRpcRequest };
  }
  if (value.method !== undefined) return { kind: "invalid", id, reason: "method must be a string" };
  if (("result" in value || "error" in value) && (isId(value.id) || value.id === null)) {
    return { kind: "response", msg: value as unknown as JsonRpcResponse };
  }
  return { kind: "invalid", id, reason: "not a request, notification or response" };
}

export function errorResponse(id: JsonRpcId | null, code: number, message: string, data?: unknown): string {
  const error: JsonRpcError = data === undefined ? { code, message } : { code, message, data };
  return JSON.stringify({ jsonrpc: "2.0", id, error });
}

export function resultResponse(id: JsonRpcId, result: unknown): string {
  return JSON.stringify({ jsonrpc: "2.0", id, result });
}

/** Key for maps of in-flight ids: 1 and "1" are different JSON-RPC ids. */
export function idKey(id: JsonRpcId): string {
  return typeof id === "number" ? `n${id}` : `s${id}`;
}
