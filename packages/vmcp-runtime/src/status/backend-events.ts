import type { EventRecorder } from "@vmcp/kube-kit/events";
import type { KubeObject } from "@vmcp/kube-kit/informer";
import { redact } from "@vmcp/shared-types";
import type { BackendTransition } from "../health/monitor.ts";

/** The Event for a backend transition (pure). The note carries the cause but no counter or time,
 * so the same failure repeated (a flapping backend) is one Event series, not one object each.
 * Events are readable by anyone who may list them in the namespace: the cause is redacted. */
export function backendEvent(t: BackendTransition): {
  type: "Normal" | "Warning";
  reason: string;
  note: string;
} {
  return t.kind === "unavailable"
    ? {
        type: "Warning",
        reason: "BackendUnavailable",
        note: redact(`Backend '${t.backend}' unavailable: ${t.message}`),
      }
    : { type: "Normal", reason: "BackendRecovered", note: `Backend '${t.backend}' recovered` };
}

export interface BackendEventSink {
  events: EventRecorder;
  /** The VirtualMCPServer, undefined until known. */
  regarding: () => KubeObject | undefined;
  /** Only the status leader records, so N replicas do not tell the story N times. */
  isLeader: () => boolean;
}

export function recordBackendTransition(sink: BackendEventSink, t: BackendTransition): void {
  const obj = sink.regarding();
  if (!obj || !sink.isLeader()) return;
  const e = backendEvent(t);
  sink.events.record(obj, e.type, e.reason, e.note);
}
