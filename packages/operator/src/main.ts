#!/usr/bin/env node
import { existsSync, readFileSync } from "node:fs";
import { homedir } from "node:os";
import { delimiter, join } from "node:path";
import { parseArgs } from "node:util";
import { KubeConfig } from "@kubernetes/client-node";
import { createLogger } from "@vmcp/kube-kit/logger";
import {
  type CompletionShell,
  cliErrorLine,
  completionScript,
  type LogFormat,
  parseCompletionShell,
  parseLogFormat,
  versionLine,
} from "@vmcp/shared-types";
import { DEFAULT_CONCURRENCY, DEFAULT_LEASE_NAME, DEFAULT_VMCP_IMAGE, startOperator } from "./manager.ts";
import { BUILD_INFO } from "./version.ts";

export const USAGE = `vmcp-operator: reconciles VirtualMCPServer and its supporting kinds (toolhive.stacklok.dev/v1beta1)

Usage: vmcp-operator [flags]

Flags (environment variable in brackets):
  --vmcp-image <image>             runtime image for VirtualMCPServer Deployments [VMCP_IMAGE]
                                   (default ${DEFAULT_VMCP_IMAGE})
  --namespace <ns>                 watch only this namespace; empty = all namespaces [WATCH_NAMESPACE]
  --metrics-addr <host>            bind address of /metrics, /healthz, /readyz [METRICS_ADDR] (default 0.0.0.0)
  --metrics-port <port>            port of that server, 0 = any free port [METRICS_PORT] (default 8080)
  --leader-elect[=true|false]      hold a Lease so only one replica reconciles [LEADER_ELECT]
                                   (default true in a cluster, false outside)
  --leader-election-namespace <ns> namespace of the Lease [LEADER_ELECTION_NAMESPACE]
                                   (default: the pod's namespace, else "default")
  --leader-election-id <name>      name of the Lease [LEADER_ELECTION_ID] (default ${DEFAULT_LEASE_NAME})
  --kubeconfig <path>              kubeconfig to use; otherwise in-cluster config, else the default
                                   loading rules (KUBECONFIG, ~/.kube/config)
  --concurrency <n>                reconciles at once per controller (workload and status-only
                                   controllers alike), 1-64 [CONCURRENCY] (default ${DEFAULT_CONCURRENCY})
  --allow-loopback-entries         accept MCPServerEntry URLs on loopback hosts (local development)
                                   [ALLOW_LOOPBACK_ENTRIES]
  --log-level <level>              trace, debug, info, warn, error [LOG_LEVEL] (default info)
  --log-format <json|text>         one JSON object per line, or text for a terminal [LOG_FORMAT]
                                   (default json)
  --completion <bash|zsh>          print a shell completion script
                                   (eval "$(vmcp-operator --completion bash)")
  --version                        print the version and git commit
  -h, --help                       show this help

Exit codes: 0 clean shutdown, 1 runtime failure (no kubeconfig, port in use, lost leadership),
2 usage error.
`;

export interface CliOptions {
  help: boolean;
  version: boolean;
  completion: CompletionShell | undefined;
  vmcpImage: string;
  namespace: string | undefined;
  metricsAddr: string;
  metricsPort: number;
  leaderElect: boolean;
  leaderElectionNamespace: string;
  leaderElectionId: string;
  kubeconfig: string | undefined;
  allowLoopbackEntries: boolean;
  concurrency: number;
  logLevel: string;
  logFormat: LogFormat;
}

const SA_NAMESPACE_FILE = "/var/run/secrets/kubernetes.io/serviceaccount/namespace";

function bool(v: string | undefined, fallback: boolean): boolean {
  if (v === undefined || v === "") return fallback;
  if (/^(1|true|yes|on)$/i.test(v)) return true;
  if (/^(0|false|no|off)$/i.test(v)) return false;
  throw new Error(`expected true or false, got ${JSON.stringify(v)}`);
}

