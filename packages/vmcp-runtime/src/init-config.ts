// `vmcp init`: a commented starter config.yaml for a list of backend URLs, valid as written
// (`vmcp validate` accepts it) and meant to be edited.
import type { BACKEND_TRANSPORTS } from "@vmcp/shared-types";

export interface StarterBackend {
  name: string;
  url: string;
  transport: (typeof BACKEND_TRANSPORTS)[number];
}

export const MAX_INIT_BACKENDS = 1024;

/** Backends named after their host (deduplicated), transport guessed from the path; throws on a bad URL. */
export function starterBackends(urls: readonly string[]): StarterBackend[] {
  if (urls.length === 0)
    throw new Error("give at least one backend URL, e.g. vmcp init http://127.0.0.1:8080/mcp");
  if (urls.length > MAX_INIT_BACKENDS) throw new Error(`at most ${MAX_INIT_BACKENDS} backend URLs`);
  const taken = new Set<string>();
  return urls.map((text) => {
    let url: URL;
    try {
      url = new URL(text);
    } catch {
      throw new Error(`not a URL: ${JSON.stringify(text)}`);
    }
    if (url.protocol !== "http:" && url.protocol !== "https:") {
      throw new Error(`not an http(s) URL: ${JSON.stringify(text)}`);
    }
    const host = url.hostname.toLowerCase();
    // An IP address names nothing; a DNS name's first label usually names the service.
    const isIp = /^[\d.]+$/.test(host) || host.startsWith("[");
    const base =
      (isIp ? "" : host.replace(/\.svc(\.cluster\.local)?$/, "").split(".")[0])
        ?.replace(/[^a-z0-9]+/g, "-")
        .replace(/^-+|-+$/g, "") || "backend";
    let name = base;
    for (let i = 2; taken.has(name); i++) name = `${base}-${i}`;
    taken.add(name);
    const transport = /\/sse\/?$/.test(url.pathname) ? "sse" : "streamable-http";
    return { name, url: url.href, transport };
  });
}

const quote = (s: string) => JSON.stringify(s);

export function starterConfig(opts: { name: string; backends: readonly StarterBackend[] }): string {
  const backends = opts.backends.flatMap((b) => [
    `  - name: ${quote(b.name)}`,
    `    url: ${quote(b.url)}`,
    `    transport: ${b.transport}`,
  ]);
  return `# vmcp configuration (the ToolHive vMCP config format), written by \`vmcp init\`.
# Check it with \`vmcp validate --config <this file>\`, serve it with \`vmcp serve --config <this file>\`.
# Every field is described in docs/configuration.md.

# Name of this virtual MCP server (reported in logs and /status).
name: ${quote(opts.name)}
# The MCPGroup the backends belong to; any label outside Kubernetes.
groupRef: ${quote(opts.name)}

# Who may call the gateway. anonymous accepts every client: use it only on a trusted network
# (vmcp binds 127.0.0.1 by default). For tokens from your identity provider:
#   type: oidc
#   oidc: {issuer: https://idp.example.com/realms/team, audience: ${opts.name}}
incomingAuth:
  type: anonymous

# The MCP servers behind the gateway. transport is streamable-http or sse (guessed from the URL;
# check it). Names prefix the backends' tools, so keep them short.
backends:
${backends.join("\n")}

# How the backends' tools are merged into one list. prefix puts "<backend>_" before every tool
# name, so two backends may both have a "search" tool.
aggregation:
  conflictResolution: prefix
  conflictResolutionConfig:
    prefixFormat: "{workload}_"

operational:
  # Per backend call; raise it for slow tools.
  timeouts:
    default: 30s
  failureHandling:
    # Backends are checked this often; after unhealthyThreshold failures in a row one is marked
    # unhealthy until it answers again.
    healthCheckInterval: 30s
    unhealthyThreshold: 3
    # best_effort: a failing backend is left out of tools/list and the others still answer;
    # fail: a failing backend fails list requests.
    partialFailureMode: best_effort
`;
}
