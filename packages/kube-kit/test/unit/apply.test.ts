import { describe, expect, it } from "vitest";
import { isSubsetOf } from "../../src/apply.ts";

describe("isSubsetOf (skip writes that would change nothing)", () => {
  const live = {
    metadata: { name: "a", labels: { x: "1", y: "2" }, resourceVersion: "7" },
    spec: { replicas: 1, ports: [{ port: 80 }, { port: 443 }], tags: ["a", "b"] },
    status: {
      phase: "Ready",
      conditions: [
        { type: "Ready", status: "True", reason: "R" },
        { type: "BackendsDiscovered", status: "True", reason: "Runtime" },
      ],
    },
  };

  it("is true when every desired field is present and equal; live may hold more", () => {
    expect(isSubsetOf({ metadata: { labels: { x: "1" } }, spec: { replicas: 1 } }, live)).toBe(true);
  });

  it("is false when a value differs or is missing", () => {
    expect(isSubsetOf({ spec: { replicas: 2 } }, live)).toBe(false);
    expect(isSubsetOf({ metadata: { labels: { z: "3" } } }, live)).toBe(false);
    expect(isSubsetOf({ spec: { paused: false } }, live)).toBe(false);
  });

  it("compares plain lists by position and length", () => {
    expect(isSubsetOf({ spec: { tags: ["a", "b"] } }, live)).toBe(true);
    expect(isSubsetOf({ spec: { tags: ["b", "a"] } }, live)).toBe(false);
    expect(isSubsetOf({ spec: { tags: ["a"] } }, live)).toBe(false);
    expect(isSubsetOf({ spec: { ports: [{ port: 80 }, { port: 443 }] } }, live)).toBe(true);
  });

  it("matches condition-like lists by type, ignoring entries other managers own", () => {
    expect(isSubsetOf({ status: { conditions: [{ type: "Ready", status: "True" }] } }, live)).toBe(true);
    expect(isSubsetOf({ status: { conditions: [{ type: "Ready", status: "False" }] } }, live)).toBe(false);
    expect(isSubsetOf({ status: { conditions: [{ type: "Valid", status: "True" }] } }, live)).toBe(false);
  });

  it("treats undefined as unmanaged, null as must-be-absent and empty collections as absent", () => {
    expect(isSubsetOf({ spec: { replicas: undefined } }, live)).toBe(true);
    expect(isSubsetOf({ spec: { paused: null } }, live)).toBe(true);
    expect(isSubsetOf({ spec: { replicas: null } }, live)).toBe(false);
    expect(isSubsetOf({ spec: { volumes: [] }, metadata: { annotations: {} } }, live)).toBe(true);
    expect(isSubsetOf({ status: { servers: [] } }, { status: { servers: ["a"] } })).toBe(false);
  });

  it("does not equate a scalar with its string form", () => {
    expect(isSubsetOf({ spec: { replicas: "1" } }, live)).toBe(false);
  });
});