/** Parses flags, then environment, then defaults. Throws with a readable message on bad input. */
export function parseCli(argv: string[], env: NodeJS.ProcessEnv = process.env): CliOptions {
  // Bare boolean flags become "=true" so they can also be given as --flag=false.
  const args = argv.map((a) =>
    a === "--leader-elect" || a === "--allow-loopback-entries" ? `${a}=true` : a,
  );
  const { values } = parseArgs({
    args,
    strict: true,
    allowPositionals: false,
    options: {
      help: { type: "boolean", short: "h" },
      version: { type: "boolean" },
      completion: { type: "string" },
      "vmcp-image": { type: "string" },
      namespace: { type: "string" },
      "metrics-addr": { type: "string" },
      "metrics-port": { type: "string" },
      "leader-elect": { type: "string" },
      "leader-election-namespace": { type: "string" },
      "leader-election-id": { type: "string" },
      kubeconfig: { type: "string" },
      "allow-loopback-entries": { type: "string" },
      concurrency: { type: "string" },
      "log-level": { type: "string" },
      "log-format": { type: "string" },
    },
  });
  const inCluster = Boolean(env.KUBERNETES_SERVICE_HOST) && existsSync(SA_NAMESPACE_FILE);
  const portText = values["metrics-port"] ?? env.METRICS_PORT ?? "8080";
  const metricsPort = Number(portText);
  if (!Number.isInteger(metricsPort) || metricsPort < 0 || metricsPort > 65535) {
    throw new Error(`--metrics-port: not a port: ${portText}`);
  }
  // Bounded: each worker holds requests open against the apiserver.
  const concurrencyText = values.concurrency || env.CONCURRENCY || String(DEFAULT_CONCURRENCY);
  const concurrency = Number(concurrencyText);
  if (!/^\d+$/.test(concurrencyText) || concurrency < 1 || concurrency > 64) {
    throw new Error(
      `--concurrency: expected a whole number from 1 to 64, got ${JSON.stringify(concurrencyText)}`,
    );
  }
  const podNamespace =
    env.POD_NAMESPACE ||
    (inCluster ? readFileSync(SA_NAMESPACE_FILE, "utf8").trim() : undefined) ||
    "default";
  return {
    help: values.help ?? false,
    version: values.version ?? false,
    completion:
      values.completion === undefined ? undefined : parseCompletionShell(values.completion, "--completion"),
    vmcpImage: values["vmcp-image"] || env.VMCP_IMAGE || DEFAULT_VMCP_IMAGE,
    namespace: (values.namespace ?? env.WATCH_NAMESPACE) || undefined,
    metricsAddr: values["metrics-addr"] || env.METRICS_ADDR || "0.0.0.0",
    metricsPort,
    leaderElect: bool(values["leader-elect"] ?? env.LEADER_ELECT, inCluster),
    leaderElectionNamespace:
      values["leader-election-namespace"] || env.LEADER_ELECTION_NAMESPACE || podNamespace,
    leaderElectionId: values["leader-election-id"] || env.LEADER_ELECTION_ID || DEFAULT_LEASE_NAME,
    kubeconfig: values.kubeconfig || undefined,
    allowLoopbackEntries: bool(values["allow-loopback-entries"] ?? env.ALLOW_LOOPBACK_ENTRIES, false),
    concurrency,
    logLevel: values["log-level"] || env.LOG_LEVEL || "info",
    logFormat: parseLogFormat(values["log-format"] ?? env.LOG_FORMAT),
  };
}

/**
 * --kubeconfig, else in-cluster, else KUBECONFIG / ~/.kube/config. Throws when none exists: the
 * client library would otherwise fall back to http://localhost:8080 and retry forever.
 */
export function loadKubeConfig(path: string | undefined, env: NodeJS.ProcessEnv = process.env): KubeConfig {
  const kc = new KubeConfig();
  if (path) {
    if (!existsSync(path)) throw new Error(`kubeconfig ${path}: no such file`);
    kc.loadFromFile(path);
  } else if (env.KUBERNETES_SERVICE_HOST && existsSync(SA_NAMESPACE_FILE)) {
    kc.loadFromCluster();
  } else {
    const candidates = env.KUBECONFIG
      ? env.KUBECONFIG.split(delimiter).filter(Boolean)
      : [join(env.HOME || homedir(), ".kube", "config")];
    if (!candidates.some((f) => existsSync(f))) {
      throw new Error(
        env.KUBECONFIG
          ? `no kubeconfig: KUBECONFIG=${env.KUBECONFIG} names no existing file`
          : `no kubeconfig: not in a cluster, KUBECONFIG is unset and ${candidates[0]} does not exist (pass --kubeconfig)`,
      );
    }
    kc.loadFromDefault();
  }
  return kc;
}

async function main(): Promise<number> {
  let cli: CliOptions;
  try {
    cli = parseCli(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`${cliErrorLine("vmcp-operator", err)} (see vmcp-operator --help)\n`);
    return 2;
  }
  if (cli.version) {
    process.stdout.write(`${versionLine("vmcp-operator", BUILD_INFO)}\n`);
    return 0;
  }
  if (cli.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  if (cli.completion) {
    process.stdout.write(
      completionScript(cli.completion, {
        binary: "vmcp-operator",
        usage: USAGE,
        fileFlags: ["--kubeconfig"],
      }),
    );
    return 0;
  }
  const kc = loadKubeConfig(cli.kubeconfig);
  const logger = createLogger({ level: cli.logLevel, format: cli.logFormat });
  const op = await startOperator({
    kc,
    vmcpImage: cli.vmcpImage,
    namespace: cli.namespace,
    allowLoopbackEntries: cli.allowLoopbackEntries,
    concurrency: cli.concurrency,
    metrics: { host: cli.metricsAddr, port: cli.metricsPort },
    leaderElection: cli.leaderElect
      ? { namespace: cli.leaderElectionNamespace, name: cli.leaderElectionId }
      : false,
    logger,
  });
  const onSignal = (sig: string) => {
    logger.info({ signal: sig }, "shutting down");
    void op.stop();
  };
  process.once("SIGTERM", () => onSignal("SIGTERM"));
  process.once("SIGINT", () => onSignal("SIGINT"));
  const reason = await op.done;
  return reason === "lost-leadership" ? 1 : 0;
}

if (import.meta.main) {
  main().then(
    (code) => process.exit(code),
    (err: unknown) => {
      process.stderr.write(`${cliErrorLine("vmcp-operator", err)}\n`);
      process.exit(1);
    },
  );
}
