import { readFile } from "node:fs/promises";
import { rootCertificates } from "node:tls";
import { Agent, Pool } from "undici";
import type { BackendSpec } from "../registry/types.ts";
import { H1Pool } from "./h1-pool.ts";

/** HTTP plumbing for one backend: a keep-alive pool for calls, a second pool for long-lived
 * GET streams (so streams never starve calls), and an Agent for SDK clients (which use fetch). */
export interface BackendDispatchers {
  origin: string;
  path: string;
  /** Hot path: POSTs of forwarded calls (see h1-pool.ts). */
  h1: H1Pool;
  calls: Pool;
  streams: Pool;
  agent: Agent;
  close(): Promise<void>;
}

/** Extra CAs are added to the system roots, as ToolHive does; a private CA alone also works. */
export async function loadCa(
  spec: Pick<BackendSpec, "caBundleData" | "caBundlePath">,
): Promise<string[] | undefined> {
  const extra =
    spec.caBundleData ?? (spec.caBundlePath ? await readFile(spec.caBundlePath, "utf8") : undefined);
  return extra ? [...rootCertificates, extra] : undefined;
}

export async function createDispatchers(spec: BackendSpec): Promise<BackendDispatchers> {
  const url = new URL(spec.url);
  const ca = await loadCa(spec);
  const connect = ca ? { ca } : {};
  const common = {
    keepAliveTimeout: 30_000,
    keepAliveMaxTimeout: 90_000,
    connect: { ...connect, timeout: 10_000 },
  };
  const calls = new Pool(url.origin, { ...common, connections: 256 });
  const streams = new Pool(url.origin, { ...common, bodyTimeout: 0 });
  const agent = new Agent({ ...common, connections: 16 });
  const h1 = new H1Pool(url.origin, ca ? { ca, connectTimeoutMs: 10_000 } : { connectTimeoutMs: 10_000 });
  return {
    origin: url.origin,
    path: `${url.pathname}${url.search}`,
    h1,
    calls,
    streams,
    agent,
    async close() {
      h1.close();
      await Promise.allSettled([calls.destroy(), streams.destroy(), agent.destroy()]);
    },
  };
}
