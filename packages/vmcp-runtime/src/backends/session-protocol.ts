// The few MCP session messages both backend transports (Streamable HTTP and legacy SSE) send and read.
import { isObject, type JsonRpcId } from "../protocol/jsonrpc.ts";
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

let wireSeq = 0;

/** The id a request carries on the wire to a backend: unique in this process, so an answer that
 * reaches the wrong request (a backend that answered twice, a connection out of step) can never
 * pass for the right one, as the clients' own ids (0, 1, 2... in every session) would. */
export const nextWireId = (): string => `vmcp-${(++wireSeq).toString(36)}`;

/** Reads one message a backend sent while the request `wireId` was in flight. It must be a
 * JSON-RPC object, and an answer must be to that request; anything else is the backend's
 * protocol error and is delivered to nobody. `answer`: the message has no method. */
export function readDuring(
  backend: string,
  wireId: string,
  data: string | Buffer,
): { msg: Record<string, unknown>; answer: boolean } {
  let v: unknown;
  try {
    v = JSON.parse(typeof data === "string" ? data : data.toString("utf8"));
  } catch {
    throw new BackendError(backend, "protocol", `backend '${backend}' sent invalid JSON`);
  }
  if (!isObject(v)) {
    throw new BackendError(
      backend,
      "protocol",
      `backend '${backend}' sent something other than a JSON-RPC message`,
    );
  }
  const answer = typeof v.method !== "string";
  if (answer && v.id !== wireId) {
    throw new BackendError(
      backend,
      "protocol",
      `backend '${backend}' answered request id ${JSON.stringify(v.id)} to request id ${JSON.stringify(wireId)}`,
    );
  }
  return { msg: v, answer };
}

/** `text`, a JSON-RPC message whose top-level id is `from`, with that id changed to `to`; `parsed`
 * is the message as parsed (`text` itself is parsed when it is not given). Re-serialising a whole
 * message costs more than anything else the gateway does per call, so the raw text is edited in
 * place when that is provably the same edit: in valid JSON the raw text `"id":` can only be an
 * object key; without `\u` escapes every key spelled "id" appears literally, so a single literal
 * `"id"` is the top-level id's key; its value must follow in compact form, spelled as
 * JSON.stringify spells it, and end there. Anything else is re-serialised. */
export function readdress(
  text: string,
  from: JsonRpcId,
  to: JsonRpcId,
  parsed?: Record<string, unknown>,
): string {
  const at = text.indexOf('"id"');
  if (at !== -1 && text.indexOf('"id"', at + 1) === -1 && !text.includes("\\u")) {
    const old = `"id":${JSON.stringify(from)}`;
    const end = at + old.length;
    if (text.startsWith(old, at) && (text[end] === "," || text[end] === "}"))
      return `${text.slice(0, at + 5)}${JSON.stringify(to)}${text.slice(end)}`;
  }
  return JSON.stringify({ ...(parsed ?? (JSON.parse(text) as Record<string, unknown>)), id: to });
}
