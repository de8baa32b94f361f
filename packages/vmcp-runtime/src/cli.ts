import { parseArgs } from "node:util";
import {
  completionScript,
  type LogFormat,
  parseCompletionShell,
  parseLogFormat,
  registerSecrets,
  SESSION_REDIS_PASSWORD_ENV,
  versionLine,
} from "@vmcp/shared-types";
import type { CliIo } from "./cli-io.ts";
import { formatProblems, loadConfigFile } from "./config/load.ts";
import { secretValues } from "./config/secrets.ts";
import { runInit } from "./init-command.ts";
import { allowLoopbackBackends, kubernetesTarget } from "./kubernetes-target.ts";
import { createLogger } from "./logger.ts";
import { createRuntime, type RuntimeDeps } from "./runtime/create.ts";
import { compositeDefinitionProblems } from "./server/composite-host.ts";
import { type SessionKeys, sessionKeysFromEnv } from "./sessions/keys.ts";
import { startTelemetry } from "./telemetry/start.ts";
import { BUILD_INFO } from "./version.ts";

export const USAGE = `Usage:
  vmcp serve --config <file> [--host 127.0.0.1] [--port 4483] [--debug] [--log-format json|text]
             [--session-ttl <duration>] [--max-body-bytes <n>]
             [--shutdown-grace <duration>] [--shutdown-delay <duration>]
  vmcp validate --config <file>
  vmcp init [--output config.yaml] [--name vmcp] [--force] <backend URL>...
  vmcp proxy --pod <name> [--container mcp] [--namespace <ns>] [--port 8080] (see vmcp proxy --help)
  vmcp proxy --command <program> [--port 8080] [-- <args>...]
  vmcp completion bash|zsh
  vmcp --version | --help

Commands:
  serve      Run the virtual MCP server: Streamable HTTP at /mcp, plus /health, /readyz,
             /metrics, /status and /.well-known/oauth-protected-resource.
  validate   Check a config.yaml; prints every problem with its path and exits 1 if any.
  init       Write a commented starter config.yaml for the given backend URLs
             (--output - prints it; an existing file is kept unless --force).
  proxy      Serve one stdio MCP server (a pod's attached stdio, or a child process) over
             Streamable HTTP.
  completion Print a shell completion script: eval "$(vmcp completion bash)".

Exit codes: 0 success, 1 runtime failure (bad config, port in use), 2 usage error.

Options:
  -c, --config          Path to config.yaml (ToolHive vMCP config format).
      --host            Address to bind (default 127.0.0.1; use 0.0.0.0 in a pod).
      --port            Port (default 4483).
      --debug           Debug logging.
      --log-format      json (default: one object per line, ISO time, level names) or text
                        (the same records for a terminal); also LOG_FORMAT.
      --session-ttl     Idle client session lifetime, e.g. 30m (overrides
                        operational.incoming.sessionTtl, default 30m).
      --max-body-bytes  Largest accepted request body (overrides
                        operational.incoming.maxRequestBodyBytes, default 8388608).
      --shutdown-grace  On SIGTERM/SIGINT: time calls in flight get to finish after
                        readiness fails and new sessions are refused (default 20s;
                        keep it below the pod's terminationGracePeriodSeconds).
      --shutdown-delay  On SIGTERM/SIGINT: time the listener stays open, answering with
                        Connection: close, before the in-flight wait starts, so the
                        Service's endpoints and kube-proxy catch up (default 0; the
                        operator's Deployment sets 5s; delay + grace must stay below
                        terminationGracePeriodSeconds).
      --version         Print the version and git commit.
  -h, --help            Show this help.
`;

export type { CliIo };

const defaultIo: CliIo = {
  out: (l) => process.stdout.write(`${l}\n`),
  err: (l) => process.stderr.write(`${l}\n`),
};

const DEFAULT_SHUTDOWN_GRACE_MS = 20_000;
// No delay by default: outside a Service nothing routes to a stopping process. The operator's
// Deployment sets one, because kube-proxy takes a terminating pod out of its rules a moment after
// the kubelet signals it and connections arriving meanwhile must still be answered.
const DEFAULT_SHUTDOWN_DELAY_MS = 0;

