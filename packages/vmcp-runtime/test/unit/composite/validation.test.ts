import { validateCompositeTool } from "@vmcp/shared-types";
import { describe, expect, it } from "vitest";
import { validateCompositeTools } from "../../../src/composite/index.ts";

const step = (id: string, extra: Record<string, unknown> = {}) => ({ id, tool: "b_t", ...extra });

describe("shared composite validation", () => {
  it("requires defaultResults when a skippable step's output is read downstream", () => {
    const errors = validateCompositeTool({
      name: "w",
      steps: [
        step("maybe", { condition: "{{ .params.go }}" }),
        step("next", { dependsOn: ["maybe"], arguments: { x: "{{ .steps.maybe.output.v }}" } }),
      ],
    });
    expect(errors).toEqual([
      {
        reason: "SchemaInvalid",
        message:
          'step "maybe" can be skipped and steps[next].arguments.x reads its output, so it needs defaultResults',
      },
    ]);
    const ok = validateCompositeTool({
      name: "w",
      steps: [
        step("maybe", { onError: { action: "continue" }, defaultResults: { v: 1 } }),
        step("next", { dependsOn: ["maybe"], arguments: { x: "{{ .steps.maybe.output.v }}" } }),
      ],
    });
    expect(ok).toEqual([]);
  });

  it("checks templates everywhere: condition, collection, inner step, elicitation message, output", () => {
    const errors = validateCompositeTool({
      name: "w",
      steps: [
        step("a", { condition: "{{ if }}" }),
        {
          id: "f",
          type: "forEach",
          collection: "{{ .x",
          step: { type: "tool", tool: "b_t", arguments: { q: "{{ range .x }}{{ end }}" } },
        },
        { id: "e", type: "elicitation", message: "ok? {{ .params.x | bogus }}" },
      ],
      output: { properties: { o: { type: "string", value: "{{ end }}" } } },
    });
    expect(errors.map((e) => e.message.split(": invalid template")[0])).toEqual([
      "steps[a].condition",
      "steps[f].collection",
      "steps[f].step.arguments.q",
      "steps[e].message",
      "output.properties.o.value",
    ]);
    expect(errors.every((e) => e.reason === "TemplateInvalid")).toBe(true);
  });

  it("bounds the elicitation schema", () => {
    let deep: Record<string, unknown> = { type: "string" };
    for (let i = 0; i < 11; i++) deep = { properties: deep };
    const errors = validateCompositeTool({
      name: "w",
      steps: [{ id: "e", type: "elicitation", message: "m", schema: deep }],
    });
    expect(errors).toEqual([{ reason: "SchemaInvalid", message: "steps[e].schema: nested deeper than 10" }]);
  });

  it("reports unknown tools (forEach inner steps too) and duplicate composite names", () => {
    const known = new Set(["b_t"]);
    const problems = validateCompositeTools(
      [
        {
          name: "one",
          steps: [
            step("a"),
            { id: "f", type: "forEach", collection: "[]", step: { type: "tool", tool: "nope" } },
          ],
        },
        { name: "one", steps: [step("a")] },
      ],
      (r) => known.has(r),
    );
    expect(problems).toEqual([
      {
        tool: "one",
        errors: [
          {
            reason: "ToolNotFound",
            message: 'step "f" calls unknown tool "nope" (neither a routed tool name nor <workload>.<tool>)',
          },
        ],
      },
      { tool: "one", errors: [{ reason: "SchemaInvalid", message: 'duplicate composite tool name "one"' }] },
    ]);
  });
});
