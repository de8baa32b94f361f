import { describe, expect, it } from "vitest";
import {
  firstGroupStatusWaitMs,
  GROUP_FIRST_STATUS_GRACE_MS,
} from "../../../src/controllers/virtualmcpserver/group-arrival.ts";

const NOW = new Date("2026-12-03T12:00:10Z");

describe("waiting for a new group's first status", () => {
  it("waits out the rest of the grace for a group created a moment ago without a phase", () => {
    const group = { metadata: { creationTimestamp: "2026-12-03T12:00:09Z" } };
    expect(firstGroupStatusWaitMs(group, NOW)).toBe(GROUP_FIRST_STATUS_GRACE_MS - 1000);
  });

  it("goes on once the group has a phase, whatever it is", () => {
    const group = { metadata: { creationTimestamp: "2026-12-03T12:00:09Z" }, status: { phase: "Pending" } };
    expect(firstGroupStatusWaitMs(group, NOW)).toBeUndefined();
  });

  it("goes on for a group that never got a status within the grace (reported not ready as before)", () => {
    const group = { metadata: { creationTimestamp: "2026-12-03T11:59:00Z" } };
    expect(firstGroupStatusWaitMs(group, NOW)).toBeUndefined();
  });

  it("never waits longer than the grace, even for a creation time in the future (clock skew)", () => {
    const group = { metadata: { creationTimestamp: "2026-12-03T12:05:00Z" } };
    expect(firstGroupStatusWaitMs(group, NOW)).toBe(GROUP_FIRST_STATUS_GRACE_MS);
  });
});
