// `vmcp proxy --pod NAME` (or `--command PROGRAM [-- ARGS]`): the arguments, the channel to the
// server and the process's lifetime. The operator runs it in the proxy Deployment of an MCPServer
// with transport stdio; `--command` serves a local stdio server the way an MCP client runs one.
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { KubeConfig } from "@kubernetes/client-node";
import { parseLogFormat } from "@vmcp/shared-types";
import { attachConnector } from "../backends/attach-stream.ts";
import { childConnector } from "../backends/child-stream.ts";
import { DEFAULT_MAX_BACKEND_ANSWER_BYTES } from "../backends/pools.ts";
import { type StdioConnector, StdioSession } from "../backends/stdio-session.ts";
import { createLogger } from "../logger.ts";
import { startStdioProxy } from "./stdio-proxy.ts";

export const PROXY_USAGE = `Usage:
  vmcp proxy --pod <name> [--container mcp] [--namespace <ns>] [options]
  vmcp proxy --command <program> [options] [-- <args>...]
  options: [--host 127.0.0.1] [--port 8080] [--call-timeout 5m] [--max-body-bytes <n>]
           [--debug] [--log-format json|text]

Serves one stdio MCP server over Streamable HTTP at /mcp; /health, and /readyz (200 while the
server is reached and initialised). The server is reached through the Kubernetes attach API
(--pod: its container runs with stdin open), or started as a child process (--command, restarted
when it exits). Reconnects with backoff; calls in flight then fail with -32603.

Each client gets its own session (Mcp-Session-Id) on the server's one stdio session:
  - a request with _meta.progressToken whose Accept allows text/event-stream is answered as an
    SSE stream: the server's progress for that call, then the answer (otherwise JSON);
  - list changes, log messages (at the client's logging/setLevel) and updates of the resources
    the client subscribed to arrive on its GET stream (a client that stops reading loses it);
  - notifications/cancelled, or a client that disconnects, cancels the call at the server;
  - initialize is answered with the client's protocol version when the server's is that or newer.
  The server's own requests (sampling, elicitation, roots) are refused with -32601.
  --namespace   default: POD_NAMESPACE, else the pod's own ServiceAccount namespace.`;

const SA_NAMESPACE = "/var/run/secrets/kubernetes.io/serviceaccount/namespace";
const DEFAULT_MAX_BODY_BYTES = 8 * 1024 * 1024;

function duration(text: string, flag: string): number {
  const m = /^(\d+)(ms|s|m)?$/.exec(text);
  if (!m) throw new Error(`invalid ${flag} ${JSON.stringify(text)} (use e.g. 90s, 5m)`);
  const unit = m[2] ?? "s";
  return Number(m[1]) * (unit === "ms" ? 1 : unit === "s" ? 1000 : 60_000);
}

function ownNamespace(): string | undefined {
  if (process.env.POD_NAMESPACE) return process.env.POD_NAMESPACE;
  try {
    return readFileSync(SA_NAMESPACE, "utf8").trim() || undefined;
  } catch {
    return undefined;
  }
}

export interface ProxyIo {
  out: (line: string) => void;
  err: (line: string) => void;
}

