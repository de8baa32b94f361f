import type { IncomingMessage, ServerResponse } from "node:http";
import { SUPPORTED_PROTOCOL_VERSIONS } from "@modelcontextprotocol/sdk/types.js";
import { type ClassifiedMessage, classify, ErrorCodes, errorResponse } from "../protocol/jsonrpc.ts";
import { type BodyLimits, readBody } from "./body.ts";
import { jsonHeaders } from "./sink.ts";

// The Streamable HTTP rules a request must meet before it reaches a session: methods, media
// types, body limits, JSON-RPC shape and protocol version. Origin and Host are checked earlier,
// by the router (origin.ts), for every path.

export const JSON_HEADERS = { "content-type": "application/json" };

export function reply(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, jsonHeaders(body));
  res.end(body);
}

export function methodNotAllowed(res: ServerResponse): void {
  res.writeHead(405, { ...JSON_HEADERS, allow: "GET, POST, DELETE" });
  res.end(errorResponse(null, ErrorCodes.ConnectionClosed, "Method not allowed"));
}

/** A POST body read and classified; anything else has been answered already. */
export interface ReadMessage {
  body: string;
  message: Exclude<ClassifiedMessage, { kind: "invalid" }>;
}

export async function readMessage(
  req: IncomingMessage,
  res: ServerResponse,
  limits: BodyLimits,
): Promise<ReadMessage | undefined> {
  const ct = req.headers["content-type"];
  if (ct !== undefined && !ct.includes("application/json")) {
    req.resume();
    reply(
      res,
      415,
      errorResponse(
        null,
        ErrorCodes.InvalidRequest,
        "Unsupported Media Type: Content-Type must be application/json",
      ),
    );
    return undefined;
  }
  const read = await readBody(req, res, limits);
  if (!read.ok) {
    if (read.reason !== "gone") refuseBody(req, res, limits, read.reason, read.drain);
    return undefined;
  }
  const body = read.body;
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    reply(res, 400, errorResponse(null, ErrorCodes.ParseError, "Parse error: body is not valid JSON"));
    return undefined;
  }
  if (Array.isArray(value)) {
    reply(
      res,
      400,
      errorResponse(null, ErrorCodes.InvalidRequest, "Invalid Request: JSON-RPC batches are not supported"),
    );
    return undefined;
  }
  const c = classify(value);
  if (c.kind === "invalid") {
    reply(res, 400, errorResponse(c.id, ErrorCodes.InvalidRequest, `Invalid Request: ${c.reason}`));
    return undefined;
  }
  return { body, message: c };
}

/** False (answered 400) when the client names a protocol version this gateway does not speak. */
export function protocolVersionAccepted(req: IncomingMessage, res: ServerResponse): boolean {
  const pv = req.headers["mcp-protocol-version"];
  if (typeof pv !== "string" || SUPPORTED_PROTOCOL_VERSIONS.includes(pv)) return true;
  reply(
    res,
    400,
    errorResponse(null, ErrorCodes.ConnectionClosed, `Bad Request: Unsupported protocol version ${pv}`),
  );
  return false;
}

/** False (answered 406) when a GET does not accept an event stream. */
export function acceptsEventStream(req: IncomingMessage, res: ServerResponse): boolean {
  const accept = req.headers.accept ?? "";
  if (accept.includes("text/event-stream")) return true;
  reply(
    res,
    406,
    errorResponse(null, ErrorCodes.InvalidRequest, "Not Acceptable: Accept must include text/event-stream"),
  );
  return false;
}

function refuseBody(
  req: IncomingMessage,
  res: ServerResponse,
  l: BodyLimits,
  reason: "too-large" | "busy" | "too-deep",
  drain: boolean,
): void {
  let status = 413;
  let body = errorResponse(null, ErrorCodes.InvalidRequest, `Request body larger than ${l.maxBytes} bytes`);
  if (reason === "too-deep") {
    status = 400;
    body = errorResponse(
      null,
      ErrorCodes.InvalidRequest,
      `Invalid Request: JSON nested deeper than ${l.maxDepth} levels (operational.incoming.maxJsonDepth)`,
    );
  } else if (reason === "busy") {
    status = 503;
    res.setHeader("retry-after", "1");
    body = errorResponse(
      null,
      ErrorCodes.ConnectionClosed,
      "Server busy: too many request bodies in flight; retry shortly",
    );
  }
  if (!drain) {
    res.setHeader("connection", "close");
    reply(res, status, body);
    return;
  }
  // The whole answer goes out now (Content-Length tells the client it is complete); ending it
  // waits for the rest of the body, which readBody reads and drops.
  res.writeHead(status, jsonHeaders(body));
  res.write(body);
  if (req.complete) res.end();
  else {
    req.once("end", () => res.end());
    req.once("close", () => res.end());
  }
}

/** The configured passthrough headers present on a request (lower-case names). */
export function pickHeaders(req: IncomingMessage, names: string[]): Record<string, string> | undefined {
  let out: Record<string, string> | undefined;
  for (const n of names) {
    const v = req.headers[n];
    if (v === undefined) continue;
    out ??= {};
    out[n] = Array.isArray(v) ? v.join(", ") : v;
  }
  return out;
}
