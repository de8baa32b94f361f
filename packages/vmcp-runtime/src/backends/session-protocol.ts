// The few MCP session messages both backend transports (Streamable HTTP and legacy SSE) send and read.
import { isObject, type JsonRpcId } from "../server/jsonrpc.ts";

export const INITIALIZED_NOTICE = JSON.stringify({ jsonrpc: "2.0", method: "notifications/initialized" });

export const cancelledNotice = (requestId: JsonRpcId, reason: string): string =>
  JSON.stringify({ jsonrpc: "2.0", method: "notifications/cancelled", params: { requestId, reason } });

/** What an initialize result settles; a backend that names no version keeps the one we asked for. */
export function negotiated(
  result: unknown,
  requestedVersion: string,
): { protocolVersion: string; serverCapabilities: Record<string, unknown> } {
  const r = isObject(result) ? result : {};
  return {
    protocolVersion: typeof r.protocolVersion === "string" ? r.protocolVersion : requestedVersion,
    serverCapabilities: isObject(r.capabilities) ? r.capabilities : {},
  };
}
