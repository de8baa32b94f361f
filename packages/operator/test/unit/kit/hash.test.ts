import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { canonicalJson, configHash, stableHash } from "../../../src/kit/hash.ts";

describe("configHash", () => {
  it("does not depend on key order or undefined fields", () => {
    const a = {
      type: "headerInjection",
      headerInjection: { headerName: "X-Key", valueSecretRef: { name: "s", key: "k" } },
    };
    const b = {
      headerInjection: { valueSecretRef: { key: "k", name: "s" }, headerName: "X-Key" },
      type: "headerInjection",
      extra: undefined,
    };
    expect(configHash(a)).toBe(configHash(b));
    expect(configHash(a)).toMatch(/^[0-9a-f]{64}$/);
  });

  it("changes when any value changes, including list order", () => {
    expect(configHash({ toolsFilter: ["a", "b"] })).not.toBe(configHash({ toolsFilter: ["b", "a"] }));
    expect(configHash({ x: 1 })).not.toBe(configHash({ x: "1" }));
    expect(configHash(undefined)).toBe(configHash({}));
  });

  it("is stable for any JSON value under key shuffling (property)", () => {
    fc.assert(
      fc.property(fc.jsonValue(), (v) => {
        const reparsed = JSON.parse(canonicalJson(v)) as unknown;
        expect(stableHash(reparsed)).toBe(stableHash(v));
      }),
    );
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.integer()), (d) => {
        const reversed = Object.fromEntries(Object.entries(d).reverse());
        expect(stableHash(reversed)).toBe(stableHash(d));
      }),
    );
  });
});
