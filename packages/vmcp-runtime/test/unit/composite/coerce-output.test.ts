import { CompositeToolConfigSchema } from "@vmcp/shared-types";
import { describe, expect, it } from "vitest";
import {
  buildOutput,
  coerceTo,
  compositeToolAsMcpTool,
  propertyType,
  stepResultState,
  toCallToolResult,
  WorkflowError,
} from "../../../src/composite/index.ts";

describe("argument coercion to input-schema types", () => {
  it.each([
    ["5", "integer", 5],
    [" -7 ", "integer", -7],
    ["2.5", "number", 2.5],
    ["TRUE", "boolean", true],
    ["false", "boolean", false],
    ['{"a":1}', "object", { a: 1 }],
    ["[1,2]", "array", [1, 2]],
    ["text", "string", "text"],
    ["text", undefined, "text"],
    [3, "string", "3"],
  ])("%j as %s -> %j", (v, type, want) => {
    expect(coerceTo(v, type)).toEqual({ ok: true, value: want });
  });

  it.each([
    ["2.5", "integer"],
    ["abc", "number"],
    ["", "number"],
    ["yes", "boolean"],
    ["[1]", "object"],
    ['{"a":1}', "array"],
    ["<no value>", "integer"],
  ])("%j cannot become %s", (v, type) => {
    expect(coerceTo(v, type).ok).toBe(false);
  });

  it("reads property types, including nullable unions", () => {
    const schema = {
      type: "object",
      properties: { n: { type: ["integer", "null"] }, s: { type: "string" } },
    };
    expect(propertyType(schema, "n")).toBe("integer");
    expect(propertyType(schema, "s")).toBe("string");
    expect(propertyType(schema, "x")).toBeUndefined();
  });
});

describe("output construction", () => {
  const data = {
    params: { n: "4" },
    steps: { a: { status: "completed", output: { list: [1, 2], name: "x", flag: "true" } } },
    workflow: { status: "completed" },
  };

  it("builds typed, nested properties with defaults", () => {
    const out = buildOutput(
      {
        properties: {
          count: { type: "integer", value: "{{.params.n}}" },
          list: { type: "array", value: "{{.steps.a.output.list}}" },
          flag: { type: "boolean", value: "{{.steps.a.output.flag}}" },
          meta: {
            type: "object",
            properties: {
              name: { type: "string", value: "{{.steps.a.output.name}}" },
              missing: { type: "string", value: "{{.steps.a.output.nope}}", default: "dflt" },
              absent: { type: "string", value: "{{.steps.a.output.nope}}" },
            },
          },
          status: { type: "string", value: "{{.workflow.status}}" },
        },
        required: ["count"],
      },
      data,
    );
    expect(out).toEqual({
      count: 4,
      list: [1, 2],
      flag: true,
      meta: { name: "x", missing: "dflt" },
      status: "completed",
    });
  });

  it("fails on a required property without a value, and on a value of the wrong type", () => {
    expect(() =>
      buildOutput(
        { properties: { r: { type: "string", value: "{{.params.nope}}" } }, required: ["r"] },
        data,
      ),
    ).toThrow(new WorkflowError("output", 'required output property "r" has no value'));
    expect(() =>
      buildOutput({ properties: { r: { type: "integer", value: "{{.steps.a.output.name}}" } } }, data),
    ).toThrow('output property "r": cannot convert "x" to integer');
  });

  it("wraps results as MCP CallToolResult with structured and text content", () => {
    expect(toCallToolResult({ a: 1 })).toEqual({
      content: [{ type: "text", text: '{"a":1}' }],
      structuredContent: { a: 1 },
    });
    expect(toCallToolResult([1])).toEqual({
      content: [{ type: "text", text: '{"result":[1]}' }],
      structuredContent: { result: [1] },
    });
  });

  it("derives a step output from content when there is no structuredContent", () => {
    expect(
      stepResultState({
        content: [
          { type: "text", text: "one" },
          { type: "text", text: "two" },
          { type: "resource", resource: { uri: "mem://r", text: "rtext" } },
        ],
      }),
    ).toEqual({ output: { text: "one", text_1: "two" }, content: { text: "one\ntwo", resource: "rtext" } });
    expect(stepResultState({ content: [], structuredContent: { k: 1 } }).output).toEqual({ k: 1 });
  });
});

describe("compositeToolAsMcpTool", () => {
  it("uses parameters as the input schema and carries annotations", () => {
    const def = CompositeToolConfigSchema.parse({
      name: "deploy",
      description: "d",
      parameters: { type: "object", properties: { env: { type: "string" } } },
      annotations: { title: "Deploy", readOnlyHint: false },
      steps: [{ id: "a", tool: "x_y" }],
    });
    expect(compositeToolAsMcpTool(def)).toEqual({
      name: "deploy",
      description: "d",
      title: "Deploy",
      inputSchema: { type: "object", properties: { env: { type: "string" } } },
      annotations: { title: "Deploy", readOnlyHint: false },
    });
    const bare = CompositeToolConfigSchema.parse({ name: "b", steps: [{ id: "a", tool: "x_y" }] });
    expect(compositeToolAsMcpTool(bare).inputSchema).toEqual({ type: "object", properties: {} });
  });
});
