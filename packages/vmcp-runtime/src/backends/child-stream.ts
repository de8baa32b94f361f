// A stdio MCP server as a child process of the proxy (`vmcp proxy --command`): the way an MCP
// client runs a local server. Each connect starts a fresh process, as a restarted pod is one; the
// server's stderr is its log and passes through to the proxy's.
import { spawn } from "node:child_process";
import type { StdioConnector, StdioStream } from "./stdio-session.ts";

/** How long a server has to exit after SIGTERM before it is killed. */
const KILL_AFTER_MS = 2_000;

export function childConnector(command: string, args: readonly string[]): StdioConnector {
  return async (signal) => {
    signal.throwIfAborted();
    const child = spawn(command, [...args], { stdio: ["pipe", "pipe", "inherit"] });
    const closed = new Promise<string>((resolve) => {
      child.once("exit", (code, sig) => resolve(`the server process exited (${sig ?? `code ${code}`})`));
      child.once("error", (e) => resolve(`the server process could not run: ${e.message}`));
    });
    // Stream errors (EPIPE once the process is gone) are reported through `closed`.
    child.stdin.on("error", () => {});
    const close = () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill("SIGTERM");
      const t = setTimeout(() => child.kill("SIGKILL"), KILL_AFTER_MS);
      t.unref();
      child.once("exit", () => clearTimeout(t));
    };
    const stream: StdioStream = { readable: child.stdout, writable: child.stdin, closed, close };
    signal.addEventListener("abort", close, { once: true });
    // A command that cannot be started fails this connect, so the session retries with backoff.
    await new Promise<void>((resolve, reject) => {
      child.once("spawn", () => resolve());
      child.once("error", reject);
    });
    return stream;
  };
}
