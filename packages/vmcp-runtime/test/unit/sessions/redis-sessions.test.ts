// The Redis session map's decisions, over an in-memory stand-in for Redis (the real server is in
// test/integration/scale-out/redis.test.ts).
import { describe, expect, it } from "vitest";
import type { Identity } from "../../../src/backends/types.ts";
import { silentLogger } from "../../../src/logger.ts";
import type { Catalog } from "../../../src/server/catalog.ts";
import {
  MAX_STORED_SESSION_BYTES,
  RedisSessionMap,
  type SessionKv,
} from "../../../src/server/redis-sessions.ts";
import { ClientSession } from "../../../src/server/session.ts";
import { SessionStorageError, SessionStore } from "../../../src/server/sessions.ts";

class MemoryKv implements SessionKv {
  data = new Map<string, string>();
  calls = 0;
  down = false;
  async #op<T>(f: () => T): Promise<T> {
    this.calls++;
    if (this.down) throw new Error("The client is offline");
    return f();
  }
  touch(key: string) {
    return this.#op(() => this.data.get(key) ?? null);
  }
  create(key: string, value: string) {
    return this.#op(() => {
      if (this.data.has(key)) return false;
      this.data.set(key, value);
      return true;
    });
  }
  del(key: string) {
    return this.#op(() => void this.data.delete(key));
  }
  async close() {}
}

const log = silentLogger();
const catalog = { entry: () => undefined } as unknown as Catalog;
const session = (identity?: Identity, clientInfo: Record<string, unknown> = { name: "c", version: "1" }) =>
  new ClientSession({
    id: "pending",
    protocolVersion: "2025-11-25",
    clientCapabilities: {},
    clientInfo,
    identity,
    catalog,
    log,
    onBackendListChanged: () => {},
  });

function setup() {
  const kv = new MemoryKv();
  const refused: string[] = [];
  const map = (
    store = new SessionStore({ ttlMs: 60_000, maxSessions: 10, maxPerCaller: 10, portable: true }),
  ) =>
    new RedisSessionMap({
      kv,
      store,
      keyPrefix: "p:",
      ttlMs: 60_000,
      eagerBackends: () => [],
      rebuild: (id, state, identity) =>
        new ClientSession({ id, ...state, identity, catalog, log, onBackendListChanged: () => {} }),
      log,
      onRefused: (r) => refused.push(r),
    });
  return { kv, refused, map };
}

describe("RedisSessionMap", () => {
  it("issues a random id stored under the prefix, and another replica continues it for the same caller only", async () => {
    const { kv, map, refused } = setup();
    const a = map();
    const b = map();
    const alice = { subject: "alice", issuer: "https://idp" } as Identity;
    const s = session(alice);
    expect(await a.issue(s)).toBeUndefined();
    expect(s.id).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect([...kv.data.keys()]).toEqual([`p:${s.id}`]);
    const onB = await b.get(s.id, alice);
    expect(onB?.clientInfo).toEqual({ name: "c", version: "1" });
    expect(await b.get(s.id, { subject: "bob", issuer: "https://idp" } as Identity)).toBeUndefined();
    expect(await b.get(s.id, alice)).toBe(onB);
    expect(refused).toEqual(["other-identity"]);
  });

  it("refuses made-up and oversized ids without asking Redis, and stored values over the bound", async () => {
    const { kv, map, refused } = setup();
    const m = map();
    for (const id of ["nope", "x".repeat(5000), `${"A".repeat(42)}!`])
      expect(await m.get(id)).toBeUndefined();
    expect(kv.calls).toBe(0);
    kv.data.set(`p:${"B".repeat(43)}`, "x".repeat(MAX_STORED_SESSION_BYTES + 1));
    kv.data.set(`p:${"C".repeat(43)}`, '{"not":"a session"}');
    expect(await m.get("B".repeat(43))).toBeUndefined();
    expect(await m.get("C".repeat(43))).toBeUndefined();
    expect(await m.get("D".repeat(43))).toBeUndefined();
    expect(refused).toEqual(["malformed", "too-large", "malformed", "too-large", "malformed", "unknown"]);
  });

  it("refuses to store a session over the bound with a message, and stores nothing", async () => {
    const { kv, map } = setup();
    const big = session(undefined, { name: "c", version: "1", blob: "y".repeat(MAX_STORED_SESSION_BYTES) });
    expect(await map().issue(big)).toMatch(/too large to store/);
    expect(kv.data.size).toBe(0);
  });

  it("Redis down: issue and get reject with SessionStorageError; a session lost with Redis's data is gone here too", async () => {
    const { kv, map } = setup();
    const m = map();
    const s = session();
    await m.issue(s);
    m.add(s, "ip:1");
    kv.down = true;
    await expect(m.get(s.id)).rejects.toBeInstanceOf(SessionStorageError);
    await expect(m.issue(session())).rejects.toThrow(/session storage \(Redis\) unavailable/);
    kv.down = false;
    kv.data.clear();
    expect(await m.get(s.id)).toBeUndefined();
    expect(m.size).toBe(0);
  });
});
