import type { Logger } from "../logger.ts";
import { statusFingerprint } from "./compute.ts";
import type { RuntimeStatus, StatusReporter } from "./types.ts";

/** Standalone mode: log the status when it changes (timestamps alone do not count). */
export class LogStatusReporter implements StatusReporter {
  #log: Logger;
  #last = "";

  constructor(log: Logger) {
    this.#log = log.child({ component: "status" });
  }

  async start(): Promise<void> {}

  report(status: RuntimeStatus): void {
    const fp = statusFingerprint(status);
    if (fp === this.#last) return;
    this.#last = fp;
    this.#log.info(
      {
        phase: status.phase,
        backends: status.backends.map((b) => ({
          name: b.name,
          health: b.health,
          message: b.message,
          circuit: b.circuitState,
          tools: b.toolCount,
        })),
        toolCount: status.toolCount,
      },
      `status: ${status.phase} (${status.message})`,
    );
  }

  async stop(): Promise<void> {}
}
