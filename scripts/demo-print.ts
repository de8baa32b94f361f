// What both demo modes print: steps with the elapsed time, tables, and the runtime-reported backends.
import type { VmcpView } from "../e2e/harness/scenario.ts";

const started = Date.now();
const tty = process.stdout.isTTY;
export const bold = (s: string) => (tty ? `\x1b[1m${s}\x1b[0m` : s);
export const dim = (s: string) => (tty ? `\x1b[2m${s}\x1b[0m` : s);
export const elapsed = () => `${((Date.now() - started) / 1000).toFixed(1)}s`;
export const step = (s: string) => console.log(`${bold("==>")} ${s} ${dim(`[${elapsed()}]`)}`);

export function table(rows: string[][]): string {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? "").length))) ?? [];
  return rows.map((r) => `    ${r.map((c, i) => c.padEnd(widths[i] ?? 0)).join("  ")}`.trimEnd()).join("\n");
}

export function backendsTable(v: VmcpView): string {
  return table([
    ["BACKEND", "STATUS", "URL", "LAST HEALTH CHECK"],
    ...v.discoveredBackends.map((b) => [b.name, b.status ?? "-", b.url ?? "-", b.lastHealthCheck ?? "-"]),
  ]);
}

export const toolText = (r: unknown) =>
  ((r as { content?: { type: string; text?: string }[] }).content ?? []).map((c) => c.text ?? "").join("");

/** Resolves on Ctrl-C, q, SIGINT or SIGTERM; other keys go to `onKey`. Restores the terminal. */
export function untilQuit(onKey: (key: string) => void, hint: string): Promise<void> {
  return new Promise<void>((resolve) => {
    const stdin = process.stdin;
    const done = () => {
      if (stdin.isTTY) {
        stdin.setRawMode(false);
        stdin.pause();
      }
      resolve();
    };
    process.once("SIGINT", done);
    process.once("SIGTERM", done);
    if (!stdin.isTTY) return;
    console.log(`  ${hint}, ${bold("q")} or Ctrl-C to quit.`);
    stdin.setRawMode(true);
    stdin.resume();
    stdin.on("data", (key: Buffer) => {
      const k = key.toString();
      if (k === "\u0003" || k === "q") done();
      else onKey(k);
    });
  });
}
