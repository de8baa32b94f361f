import { describe, expect, it } from "vitest";
import { usesStandaloneStream } from "../../../src/backends/streamable-session.ts";

describe("a client session's standalone stream to a backend", () => {
  it("is opened when the client can be asked something or the backend can tell something unasked", () => {
    expect(usesStandaloneStream({ sampling: {} }, {})).toBe(true);
    expect(usesStandaloneStream({ elicitation: {} }, {})).toBe(true);
    expect(usesStandaloneStream({ roots: { listChanged: true } }, {})).toBe(true);
    expect(usesStandaloneStream({}, { logging: {} })).toBe(true);
    expect(usesStandaloneStream({}, { resources: { subscribe: true } })).toBe(true);
  });

  it("is not opened when nothing could travel on it (list_changed reaches the control session)", () => {
    expect(usesStandaloneStream({}, { tools: { listChanged: true } })).toBe(false);
    expect(usesStandaloneStream({}, { resources: { listChanged: true }, prompts: {} })).toBe(false);
  });
});
