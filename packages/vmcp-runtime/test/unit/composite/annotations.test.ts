import { CompositeToolConfigSchema } from "@vmcp/shared-types";
import { describe, expect, it } from "vitest";
import { createCompositeTools, deriveAnnotations } from "../../../src/composite/index.ts";

const tools: Record<string, Record<string, boolean>> = {
  r_read: { readOnlyHint: true, openWorldHint: false },
  r_write: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  r_delete: { destructiveHint: true },
};
const lookup = (ref: string) => tools[ref];
const def = (steps: string[], annotations?: Record<string, unknown>) =>
  CompositeToolConfigSchema.parse({
    name: "w",
    steps: steps.map((tool, i) => ({ id: `s${i}`, tool })),
    ...(annotations ? { annotations } : {}),
  });

describe("composite annotations derived from steps", () => {
  it("is read-only only when every step is", () => {
    expect(deriveAnnotations(def(["r_read", "r_read"]), lookup)).toEqual({
      ok: true,
      annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
    });
    expect(deriveAnnotations(def(["r_read", "r_write"]), lookup)).toEqual({
      ok: true,
      annotations: {
        readOnlyHint: false,
        destructiveHint: false,
        idempotentHint: true,
        openWorldHint: false,
      },
    });
  });

  it("treats a step tool without annotations with MCP's defaults (destructive, open world)", () => {
    const r = deriveAnnotations(def(["r_read", "unknown_tool"]), lookup);
    expect(r).toEqual({
      ok: true,
      annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: true },
    });
  });

  it("keeps explicit hints that are riskier, and the title", () => {
    const r = deriveAnnotations(def(["r_read"], { title: "T", openWorldHint: true }), lookup);
    expect(r).toEqual({
      ok: true,
      annotations: {
        title: "T",
        readOnlyHint: true,
        destructiveHint: false,
        idempotentHint: true,
        openWorldHint: true,
      },
    });
  });

  it("drops a tool whose explicit hints claim more safety than its steps", () => {
    expect(
      deriveAnnotations(def(["r_delete"], { readOnlyHint: true, destructiveHint: false }), lookup),
    ).toEqual({
      ok: false,
      reason:
        "annotations readOnlyHint: true, destructiveHint: false claim more safety than the steps' tools",
    });
    const ct = createCompositeTools(
      [
        { name: "safe", steps: [{ id: "a", tool: "r_read" }], annotations: { readOnlyHint: true } },
        { name: "liar", steps: [{ id: "a", tool: "r_delete" }], annotations: { readOnlyHint: true } },
      ],
      { stepAnnotations: lookup },
    );
    expect(ct.tools.map((t) => t.name)).toEqual(["safe"]);
    expect(ct.has("liar")).toBe(false);
    expect(ct.warnings).toEqual([
      'composite tool "liar" not advertised: annotations readOnlyHint: true claim more safety than the steps\' tools',
    ]);
  });
});
