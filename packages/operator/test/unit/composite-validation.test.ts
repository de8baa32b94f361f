import { checkTemplate, validateCompositeTool } from "@vmcp/shared-types";
import { describe, expect, it } from "vitest";

const step = (id: string, extra: Record<string, unknown> = {}) => ({
  id,
  type: "tool",
  tool: "backend.echo",
  ...extra,
});

describe("validateCompositeTool", () => {
  it("accepts a valid workflow", () => {
    const spec = {
      name: "deploy",
      steps: [
        step("fetch", { arguments: { url: "{{ .params.url }}", n: 3 } }),
        step("use", { dependsOn: ["fetch"], condition: '{{ eq .steps.fetch.status "completed" }}' }),
      ],
    };
    expect(validateCompositeTool(spec)).toEqual([]);
  });

  it("reports a dependency cycle with its path", () => {
    const errors = validateCompositeTool({
      name: "w",
      steps: [
        step("a", { dependsOn: ["c"] }),
        step("b", { dependsOn: ["a"] }),
        step("c", { dependsOn: ["b"] }),
      ],
    });
    expect(errors).toEqual([{ reason: "DependencyCycle", message: "dependency cycle: a -> c -> b -> a" }]);
  });

  it("reports a dependency on a missing step", () => {
    const errors = validateCompositeTool({ name: "w", steps: [step("a", { dependsOn: ["ghost"] })] });
    expect(errors).toEqual([
      { reason: "SchemaInvalid", message: 'step "a" depends on unknown step "ghost"' },
    ]);
  });

  it("reports duplicate step ids once", () => {
    const errors = validateCompositeTool({ name: "w", steps: [step("a"), step("a")] });
    expect(errors).toEqual([{ reason: "SchemaInvalid", message: 'duplicate step id "a"' }]);
  });

  it("reports templates that do not parse, with where they are", () => {
    const errors = validateCompositeTool({
      name: "w",
      steps: [step("a", { arguments: { q: "{{ .params.q " } })],
      output: { properties: { r: { type: "string", value: "{{ (index .steps.a.output }}" } } },
    });
    expect(errors.map((e) => e.reason)).toEqual(["TemplateInvalid", "TemplateInvalid"]);
    expect(errors[0]?.message).toContain("steps[a].arguments.q");
    expect(errors[1]?.message).toContain("output.properties.r.value");
  });

  it("reports schema problems such as a tool step without a tool", () => {
    const errors = validateCompositeTool({ name: "w", steps: [{ id: "a", type: "tool" }] });
    expect(errors.some((e) => e.reason === "SchemaInvalid" && e.message.includes("tool"))).toBe(true);
  });
});

describe("checkTemplate", () => {
  it.each([
    ["plain text", undefined],
    ["{{ .a }} and {{ .b }}", undefined],
    ['{{ printf "%s}}" .x }}', undefined],
    ["{{ .a", "unclosed"],
    // Go's text/template treats a stray "}}" in text as text.
    ["a }}", undefined],
    ["{{ }}", "missing value"],
    ['{{ "abc }}', "unterminated"],
    ["{{ (len .x }}", "unclosed left paren"],
  ])("%s", (text, problem) => {
    const r = checkTemplate(text);
    if (problem === undefined) expect(r).toBeUndefined();
    else expect(r).toContain(problem);
  });
});
