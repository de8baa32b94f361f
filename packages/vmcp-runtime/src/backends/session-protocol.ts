// The few MCP session messages both backend transports (Streamable HTTP and legacy SSE) send and read.
import { isObject, type JsonRpcId } from "../server/jsonrpc.ts";
import { BackendError } from "./types.ts";

export const INITIALIZED_NOTICE = JSON.stringify({ jsonrpc: "2.0", method: "notifications/initialized" });

export const cancelledNotice = (requestId: JsonRpcId, reason: string): string =>
  JSON.stringify({ jsonrpc: "2.0", method: "notifications/cancelled", params: { requestId, reason } });

/** What an initialize result settles; a backend that names no version keeps the one we asked for. */
export function negotiated(
  result: unknown,
  requestedVersion: string,
): {
  protocolVersion: string;
  serverCapabilities: Record<string, unknown>;
  instructions: string | undefined;
} {
  const r = isObject(result) ? result : {};
  return {
    protocolVersion: typeof r.protocolVersion === "string" ? r.protocolVersion : requestedVersion,
    serverCapabilities: isObject(r.capabilities) ? r.capabilities : {},
    instructions: typeof r.instructions === "string" ? r.instructions : undefined,
  };
}

/** Checks one message a backend sent while a call with `id` was in flight: it must be JSON-RPC,
 * and an answer must be to that call. Anything else is the backend's protocol error, and must
 * not be delivered: a desynchronised connection shows up exactly as someone else's answer. */
export function answerCheck(
  backend: string,
  id: JsonRpcId,
): (data: string | Buffer) => BackendError | undefined {
  return (data) => {
    let v: unknown;
    try {
      v = JSON.parse(typeof data === "string" ? data : data.toString("utf8"));
    } catch {
      return new BackendError(backend, "protocol", `backend '${backend}' sent invalid JSON`);
    }
    if (!isObject(v)) {
      return new BackendError(
        backend,
        "protocol",
        `backend '${backend}' sent something other than a JSON-RPC message`,
      );
    }
    if (typeof v.method !== "string" && v.id !== id) {
      return new BackendError(
        backend,
        "protocol",
        `backend '${backend}' answered request id ${JSON.stringify(v.id)} to request id ${JSON.stringify(id)}`,
      );
    }
    return undefined;
  };
}
