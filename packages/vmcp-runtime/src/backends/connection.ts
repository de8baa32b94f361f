import { readFile } from "node:fs/promises";
import type { LookupFunction } from "node:net";
import { isIP } from "node:net";
import { rootCertificates } from "node:tls";
import type { BackendSpec } from "../registry/types.ts";

/** How connections to backends are made, beyond the backend's own spec. */
export interface ConnectionPolicy {
  /** Resolves backend host names instead of the system resolver: the place for a policy on
   * which addresses a backend may resolve to. Passed through to every socket undici opens. */
  lookup?: LookupFunction;
}

export const CONNECT_TIMEOUT_MS = 10_000;

/** Extra CAs are added to the system roots, as ToolHive does; a private CA alone also works. */
export async function loadCa(
  spec: Pick<BackendSpec, "caBundleData" | "caBundlePath">,
): Promise<string[] | undefined> {
  const extra =
    spec.caBundleData ?? (spec.caBundlePath ? await readFile(spec.caBundlePath, "utf8") : undefined);
  return extra ? [...rootCertificates, extra] : undefined;
}

/** undici `connect` options for one backend. */
export interface ConnectOptions {
  timeout: number;
  ca?: string[];
  servername?: string;
  lookup?: LookupFunction;
}

/** undici `connect` options for one backend: CA bundle, TLS server name, optional lookup. */
export async function connectOptions(
  spec: Pick<BackendSpec, "url" | "caBundleData" | "caBundlePath">,
  policy: ConnectionPolicy = {},
): Promise<ConnectOptions> {
  const host = new URL(spec.url).hostname.replace(/^\[|\]$/g, "");
  const ca = await loadCa(spec);
  const o: ConnectOptions = { timeout: CONNECT_TIMEOUT_MS };
  if (ca) o.ca = ca;
  // SNI must name a host, never an IP address (RFC 6066).
  if (spec.url.startsWith("https:") && isIP(host) === 0) o.servername = host;
  if (policy.lookup) o.lookup = policy.lookup;
  return o;
}
