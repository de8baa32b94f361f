// Where audit events go: the log stream, or a file through a bounded queue. A slow disk must
// not grow memory: when the queue is full an event is dropped and counted, never buffered.
import { once } from "node:events";
import { createWriteStream } from "node:fs";
import type { Writable } from "node:stream";
import type { AuditConfig } from "@vmcp/shared-types";
import type { Logger } from "../logger.ts";
import { type AuditEvent, type AuditInput, auditEvent, auditEventType, shouldAudit } from "./events.ts";

export const DEFAULT_AUDIT_QUEUE = 1024;

/** Appends lines to `out`, holding at most `max` lines while `out` applies backpressure. */
export class BoundedLineWriter {
  #queue: string[] = [];
  #pumping = false;
  #dropped = 0;
  #idle: Promise<void> = Promise.resolve();
  readonly #out: Writable;
  readonly #max: number;
  #error: Error | undefined;
  /** Lines handed to `out` and not yet confirmed written: lost, and counted, if it fails. */
  #unconfirmed = 0;
  constructor(out: Writable, max: number, onError: (err: Error) => void = () => {}) {
    this.#out = out;
    this.#max = max;
    // A file that cannot be opened or written (read-only filesystem, full disk) must not stop the
    // gateway: from then on every event is dropped and counted.
    out.on("error", (err: Error) => {
      if (this.#error) return;
      this.#error = err;
      this.#dropped += this.#queue.length + this.#unconfirmed;
      this.#queue = [];
      this.#unconfirmed = 0;
      onError(err);
    });
  }

  get dropped(): number {
    return this.#dropped;
  }
  get queued(): number {
    return this.#queue.length;
  }

  write(line: string): boolean {
    if (this.#error || this.#queue.length >= this.#max) {
      this.#dropped++;
      return false;
    }
    this.#queue.push(line);
    if (!this.#pumping) this.#idle = this.#pump();
    return true;
  }

  async #pump(): Promise<void> {
    this.#pumping = true;
    try {
      for (let line = this.#queue.shift(); line !== undefined; line = this.#queue.shift())
        if (!this.#write(line)) await once(this.#out, "drain");
    } catch {
      // The stream failed: the error listener has counted what was queued.
    } finally {
      this.#pumping = false;
    }
  }

  #write(line: string): boolean {
    this.#unconfirmed++;
    return this.#out.write(line, (err) => {
      if (!err && !this.#error) this.#unconfirmed--;
    });
  }

  /** Waits for the queue to be handed to `out`, then ends it. */
  async close(): Promise<void> {
    await this.#idle;
    if (this.#error) return;
    await new Promise<void>((resolve) => this.#out.end(resolve));
  }
}

export interface Auditor {
  record(i: AuditInput): void;
  /** Events dropped because the file could not keep up. */
  readonly dropped: number;
  close(): Promise<void>;
}

export function createAuditor(
  cfg: AuditConfig | undefined,
  o: { component: string; log: Logger; out?: Writable; maxQueued?: number },
): Auditor | undefined {
  if (!cfg?.enabled) return undefined;
  const file = cfg.log_file;
  const writer =
    o.out || file
      ? new BoundedLineWriter(
          o.out ?? createWriteStream(file as string, { flags: "a", mode: 0o600 }),
          o.maxQueued ?? DEFAULT_AUDIT_QUEUE,
          (err) => o.log.error({ err: err.message, file }, "audit file failed: audit events are dropped"),
        )
      : undefined;
  let warnedAt = 0;
  const emit = (ev: AuditEvent) => {
    if (!writer) return o.log.info(ev, "audit");
    if (writer.write(`${JSON.stringify(ev)}\n`)) return;
    // One warning per 1000 drops: the warning itself must not flood the log.
    if (writer.dropped - warnedAt >= 1000 || warnedAt === 0) {
      warnedAt = writer.dropped;
      o.log.warn({ dropped: writer.dropped }, "audit file cannot keep up: events dropped");
    }
  };
  return {
    record(i) {
      if (shouldAudit(cfg, auditEventType(i.method))) emit(auditEvent(cfg, o.component, i));
    },
    get dropped() {
      return writer?.dropped ?? 0;
    },
    close: async () => writer?.close(),
  };
}
