import { describe, expect, it } from "vitest";
import { TokenCache } from "../../../src/auth/token-cache.ts";

describe("TokenCache", () => {
  it("evicts expired entries first, then the oldest, when full", async () => {
    let now = 0;
    const cache = new TokenCache({ skewMs: 0, maxEntries: 2, now: () => now });
    let fetches = 0;
    const fetcher = (token: string, ttl: number) => async () => {
      fetches++;
      return { token, expiresAt: now + ttl };
    };
    await cache.get("a", fetcher("A", 10));
    await cache.get("b", fetcher("B", 1000));
    now = 20; // a expired
    await cache.get("c", fetcher("C", 1000));
    expect(cache.size).toBe(2);
    expect(await cache.get("b", fetcher("B2", 1000))).toBe("B");
    await cache.get("d", fetcher("D", 1000)); // full of live entries: oldest (b) goes
    expect(await cache.get("b", fetcher("B3", 1000))).toBe("B3");
    expect(fetches).toBe(5);
  });

  it("does not cache a token that is already inside the skew window", async () => {
    const cache = new TokenCache({ skewMs: 30_000, maxEntries: 10, now: () => 0 });
    let n = 0;
    const f = async () => ({ token: `t${++n}`, expiresAt: 10_000 });
    expect(await cache.get("k", f)).toBe("t1");
    expect(await cache.get("k", f)).toBe("t2");
    expect(cache.size).toBe(0);
  });
});
