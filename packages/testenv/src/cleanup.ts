// Last-resort teardown: a failing test, an uncaught error, Ctrl-C or SIGTERM must not leave etcd or
// kube-apiserver running (they sit in their own process groups, so no signal reaches them for free).

type SyncCleanup = () => void;

const pending = new Set<SyncCleanup>();
let installed = false;
const SIGNALS: NodeJS.Signals[] = ["SIGINT", "SIGTERM", "SIGHUP"];

function runAll(): void {
  for (const fn of [...pending]) {
    pending.delete(fn);
    try {
      fn();
    } catch {
      // best effort: keep cleaning the others
    }
  }
}

function onSignal(signal: NodeJS.Signals): void {
  runAll();
  // If nobody else handles the signal, restore the default action (terminate) and re-raise it.
  if (process.listenerCount(signal) === 1) {
    process.removeListener(signal, onSignal);
    process.kill(process.pid, signal);
  }
}

function install(): void {
  if (installed) return;
  installed = true;
  // 'exit' also fires after an uncaught exception or unhandled rejection.
  process.on("exit", runAll);
  for (const s of SIGNALS) process.on(s, onSignal);
}

/** Registers a synchronous cleanup run on process exit/signals; returns its unregister function. */
export function onProcessExit(fn: SyncCleanup): () => void {
  install();
  pending.add(fn);
  return () => {
    pending.delete(fn);
  };
}