/** Returns the exit code; resolves after SIGTERM/SIGINT (or `signal`) stopped the proxy. */
export async function runProxy(argv: string[], io: ProxyIo, signal?: AbortSignal): Promise<number> {
  const usage = (message: string) => {
    io.err(`vmcp proxy: ${message}\n\n${PROXY_USAGE}`);
    return 2;
  };
  let o: {
    channel: { pod: string } | { command: string; args: string[] };
    container: string;
    namespace: string;
    host: string;
    port: number;
    callTimeoutMs: number;
    maxBodyBytes: number;
    debug: boolean;
    logFormat: ReturnType<typeof parseLogFormat>;
  };
  try {
    const { values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        pod: { type: "string" },
        command: { type: "string" },
        container: { type: "string", default: "mcp" },
        namespace: { type: "string" },
        host: { type: "string", default: "127.0.0.1" },
        port: { type: "string", default: "8080" },
        "call-timeout": { type: "string", default: "5m" },
        "max-body-bytes": { type: "string" },
        debug: { type: "boolean", default: false },
        "log-format": { type: "string" },
        help: { type: "boolean", short: "h", default: false },
      },
    });
    if (values.help) {
      io.out(PROXY_USAGE);
      return 0;
    }
    if (values.pod && values.command) return usage("--pod and --command exclude each other");
    if (!values.pod && !values.command) return usage("--pod <name> or --command <program> is required");
    if (values.pod && positionals.length > 0)
      return usage(`unexpected argument ${JSON.stringify(positionals[0])} (arguments follow --command)`);
    const namespace = values.namespace ?? ownNamespace();
    if (values.pod && !namespace)
      return usage("--namespace is required outside a pod (or set POD_NAMESPACE)");
    const port = Number(values.port);
    if (!Number.isInteger(port) || port < 0 || port > 65535) return usage(`invalid --port ${values.port}`);
    const maxBodyBytes = values["max-body-bytes"] ? Number(values["max-body-bytes"]) : DEFAULT_MAX_BODY_BYTES;
    if (!Number.isInteger(maxBodyBytes) || maxBodyBytes <= 0)
      return usage(`invalid --max-body-bytes ${values["max-body-bytes"]}`);
    o = {
      channel: values.pod ? { pod: values.pod } : { command: values.command ?? "", args: positionals },
      container: values.container,
      namespace: namespace ?? "",
      host: values.host,
      port,
      callTimeoutMs: duration(values["call-timeout"], "--call-timeout"),
      maxBodyBytes,
      debug: values.debug,
      logFormat: parseLogFormat(values["log-format"] ?? process.env.LOG_FORMAT),
    };
  } catch (e) {
    return usage(e instanceof Error ? e.message : String(e));
  }

  const log = createLogger({ debug: o.debug, format: o.logFormat });
  const kc = new KubeConfig();
  kc.loadFromDefault();
  const channel = o.channel;
  let name: string;
  let connect: StdioConnector;
  if ("pod" in channel) {
    const kc = new KubeConfig();
    kc.loadFromDefault();
    name = `${o.namespace}/${channel.pod}`;
    connect = attachConnector(kc, { namespace: o.namespace, pod: channel.pod, container: o.container });
  } else {
    name = channel.command;
    connect = childConnector(channel.command, channel.args);
  }
  const session = new StdioSession({
    name,
    connect,
    log,
    // A line is one message: the bound the gateway puts on any backend's answer.
    maxLineBytes: DEFAULT_MAX_BACKEND_ANSWER_BYTES,
    callTimeoutMs: o.callTimeoutMs,
  });
  let proxy: Awaited<ReturnType<typeof startStdioProxy>>;
  try {
    proxy = await startStdioProxy({
      session,
      log,
      host: o.host,
      port: o.port,
      maxBodyBytes: o.maxBodyBytes,
      connectWaitMs: 30_000,
    });
  } catch (e) {
    await session.stop();
    io.err(`vmcp proxy: cannot listen on ${o.host}:${o.port}: ${e instanceof Error ? e.message : String(e)}`);
    return 1;
  }
  log.info(
    "pod" in channel
      ? { url: proxy.url, pod: name, container: o.container }
      : { url: proxy.url, command: channel.command },
    "vmcp proxy serving",
  );
  await new Promise<void>((resolve) => {
    const stop = (why: string) => {
      log.info({ why }, "shutting down");
      resolve();
    };
    process.once("SIGTERM", () => stop("SIGTERM"));
    process.once("SIGINT", () => stop("SIGINT"));
    signal?.addEventListener("abort", () => stop("abort"), { once: true });
  });
  await proxy.close();
  return 0;
}
