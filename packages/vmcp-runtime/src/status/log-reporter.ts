import type { Logger } from "../logger.ts";
import type { RuntimeStatus, StatusReporter } from "./types.ts";

type LoggedBackend = { name: string; health: string; message?: string; circuit?: string; tools?: number };

/** Standalone mode: log the status when it changes (timestamps alone do not count). A line names
 * the backends whose entry changed since the previous line, not all of them: at start-up every
 * backend changes once, and 200 lines of 200 entries each cost more than the first listing. */
export class LogStatusReporter implements StatusReporter {
  #log: Logger;
  #head = "";
  /** What was last logged of each backend, by name. */
  #backends = new Map<string, string>();

  constructor(log: Logger) {
    this.#log = log.child({ component: "status" });
  }

  async start(): Promise<void> {}

  report(status: RuntimeStatus): void {
    const changed: LoggedBackend[] = [];
    const seen = new Set<string>();
    for (const b of status.backends) {
      seen.add(b.name);
      const e: LoggedBackend = {
        name: b.name,
        health: b.health,
        message: b.message,
        circuit: b.circuitState,
        tools: b.toolCount,
      };
      const fp = JSON.stringify(e);
      if (this.#backends.get(b.name) === fp) continue;
      this.#backends.set(b.name, fp);
      changed.push(e);
    }
    const removed = [...this.#backends.keys()].filter((n) => !seen.has(n));
    for (const n of removed) this.#backends.delete(n);
    const head = JSON.stringify([
      status.phase,
      status.message,
      status.ready,
      status.healthyBackendCount,
      status.toolCount,
      status.compositeToolCount,
      status.resourceCount,
      status.promptCount,
      status.compositeToolProblems,
      status.aggregationMessages,
    ]);
    if (head === this.#head && changed.length === 0 && removed.length === 0) return;
    this.#head = head;
    this.#log.info(
      {
        phase: status.phase,
        backends: changed,
        ...(removed.length > 0 ? { removed } : {}),
        toolCount: status.toolCount,
      },
      `status: ${status.phase} (${status.message})`,
    );
  }

  async stop(): Promise<void> {}
}
