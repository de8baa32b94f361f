import { isIP } from "node:net";

export interface RemoteUrlPolicy {
  /** spec.allowPrivateEndpoint: RFC 1918, IPv6 ULA and *.cluster.local become allowed. */
  allowPrivateEndpoint: boolean;
  /** Operator setting for local development and tests: loopback hosts become allowed. */
  allowLoopback?: boolean;
}

type HostClass = "public" | "private" | "loopback" | "blocked";

function ipv4Class(ip: string): HostClass {
  const [a = 0, b = 0] = ip.split(".").map(Number);
  if (a === 127) return "loopback";
  if (a === 0 || (a === 169 && b === 254) || ip === "100.100.100.200") return "blocked";
  if (a === 10 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168)) return "private";
  return "public";
}

function ipv6Class(ip: string): HostClass {
  const lower = ip.toLowerCase();
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(lower);
  if (mapped?.[1]) return ipv4Class(mapped[1]);
  // WHATWG URL normalises ::ffff:127.0.0.1 to ::ffff:7f00:1.
  const hex = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(lower);
  if (hex?.[1] && hex[2]) {
    const hi = Number.parseInt(hex[1], 16);
    const lo = Number.parseInt(hex[2], 16);
    return ipv4Class(`${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`);
  }
  if (lower === "::1") return "loopback";
  if (lower === "::" || /^fe[89ab]/.test(lower) || lower.startsWith("fd00:ec2::254")) return "blocked";
  if (/^f[cd]/.test(lower)) return "private";
  return "public";
}

const KUBERNETES_API_HOSTS = new Set([
  "kubernetes",
  "kubernetes.default",
  "kubernetes.default.svc",
  "kubernetes.default.svc.cluster.local",
]);
const METADATA_HOSTS = new Set(["metadata", "metadata.google.internal", "metadata.azure.internal"]);

/**
 * Classifies the literal host of a URL. No DNS lookup: the operator only validates what the user
 * wrote; a name that resolves to a private address is the runtime's concern at connect time.
 */
export function classifyHost(host: string): HostClass {
  const h = host
    .toLowerCase()
    .replace(/^\[|\]$/g, "")
    .replace(/\.$/, "");
  const v = isIP(h);
  if (v === 4) return ipv4Class(h);
  if (v === 6) return ipv6Class(h);
  if (h === "localhost" || h.endsWith(".localhost")) return "loopback";
  if (KUBERNETES_API_HOSTS.has(h) || METADATA_HOSTS.has(h)) return "blocked";
  if (h.endsWith(".cluster.local")) return "private";
  return "public";
}

/**
 * Validates spec.remoteUrl of an MCPServerEntry: parseable, http or https, with a
 * host; private endpoints only with allowPrivateEndpoint; loopback, link-local, cloud metadata and
 * the Kubernetes API always refused (loopback unless the operator runs with allowLoopback).
 * Returns an error message, or undefined when the URL is acceptable.
 */
export function validateRemoteUrl(raw: string, policy: RemoteUrlPolicy): string | undefined {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return `remoteUrl ${JSON.stringify(raw)} is not a valid URL`;
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    return `remoteUrl must use http or https, not ${url.protocol.replace(/:$/, "")}`;
  }
  if (!url.hostname) return "remoteUrl has no host";
  if (url.username || url.password)
    return "remoteUrl must not carry credentials; use headerForward or an auth config";
  const cls = classifyHost(url.hostname);
  if (cls === "blocked") {
    return `remoteUrl host ${url.hostname} is not allowed (link-local, cloud metadata or Kubernetes API endpoint)`;
  }
  if (cls === "loopback" && !policy.allowLoopback)
    return `remoteUrl host ${url.hostname} is a loopback address`;
  if (cls === "private" && !policy.allowPrivateEndpoint) {
    return `remoteUrl host ${url.hostname} is a private endpoint; set allowPrivateEndpoint: true to allow it`;
  }
  return undefined;
}
