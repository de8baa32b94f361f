import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { DurationSchema, formatDuration, parseDuration } from "../../src/index.ts";

describe("durations", () => {
  it.each([
    ["30s", 30_000],
    ["1m0s", 60_000],
    ["1h30m", 5_400_000],
    ["1.5h", 5_400_000],
    ["250ms", 250],
    ["1500us", 1.5],
    ["2µs", 0.002],
    ["10ns", 0.00001],
    ["0s", 0],
  ])("parseDuration(%s) = %d ms", (text, ms) => {
    expect(parseDuration(text)).toBeCloseTo(ms, 9);
  });

  it.each(["", "30", "30 s", "-5s", "1d", "s", "1.s", "30S"])("rejects %j", (text) => {
    expect(() => parseDuration(text)).toThrow();
    expect(DurationSchema.safeParse(text).success).toBe(false);
  });

  it("formatDuration is Go-like and parses back to the same value", () => {
    expect(formatDuration(60_000)).toBe("1m0s");
    expect(formatDuration(30_000)).toBe("30s");
    expect(formatDuration(250)).toBe("250ms");
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 10 * 86_400_000 }), (ms) => {
        const text = formatDuration(ms);
        expect(DurationSchema.safeParse(text).success).toBe(true);
        expect(parseDuration(text)).toBeCloseTo(ms, 6);
      }),
    );
  });
});
