import { ErrorCodes } from "../protocol/jsonrpc.ts";
import { BackendError } from "./types.ts";

function codeOf(err: unknown): string | undefined {
  let e: unknown = err;
  for (let i = 0; i < 4 && e && typeof e === "object"; i++) {
    const c = (e as { code?: unknown }).code;
    if (typeof c === "string") return c;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

function messageOf(err: unknown): string {
  if (err instanceof Error) {
    const cause = err.cause instanceof Error ? `: ${err.cause.message}` : "";
    return `${err.message}${cause}`;
  }
  return String(err);
}

export const timeoutError = (backend: string, timeoutMs: number): BackendError =>
  new BackendError(backend, "timeout", `backend '${backend}' did not answer within ${timeoutMs} ms`);

export const cancelledError = (backend: string): BackendError =>
  new BackendError(backend, "cancelled", `request to backend '${backend}' was cancelled`);

/** Turn whatever the HTTP client threw into a BackendError that names the backend. */
export function toBackendError(backend: string, err: unknown, timeoutMs: number): BackendError {
  if (err instanceof BackendError) return err;
  const code = codeOf(err);
  const name = err instanceof Error ? err.name : "";
  if (code === "UND_ERR_HEADERS_TIMEOUT" || code === "UND_ERR_BODY_TIMEOUT" || name === "TimeoutError") {
    return timeoutError(backend, timeoutMs);
  }
  if (name === "AbortError" || code === "UND_ERR_ABORTED" || code === "ABORT_ERR")
    return cancelledError(backend);
  if (code === "VMCP_NO_FREE_CONNECTION") {
    return new BackendError(
      backend,
      "busy",
      `backend '${backend}': ${messageOf(err)} (operational.maxConnectionsPerBackend)`,
    );
  }
  if (code === "VMCP_ANSWER_TOO_LARGE") {
    return new BackendError(
      backend,
      "protocol",
      `backend '${backend}' sent an ${messageOf(err)} (operational.maxBackendAnswerBytes); the connection was closed`,
    );
  }
  // llhttp refused the answer's framing (duplicate or invalid Content-Length, Content-Length
  // with chunked, bad chunks) or undici saw an answer it did not ask for.
  if (
    code?.startsWith("HPE_") ||
    (err instanceof Error && err.name === "HTTPParserError") ||
    code === "UND_ERR_RES_CONTENT_LENGTH_MISMATCH" ||
    (code === "UND_ERR_SOCKET" && /bad response/.test(messageOf(err)))
  ) {
    return new BackendError(
      backend,
      "protocol",
      `backend '${backend}' sent a malformed HTTP answer: ${code ? `${code} ` : ""}${messageOf(err)}`,
    );
  }
  if (code === "UND_ERR_SOCKET" && /other side closed/.test(messageOf(err))) {
    return new BackendError(
      backend,
      "unreachable",
      `backend '${backend}' closed the connection without a complete answer`,
    );
  }
  return new BackendError(
    backend,
    "unreachable",
    `backend '${backend}' unreachable: ${code ? `${code} ` : ""}${messageOf(err)}`,
    undefined,
    err,
  );
}

export function jsonRpcCodeFor(err: BackendError): number {
  return err.kind === "timeout" ? ErrorCodes.RequestTimeout : ErrorCodes.BackendError;
}
