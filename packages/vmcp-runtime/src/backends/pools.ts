import { isIP } from "node:net";
import { buildConnector, Pool } from "undici";
import type { BackendSpec } from "../registry/types.ts";
import {
  AddressRefusedError,
  addressPolicyOf,
  addressRefusal,
  policyLookup,
  refusedMessage,
} from "./address-policy.ts";
import { CallSlots, DEFAULT_MAX_CONNECTIONS_PER_BACKEND } from "./call-slots.ts";
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
  /** Admission to `calls`: at most maxConnectionsPerBackend at once, waits bounded. */
  callSlots: CallSlots;
  streams: Pool;
  /** Largest answer (JSON body, or one SSE event) accepted from this backend. */
  maxAnswerBytes: number;
  close(): Promise<void>;
}

export interface PoolOptions extends ConnectionPolicy {
  maxAnswerBytes?: number;
  /** operational.maxConnectionsPerBackend (default 64). */
  maxConnections?: number;
}

/** Node skips `lookup` for an IP literal, so a literal host is checked before dialling. */
function literalChecked(
  hostname: string,
  policy: NonNullable<ReturnType<typeof addressPolicyOf>>,
  options: buildConnector.BuildOptions,
): buildConnector.connector {
  const host = hostname.replace(/^\[|\]$/g, "");
  const why = isIP(host) ? addressRefusal(host, policy) : undefined;
  const base = buildConnector(options);
  return (opts, cb) => {
    if (why) {
      cb(new AddressRefusedError(refusedMessage(host, why)), null);
      return;
    }
    base(opts, cb);
  };
}

export async function createBackendPools(spec: BackendSpec, o: PoolOptions = {}): Promise<BackendPools> {
  const url = new URL(spec.url);
  const policy = addressPolicyOf(spec.metadata);
  const lookup = policy ? policyLookup(policy, o.lookup) : o.lookup;
  const options = await connectOptions(spec, lookup ? { lookup } : {});
  const connect = policy ? literalChecked(url.hostname, policy, options) : options;
  const common = { keepAliveTimeout: 30_000, keepAliveMaxTimeout: 90_000, connect, pipelining: 1 };
  const callSlots = new CallSlots(o.maxConnections ?? DEFAULT_MAX_CONNECTIONS_PER_BACKEND);
  const calls = new Pool(url.origin, { ...common, connections: callSlots.max });
  const streams = new Pool(url.origin, { ...common, bodyTimeout: 0 });
  return {
    origin: url.origin,
    path: `${url.pathname}${url.search}`,
    calls,
    callSlots,
    streams,
    maxAnswerBytes: o.maxAnswerBytes ?? DEFAULT_MAX_BACKEND_ANSWER_BYTES,
    async close() {
      await Promise.allSettled([calls.destroy(), streams.destroy()]);
    },
  };
}
