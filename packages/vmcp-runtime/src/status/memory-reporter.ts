import { statusFingerprint } from "./compute.ts";
import type { RuntimeStatus, StatusReporter } from "./types.ts";

/** For tests: keeps every distinct status in order. */
export class MemoryStatusReporter implements StatusReporter {
  readonly history: RuntimeStatus[] = [];
  started = false;
  #last = "";

  get latest(): RuntimeStatus | undefined {
    return this.history.at(-1);
  }

  async start(): Promise<void> {
    this.started = true;
  }

  report(status: RuntimeStatus): void {
    const fp = statusFingerprint(status);
    if (fp === this.#last) return;
    this.#last = fp;
    this.history.push(status);
  }

  async stop(): Promise<void> {
    this.started = false;
  }
}
