import { describe, expect, it } from "vitest";
import {
  arrivalWaitMs,
  FIRST_STATUS_GRACE_MS,
  firstStatusWaitMs,
} from "../../../src/controllers/virtualmcpserver/arrival.ts";

const NOW = new Date("2026-12-03T12:00:10Z");

describe("waiting for a new group or member's first phase", () => {
  it("waits out the rest of the grace for a group created a moment ago without a phase", () => {
    const group = { metadata: { creationTimestamp: "2026-12-03T12:00:09Z" } };
    expect(firstStatusWaitMs(group, NOW)).toBe(FIRST_STATUS_GRACE_MS - 1000);
  });

  it("goes on once the group has a phase, whatever it is", () => {
    const group = { metadata: { creationTimestamp: "2026-12-03T12:00:09Z" }, status: { phase: "Pending" } };
    expect(firstStatusWaitMs(group, NOW)).toBeUndefined();
  });

  it("goes on for a group that never got a status within the grace (reported not ready as before)", () => {
    const group = { metadata: { creationTimestamp: "2026-12-03T11:59:00Z" } };
    expect(firstStatusWaitMs(group, NOW)).toBeUndefined();
  });

  it("never waits longer than the grace, even for a creation time in the future (clock skew)", () => {
    const group = { metadata: { creationTimestamp: "2026-12-03T12:05:00Z" } };
    expect(firstStatusWaitMs(group, NOW)).toBe(FIRST_STATUS_GRACE_MS);
  });

  it("waits for the youngest of a group and its members that has no phase yet", () => {
    const ready = { metadata: { creationTimestamp: "2026-12-03T12:00:09Z" }, status: { phase: "Ready" } };
    const older = { metadata: { creationTimestamp: "2026-12-03T12:00:05Z" } };
    const newer = { metadata: { creationTimestamp: "2026-12-03T12:00:08Z" } };
    expect(arrivalWaitMs([ready, older, newer, undefined], NOW)).toBe(FIRST_STATUS_GRACE_MS - 2000);
    expect(arrivalWaitMs([ready, undefined], NOW)).toBeUndefined();
  });
});
