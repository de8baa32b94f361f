import { describe, expect, it } from "vitest";
import {
  aggregateInstructions,
  MAX_BACKEND_INSTRUCTIONS,
  MAX_INSTRUCTIONS,
} from "../../../src/aggregation/instructions.ts";

describe("aggregateInstructions", () => {
  it("puts the gateway's own first, then each backend's under its name, in name order", () => {
    const text = aggregateInstructions("Use the gateway wisely.", [
      { backend: "zeta", instructions: "Call z_ping first." },
      { backend: "alpha", instructions: "  Dates are UTC.\n" },
      { backend: "quiet", instructions: undefined },
      { backend: "blank", instructions: "   " },
    ]);
    expect(text).toBe(
      "Use the gateway wisely.\n\n" +
        "Backend 'alpha' (its tools, prompts and resources):\nDates are UTC.\n\n" +
        "Backend 'zeta' (its tools, prompts and resources):\nCall z_ping first.",
    );
  });

  it("says nothing when nobody has instructions", () => {
    expect(aggregateInstructions(undefined, [{ backend: "a", instructions: undefined }])).toBeUndefined();
  });

  it("bounds one backend's part and the whole", () => {
    const one = aggregateInstructions(undefined, [{ backend: "big", instructions: "x".repeat(100_000) }]);
    expect(one?.length).toBeLessThan(MAX_BACKEND_INSTRUCTIONS + 100);
    expect(one?.endsWith("…")).toBe(true);
    const many = aggregateInstructions(
      undefined,
      Array.from({ length: 50 }, (_, i) => ({ backend: `b${i}`, instructions: "y".repeat(4000) })),
    );
    expect(many?.length).toBe(MAX_INSTRUCTIONS);
  });
});