function parseTtl(text: string, flag = "--session-ttl"): number {
  const m = /^(\d+)(ms|s|m|h)?$/.exec(text);
  if (!m) throw new Error(`invalid ${flag} ${JSON.stringify(text)} (use e.g. 30m, 90s)`);
  const n = Number(m[1]);
  const unit = m[2] ?? "s";
  return n * (unit === "ms" ? 1 : unit === "s" ? 1000 : unit === "m" ? 60_000 : 3_600_000);
}

/** Returns the exit code; `serve` resolves only after shutdown. */
export async function runCli(argv: string[], io: CliIo = defaultIo, signal?: AbortSignal): Promise<number> {
  // Flags of its own; loaded on demand like the Kubernetes mode.
  if (argv[0] === "proxy") return (await import("./proxy/command.ts")).runProxy(argv.slice(1), io, signal);
  let parsed: ReturnType<typeof parse>;
  function parse() {
    return parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        config: { type: "string", short: "c" },
        host: { type: "string", default: "127.0.0.1" },
        port: { type: "string", default: "4483" },
        debug: { type: "boolean", default: false },
        "session-ttl": { type: "string" },
        "max-body-bytes": { type: "string" },
        "shutdown-grace": { type: "string" },
        "shutdown-delay": { type: "string" },
        help: { type: "boolean", short: "h", default: false },
        version: { type: "boolean", default: false },
        output: { type: "string", short: "o", default: "config.yaml" },
        name: { type: "string", default: "vmcp" },
        force: { type: "boolean", default: false },
        "log-format": { type: "string" },
      },
    });
  }
  const usageError = (message: string) => {
    io.err(`vmcp: ${message} (see vmcp --help)`);
    return 2;
  };
  try {
    parsed = parse();
  } catch (err) {
    return usageError(err instanceof Error ? err.message : String(err));
  }
  const { values, positionals } = parsed;
  const command = positionals[0];
  if (values.version) {
    io.out(versionLine("vmcp", BUILD_INFO));
    return 0;
  }
  if (command === "init" && !values.help) return runInit(positionals.slice(1), values, io, usageError);
  if (command === "completion" && !values.help) return runCompletion(positionals.slice(1), io, usageError);
  if (values.help || command === "help" || command === undefined) {
    (command === undefined && !values.help ? io.err : io.out)(USAGE);
    return command === undefined && !values.help ? 2 : 0;
  }
  if (command !== "serve" && command !== "validate")
    return usageError(`unknown command ${JSON.stringify(command)}`);
  if (positionals.length > 1) return usageError(`unexpected argument ${JSON.stringify(positionals[1])}`);
  if (!values.config) return usageError("--config <file> is required");
  // Flags are usage errors, reported before the config is read.
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) return usageError(`invalid --port ${values.port}`);
  let sessionTtlMs: number | undefined;
  let maxBodyBytes: number | undefined;
  let sessionKeys: SessionKeys | undefined;
  let graceMs = DEFAULT_SHUTDOWN_GRACE_MS;
  let delayMs = DEFAULT_SHUTDOWN_DELAY_MS;
  let logFormat: LogFormat;
  try {
    logFormat = parseLogFormat(values["log-format"] ?? process.env.LOG_FORMAT);
    if (values["shutdown-grace"]) graceMs = parseTtl(values["shutdown-grace"], "--shutdown-grace");
    if (values["shutdown-delay"]) delayMs = parseTtl(values["shutdown-delay"], "--shutdown-delay");
    sessionKeys = sessionKeysFromEnv(process.env);
    if (values["session-ttl"]) sessionTtlMs = parseTtl(values["session-ttl"]);
    if (values["max-body-bytes"]) {
      maxBodyBytes = Number(values["max-body-bytes"]);
      if (!Number.isInteger(maxBodyBytes) || maxBodyBytes <= 0) throw new Error("invalid --max-body-bytes");
    }
  } catch (err) {
    return usageError(err instanceof Error ? err.message : String(err));
  }
  const loaded = await loadConfigFile(values.config);
  if (!loaded.ok) {
    const only = loaded.problems.length === 1 ? loaded.problems[0] : undefined;
    if (only?.path === "" && only.message.startsWith("cannot read config file")) {
      // No file to report problems in: one line, not a problem list.
      io.err(`vmcp: ${only.message}`);
      return 1;
    }
    for (const line of formatProblems(loaded.problems, values.config).split("\n")) if (line) io.err(line);
    return 1;
  }
  registerSecrets(secretValues(loaded.config, loaded.secrets));
  for (const w of loaded.warnings) io.err(`warning: ${w}`);
  if (command === "validate") {
    const dropped = compositeDefinitionProblems(loaded.config.compositeTools ?? []).problems;
    for (const p of dropped) io.err(`${values.config}: ${p}`);
    if (dropped.length > 0) return 1;
    io.out(`${values.config}: valid (${loaded.config.backends?.length ?? 0} static backends)`);
    return 0;
  }

  const config = loaded.config;
  const log = createLogger({
    debug: values.debug || config.operational.logLevel === "debug",
    format: logFormat,
  });
  // Off unless config.telemetry enables an export; only then is the OpenTelemetry SDK imported.
  const tracing = await startTelemetry({
    config,
    secrets: loaded.secrets,
    serviceVersion: BUILD_INFO.version,
    log,
  });
  const host = values.host;
  const gatewayOverrides: NonNullable<RuntimeDeps["gateway"]> = {};
  if (sessionTtlMs !== undefined) gatewayOverrides.sessionTtlMs = sessionTtlMs;
  if (maxBodyBytes !== undefined) gatewayOverrides.maxBodyBytes = maxBodyBytes;
  const storage = config.sessionStorage;
  if (storage?.provider === "redis" && storage.address) {
    // Loaded only when configured, like the Kubernetes client.
    const { redisSessionKv } = await import("./sessions/redis-kv.ts");
    const password = process.env[SESSION_REDIS_PASSWORD_ENV] || undefined;
    // Redacted wherever it might surface (a client error echoing the URL or AUTH).
    registerSecrets([password]);
    gatewayOverrides.sessionKv = redisSessionKv({ address: storage.address, db: storage.db, password, log });
    if (storage.keyPrefix !== undefined) gatewayOverrides.sessionKeyPrefix = storage.keyPrefix;
  } else if (sessionKeys && storage?.provider !== "memory") gatewayOverrides.sessionKeys = sessionKeys;
  // VMCP_NAME/VMCP_NAMESPACE set -> Kubernetes mode: discovery and the Kubernetes reporters (see
  // docs/runtime.md). The rest of the pipeline is the same in both modes.
  const target = kubernetesTarget(process.env);
  const runtime = await createRuntime(config, {
    log,
    secrets: loaded.secrets,
    kubernetes: target ? { target, allowLoopbackBackends: allowLoopbackBackends(process.env) } : undefined,
    publicUrl: process.env.VMCP_PUBLIC_URL,
    gateway: gatewayOverrides,
  });
  const { url } = await runtime.start(host, port);
  log.info({ url, backends: runtime.source.registry.list().map((b) => b.name) }, "vmcp serving");

  await new Promise<void>((resolve) => {
    let stopping = false;
    const stop = (why: string) => {
      if (stopping) return;
      stopping = true;
      // An abort (tests, embedding) stops at once; a signal drains first.
      const grace = why === "abort" ? 0 : graceMs;
      const delay = why === "abort" ? 0 : delayMs;
      log.info({ why, graceMs: grace, delayMs: delay }, "shutting down");
      const force = setTimeout(() => resolve(), delay + grace + 10_000);
      force.unref();
      runtime
        .stop(grace, delay)
        // Spans of the requests drained above are exported before the process ends.
        .then(() => tracing?.shutdown())
        .finally(() => {
          clearTimeout(force);
          resolve();
        });
    };
    process.once("SIGTERM", () => stop("SIGTERM"));
    process.once("SIGINT", () => stop("SIGINT"));
    signal?.addEventListener("abort", () => stop("abort"), { once: true });
  });
  return 0;
}

const COMMANDS = ["serve", "validate", "init", "proxy", "completion"] as const;

function runCompletion(args: string[], io: CliIo, usageError: (message: string) => number): number {
  if (args.length > 1) return usageError(`unexpected argument ${JSON.stringify(args[1])}`);
  try {
    const shell = parseCompletionShell(args[0]);
    io.out(
      completionScript(shell, {
        binary: "vmcp",
        usage: USAGE,
        commands: COMMANDS,
        fileFlags: ["--config", "-c", "--output"],
      }).trimEnd(),
    );
  } catch (err) {
    return usageError(err instanceof Error ? err.message : String(err));
  }
  return 0;
}
