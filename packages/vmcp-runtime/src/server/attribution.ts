// Who pays for a failed call. One caller's refusal or slow call must never withdraw a backend
// from everyone else, so every error on the call path is attributed before anything acts on it:
// only backend-scoped failures feed health and the circuit breaker; caller-scoped ones reach that
// caller alone. docs/status.md holds the table.

import { redact } from "@vmcp/shared-types";
import { OutgoingAuthError } from "../auth/outgoing.ts";
import { toBackendError } from "../backends/errors.ts";
import type { CallOutcome } from "../metrics.ts";
import { ErrorCodes } from "../protocol/jsonrpc.ts";

/** caller: this caller's credentials, permissions, arguments, deadline or cancellation.
 * backend: the backend itself is broken (refused/reset connection, 5xx, protocol violation).
 * gateway: something of the gateway's own (an outgoing-auth dependency such as the token
 * endpoint, an internal error); never evidence about the backend. */
export type FailureScope = "caller" | "backend" | "gateway";

export type FailureReason =
  | "auth_refused"
  | "auth_unavailable"
  | "timeout"
  | "cancelled"
  | "unreachable"
  | "backend_error"
  | "busy"
  | "internal";

export interface AttributedFailure {
  scope: FailureScope;
  reason: FailureReason;
  /** Safe to show the caller and to log: credentials already masked. */
  message: string;
  /** JSON-RPC error code for the caller. */
  code: number;
  /** Metrics label. */
  outcome: CallOutcome;
}

/** A failure of the gateway's own making (a session closing under the call, a backend removed
 * mid-call): never counted against the backend. */
export class GatewayError extends Error {
  override name = "GatewayError";
}

/** Server-defined JSON-RPC code for "the gateway could not obtain credentials for this caller". */
export const AUTH_REFUSED_CODE = -32003;

/** The OutgoingAuthError anywhere in the cause chain (transports wrap what the fetch threw). */
function outgoingAuthErrorIn(err: unknown): OutgoingAuthError | undefined {
  let e: unknown = err;
  for (let i = 0; i < 5 && e instanceof Error; i++) {
    if (e instanceof OutgoingAuthError) return e;
    e = e.cause;
  }
  return undefined;
}

const failure = (
  scope: FailureScope,
  reason: FailureReason,
  message: string,
  code: number,
  outcome: CallOutcome,
): AttributedFailure => ({ scope, reason, message: redact(message), code, outcome });

/** Classify whatever a call to `backend` threw. `timeoutMs` is the call's own deadline. */
export function attribute(backend: string, err: unknown, timeoutMs: number): AttributedFailure {
  const auth = outgoingAuthErrorIn(err);
  if (auth) {
    const msg = `backend '${backend}': could not obtain credentials for this caller: ${auth.message}`;
    // The token endpoint answered 4xx about this caller (invalid_grant, no token to exchange):
    // that caller's problem. No answer, 5xx or garbage: an outgoing-auth outage, which only
    // callers needing a new exchange see (cached tokens keep working).
    const refused =
      auth.needsCallerToken || (auth.status !== undefined && auth.status >= 400 && auth.status < 500);
    return refused
      ? failure("caller", "auth_refused", msg, AUTH_REFUSED_CODE, "error")
      : failure("gateway", "auth_unavailable", msg, ErrorCodes.InternalError, "error");
  }
  if (err instanceof GatewayError)
    return failure("gateway", "internal", err.message, ErrorCodes.InternalError, "error");
  const e = toBackendError(backend, err, timeoutMs);
  switch (e.kind) {
    case "timeout":
      return failure("caller", "timeout", e.message, ErrorCodes.RequestTimeout, "timeout");
    case "cancelled":
      return failure("caller", "cancelled", e.message, ErrorCodes.RequestTimeout, "cancelled");
    case "unreachable":
    case "gone":
      return failure("backend", "unreachable", e.message, ErrorCodes.BackendError, "unreachable");
    case "protocol":
      return failure("backend", "backend_error", e.message, ErrorCodes.BackendError, "error");
    // The gateway's own connection cap: load, not evidence that the backend is broken.
    case "busy":
      return failure("gateway", "busy", e.message, ErrorCodes.InternalError, "error");
    case "http": {
      // 4xx is about this request (its credentials, its body); 429 is pressure, which the health
      // monitor counts without tripping the breaker.
      const s = e.status ?? 500;
      const scope: FailureScope = s >= 500 || s === 429 ? "backend" : "caller";
      return failure(scope, "backend_error", e.message, ErrorCodes.BackendError, "error");
    }
  }
}
