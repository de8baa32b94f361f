import { randomBytes } from "node:crypto";
import { redact } from "@vmcp/shared-types";
import type { KubeConnection } from "./connection.ts";
import { isNotFound, kubeRequest } from "./http.ts";
import type { KubeObject } from "./informer.ts";
import { type Logger, silentLogger } from "./logger.ts";
import type { OperatorMetrics } from "./metrics.ts";

export type EventType = "Normal" | "Warning";

export interface EventRecorderOptions {
  kc: KubeConnection;
  reportingController?: string;
  /** Usually the pod name / leader identity. */
  reportingInstance: string;
  logger?: Logger;
  metrics?: OperatorMetrics;
  /** A repeated event bumps its series count at most this often (default 60 s). */
  seriesFlushMs?: number;
}

interface Tracked {
  name: string;
  namespace: string;
  count: number;
  sentCount: number;
  timer: NodeJS.Timeout | undefined;
  /** The create request; a series patch must not overtake it (it would 404). */
  created: Promise<void>;
}

/** events.k8s.io MicroTime: RFC 3339 with exactly six fractional digits. */
export function microTime(d = new Date()): string {
  return d.toISOString().replace(/\.(\d{3})Z$/, ".$1000Z");
}

const MAX_TRACKED = 4096;

/**
 * Records events.k8s.io/v1 Events. An identical event (same object, type, reason and note) is not
 * created again: it becomes a series whose count is patched at most once per seriesFlushMs, so a
 * hot reconcile loop costs one write per interval, not one per reconcile. Recording never throws
 * into the caller; failures are logged.
 */
export class EventRecorder {
  readonly #o: EventRecorderOptions;
  readonly #log: Logger;
  readonly #tracked = new Map<string, Tracked>();
  readonly #pending = new Set<Promise<void>>();

  constructor(opts: EventRecorderOptions) {
    this.#o = opts;
    this.#log = (opts.logger ?? silentLogger()).child({ component: "events" });
  }

  record(obj: KubeObject, type: EventType, reason: string, note: string, action = reason): void {
    const md = obj.metadata ?? {};
    const namespace = md.namespace ?? "default";
    const id = `${obj.kind}/${namespace}/${md.name}/${md.uid ?? ""}/${type}/${reason}/${note}`;
    const tracked = this.#tracked.get(id);
    if (tracked) {
      tracked.count++;
      if (!tracked.timer) {
        tracked.timer = setTimeout(() => {
          tracked.timer = undefined;
          this.#track(this.#flushSeries(id, tracked));
        }, this.#o.seriesFlushMs ?? 60_000);
        tracked.timer.unref?.();
      }
      return;
    }
    if (this.#tracked.size >= MAX_TRACKED) {
      const oldest = this.#tracked.keys().next().value;
      if (oldest !== undefined) {
        clearTimeout(this.#tracked.get(oldest)?.timer);
        this.#tracked.delete(oldest);
      }
    }
    const event = {
      apiVersion: "events.k8s.io/v1",
      kind: "Event",
      metadata: { name: `${md.name ?? "object"}.${randomBytes(8).toString("hex")}`, namespace },
      eventTime: microTime(),
      reportingController: this.#o.reportingController ?? "vmcp-operator",
      reportingInstance: this.#o.reportingInstance,
      action: action.slice(0, 128),
      reason: reason.slice(0, 128),
      note: redact(note, 1024),
      type,
      regarding: {
        apiVersion: obj.apiVersion,
        kind: obj.kind,
        name: md.name,
        namespace: md.namespace,
        uid: md.uid,
        resourceVersion: md.resourceVersion,
      },
    };
    const created = this.#create(event);
    this.#tracked.set(id, {
      name: event.metadata.name,
      namespace,
      count: 1,
      sentCount: 1,
      timer: undefined,
      created,
    });
    this.#track(created);
  }

  /** Sends pending series updates and waits for every write in flight. */
  async flush(): Promise<void> {
    for (const [id, t] of this.#tracked) {
      if (t.timer) {
        clearTimeout(t.timer);
        t.timer = undefined;
        this.#track(this.#flushSeries(id, t));
      }
    }
    while (this.#pending.size > 0) await Promise.all([...this.#pending]);
  }

  #track(p: Promise<void>): void {
    this.#pending.add(p);
    void p.finally(() => this.#pending.delete(p));
  }

  async #create(event: { metadata: { namespace: string }; regarding: { kind?: string } }): Promise<void> {
    try {
      this.#o.metrics?.apiserverWrites.inc({ kind: "Event", verb: "create" });
      await kubeRequest(this.#o.kc, {
        method: "POST",
        path: `/apis/events.k8s.io/v1/namespaces/${encodeURIComponent(event.metadata.namespace)}/events`,
        body: event,
      });
    } catch (err) {
      this.#log.warn({ err: String(err) }, "could not record event");
    }
  }

  async #flushSeries(id: string, t: Tracked): Promise<void> {
    await t.created;
    if (t.count === t.sentCount) return;
    const count = t.count;
    try {
      this.#o.metrics?.apiserverWrites.inc({ kind: "Event", verb: "patch" });
      await kubeRequest(this.#o.kc, {
        method: "PATCH",
        path: `/apis/events.k8s.io/v1/namespaces/${encodeURIComponent(t.namespace)}/events/${encodeURIComponent(t.name)}`,
        body: { series: { count, lastObservedTime: microTime() } },
        contentType: "application/merge-patch+json",
      });
      t.sentCount = count;
    } catch (err) {
      if (isNotFound(err)) {
        // The event expired (events have a TTL): start over with a fresh one.
        this.#tracked.delete(id);
      } else {
        this.#log.warn({ err: String(err) }, "could not update event series");
      }
    }
  }
}
