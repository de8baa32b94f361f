import { Pool } from "undici";
import type { BackendSpec } from "../registry/types.ts";
import { type ConnectionPolicy, connectOptions } from "./connection.ts";

export const DEFAULT_MAX_BACKEND_ANSWER_BYTES = 16 * 1024 * 1024;

/** The HTTP connections of one backend, all undici. Calls (POST, DELETE) get a pool of their own
 * so long-lived GET streams can never starve them; everything else (GET streams, the SDK
 * transports of control and legacy SSE sessions, health probes) shares the second. */
export interface BackendPools {
  origin: string;
  /** Path and query of the backend's MCP endpoint. */
  path: string;
  /** Forwarded calls: one request per connection at a time; undici never retries a POST. */
  calls: Pool;
  streams: Pool;
  /** Largest answer (JSON body, or one SSE event) accepted from this backend. */
  maxAnswerBytes: number;
  close(): Promise<void>;
}

export interface PoolOptions extends ConnectionPolicy {
  maxAnswerBytes?: number;
}

export async function createBackendPools(spec: BackendSpec, o: PoolOptions = {}): Promise<BackendPools> {
  const url = new URL(spec.url);
  const connect = await connectOptions(spec, o.lookup ? { lookup: o.lookup } : {});
  const common = { keepAliveTimeout: 30_000, keepAliveMaxTimeout: 90_000, connect, pipelining: 1 };
  const calls = new Pool(url.origin, { ...common, connections: 256 });
  const streams = new Pool(url.origin, { ...common, bodyTimeout: 0 });
  return {
    origin: url.origin,
    path: `${url.pathname}${url.search}`,
    calls,
    streams,
    maxAnswerBytes: o.maxAnswerBytes ?? DEFAULT_MAX_BACKEND_ANSWER_BYTES,
    async close() {
      await Promise.allSettled([calls.destroy(), streams.destroy()]);
    },
  };
}
