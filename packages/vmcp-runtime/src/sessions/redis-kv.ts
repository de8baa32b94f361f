import { createClient } from "redis";
import type { Logger } from "../logger.ts";
import type { SessionKv } from "./kv.ts";

export interface RedisKvOptions {
  /** host:port, or a redis:// / rediss:// URL. */
  address: string;
  db: number;
  password?: string;
  log: Logger;
  /** A command not answered within this fails (the client gets 503) instead of hanging. */
  commandTimeoutMs?: number;
}

const MAX_RECONNECT_DELAY_MS = 2000;

/** node-redis behind SessionKv. Commands fail at once while disconnected (no offline queue: a
 * queued request would hang the client until Redis returns) and the client keeps reconnecting in
 * the background, so the gateway starts, and keeps running, whether or not Redis is up. */
export function redisSessionKv(o: RedisKvOptions): SessionKv {
  const url = /^rediss?:\/\//.test(o.address) ? o.address : `redis://${o.address}`;
  const client = createClient({
    url,
    database: o.db,
    ...(o.password ? { password: o.password } : {}),
    RESP: 3,
    disableOfflineQueue: true,
    commandOptions: { timeout: o.commandTimeoutMs ?? 2000 },
    socket: {
      connectTimeout: 2000,
      reconnectStrategy: (retries: number) =>
        Math.min(50 * 2 ** Math.min(retries, 10), MAX_RECONNECT_DELAY_MS),
    },
  });
  let down = false;
  // Without a listener an 'error' event would crash the process.
  client.on("error", (err: unknown) => {
    if (!down) o.log.warn({ err: String(err), address: o.address }, "session storage (Redis) unreachable");
    down = true;
  });
  client.on("ready", () => {
    if (down) o.log.info({ address: o.address }, "session storage (Redis) reachable again");
    down = false;
  });
  client.connect().catch((err: unknown) => {
    o.log.warn({ err: String(err), address: o.address }, "session storage (Redis) connect failed");
  });
  return {
    touch: (key, ttlMs) => client.getEx(key, { type: "PX", value: ttlMs }),
    create: async (key, value, ttlMs) =>
      (await client.set(key, value, { expiration: { type: "PX", value: ttlMs }, condition: "NX" })) === "OK",
    del: async (key) => {
      await client.del(key);
    },
    close: async () => {
      // Also ends a reconnect loop still waiting for Redis (isOpen is then true, isReady false).
      if (client.isOpen) client.destroy();
    },
  };
}
