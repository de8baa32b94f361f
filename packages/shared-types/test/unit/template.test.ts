import { describe, expect, it } from "vitest";
import {
  parseTemplate,
  referencedStepOutputs,
  renderTemplate,
  TemplateError,
  templateParseError,
} from "../../src/template/index.ts";

const data = {
  params: {
    name: "Ada",
    count: 5,
    ratio: 0.25,
    on: true,
    off: false,
    empty: "",
    list: [1, "two", null],
    obj: { b: 2, a: "x" },
  },
  steps: {
    fetch: {
      status: "completed",
      output: { id: 42, json: '{"k":[1,2],"s":"v"}', nested: { deep: "yes" }, nothing: null },
    },
    skipped: { status: "skipped", output: {} },
  },
  vars: {},
  workflow: { id: "wf-1", step_count: 2 },
  forEach: { item: { name: "i1" }, index: 3 },
};

const render = (t: string) => renderTemplate(t, data);

describe("template rendering", () => {
  it.each([
    ["plain text", "plain text"],
    ["{{.params.name}}", "Ada"],
    ["Hello {{ .params.name }}!", "Hello Ada!"],
    ["{{.steps.fetch.output.id}}", "42"],
    ["{{.steps.fetch.output.nested.deep}}", "yes"],
    ["{{.steps.fetch.status}}", "completed"],
    ["{{.forEach.item.name}}-{{.forEach.index}}", "i1-3"],
    ["{{.workflow.id}}", "wf-1"],
    ["{{$.params.name}}", "Ada"],
    ["{{.params.ratio}}", "0.25"],
    ["{{.params.on}}", "true"],
  ])("%s", (t, want) => expect(render(t)).toBe(want));

  it("prints missing keys as <no value> and JSON null as <nil>, like Go's default missingkey", () => {
    expect(render("{{.params.nope}}")).toBe("<no value>");
    expect(render("{{.steps.ghost.output.x}}")).toBe("<no value>");
    expect(render("{{.steps.fetch.output.nothing}}")).toBe("<nil>");
    expect(render('{{index .params.obj "zz"}}')).toBe("<nil>");
  });

  it("prints maps and slices the way Go's fmt does", () => {
    expect(render("{{.params.obj}}")).toBe("map[a:x b:2]");
    expect(render("{{.params.list}}")).toBe("[1 two <nil>]");
  });

  it("fails when reading a field of a null or a scalar", () => {
    expect(() => render("{{.steps.fetch.output.nothing.x}}")).toThrow(/nil pointer evaluating/);
    expect(() => render("{{.params.name.first}}")).toThrow(/can't evaluate field first in type string/);
  });

  it("evaluates if / else if / else with Go truthiness", () => {
    const t = "{{if .params.empty}}a{{else if .params.list}}b{{else}}c{{end}}";
    expect(render(t)).toBe("b");
    expect(render("{{if .params.nope}}x{{else}}y{{end}}")).toBe("y");
    expect(render("{{if .params.count}}n{{end}}")).toBe("n");
    expect(render("{{if .params.off}}n{{else}}f{{end}}")).toBe("f");
    expect(render('{{if eq .steps.skipped.status "skipped"}}s{{end}}')).toBe("s");
  });

  it("implements the comparison and logic functions", () => {
    expect(render('{{eq .params.count 5}} {{ne .params.count 5}} {{eq .params.name "x" "Ada"}}')).toBe(
      "true false true",
    );
    expect(render('{{lt 1 2}} {{le 2 2}} {{gt "b" "a"}} {{ge 1 2}}')).toBe("true true true false");
    expect(render("{{and .params.name .params.count}} {{and .params.empty .params.count}}")).toBe("5 ");
    expect(render('{{or .params.empty "fallback"}} {{not .params.on}}')).toBe("fallback false");
    expect(render('{{len .params.list}} {{len .params.obj}} {{len .params.name}} {{len "é"}}')).toBe(
      "3 2 3 2",
    );
    expect(() => render("{{lt .params.name 3}}")).toThrow(/incompatible types for comparison/);
    expect(() => render("{{eq .params.list .params.list}}")).toThrow(/non-comparable/);
  });

  it("short-circuits and/or like Go 1.18+", () => {
    expect(render("{{or .params.name (len .params.nope)}}")).toBe("Ada");
    expect(() => render("{{and .params.name (len .params.nope)}}")).toThrow(/len of nil/);
  });

  it("indexes maps and arrays", () => {
    expect(render("{{index .params.list 1}}")).toBe("two");
    expect(render('{{index .steps "fetch" "output" "id"}}')).toBe("42");
    expect(() => render("{{index .params.list 9}}")).toThrow(/index out of range: 9/);
  });

  it("pipes values as the last argument", () => {
    expect(render('{{.params.name | printf "%s-%s" "x"}}')).toBe("x-Ada");
    expect(render("{{.params.obj | json}}")).toBe('{"a":"x","b":2}');
    expect(render("{{.params.name | quote}}")).toBe('"Ada"');
    expect(render("{{.steps.fetch.output.json | fromJson | json}}")).toBe('{"k":[1,2],"s":"v"}');
    expect(render("{{(fromJson .steps.fetch.output.json).s}}")).toBe("v");
    expect(render("{{index (fromJson .steps.fetch.output.json).k 1}}")).toBe("2");
  });

  it("quote produces Go string literals", () => {
    expect(renderTemplate("{{quote .s}}", { s: 'a"b\\c\n\t\x01é' })).toBe('"a\\"b\\\\c\\n\\t\\x01é"');
  });

  it("printf supports the basic verbs", () => {
    expect(render('{{printf "%d|%5d|%-4d|%05d" 42 42 42 42}}')).toBe("42|   42|42  |00042");
    expect(render('{{printf "%.2f|%f|%e" 3.14159 1.5 1000000.0}}')).toBe("3.14|1.500000|1.000000e+06");
    expect(render('{{printf "%s|%q|%v|%t|%x|%X|%%" "s" "q" .params.obj true 255 255}}')).toBe(
      's|"q"|map[a:x b:2]|true|ff|FF|%',
    );
    expect(render('{{printf "%s %s" "only"}}')).toBe("only %!s(MISSING)");
    expect(render('{{printf "%d" "str"}}')).toBe("%!d(string=str)");
    expect(render('{{printf "x" 1}}')).toBe("x%!(EXTRA float64=1)");
  });

  it("print and println space operands like Go", () => {
    expect(render('{{print "a" "b" 1 2}}')).toBe("ab1 2");
    expect(render('{{println "a" 1}}')).toBe("a 1\n");
  });

  it("handles literals: strings, raw strings, numbers, chars, bools, nil", () => {
    expect(render("{{\"a\\tb\"}}|{{`raw\\n`}}|{{-3}}|{{0x1F}}|{{1e3}}|{{1.5}}|{{'a'}}|{{true}}")).toBe(
      "a\tb|raw\\n|-3|31|1000|1.5|97|true",
    );
    expect(render("{{eq .params.nope nil}}")).toBe("true");
  });

  it("trims whitespace around {{- and -}} markers", () => {
    expect(render("a \n {{- .params.name -}} \n b")).toBe("aAdab");
    expect(render("x {{- /* comment */ -}} y")).toBe("xy");
    expect(render("{{/* only a comment */}}z")).toBe("z");
  });

  it("refuses output beyond the limit", () => {
    const big = "x".repeat(1024);
    const t = parseTemplate("{{.a}}{{.a}}{{.a}}");
    expect(() => renderTemplate("{{.a}}", { a: "y".repeat(11 * 1024 * 1024) })).toThrow(/output too large/);
    expect(t.nodes).toHaveLength(3);
    expect(renderTemplate("{{.a}}", { a: big })).toHaveLength(1024);
  });
});

describe("template parse errors", () => {
  it.each([
    ["{{ .a", "1:1: unclosed action"],
    ["line1\n  {{ .a }} {{ foo }}", '2:15: function "foo" not defined'],
    ["{{ if .a }}x", "missing {{end}}"],
    ["{{ end }}", "unexpected {{end}}"],
    ["{{ else }}", "unexpected {{else}}"],
    ["{{ }}", "missing value for command"],
    ['{{ "abc }}', "unterminated quoted string"],
    ["{{ (len .x }}", "unclosed left paren"],
    ["{{ len .x) }}", "unexpected"],
    ["{{ range .x }}{{ end }}", "{{range}} is not supported"],
    ["{{ with .x }}{{ end }}", "{{with}} is not supported"],
    ['{{ template "x" }}', "{{template}} is not supported"],
    ["{{ $x := 1 }}", "variable declarations are not supported"],
    ["{{ $x }}", 'undefined variable "$x"'],
    ["{{ html .x }}", 'function "html" is not supported'],
    ["{{ 12abc }}", "bad number syntax"],
    ["{{ .a } }}", 'unexpected "}" in command'],
    ["{{/* open", "unclosed comment"],
  ])("%s", (t, want) => {
    const err = templateParseError(t);
    expect(err).toBeDefined();
    expect(err).toContain(want);
  });

  it("accepts what Go accepts: a stray }} in text, }} inside strings, newlines in actions", () => {
    for (const t of ["a }} b", '{{ printf "%s}}" .x }}', "{{ eq\n .a\n 1 }}", "{{- .a -}}", "{{-3}}"]) {
      expect(templateParseError(t)).toBeUndefined();
    }
  });

  it("limits nesting depth to 100", () => {
    const deep = (n: number) => `${"{{if .a}}".repeat(n)}${"{{end}}".repeat(n)}`;
    expect(templateParseError(deep(100))).toBeUndefined();
    expect(templateParseError(deep(101))).toContain("nesting depth exceeds 100");
    const parens = (n: number) => `{{ ${"(".repeat(n)}.a${")".repeat(n)} }}`;
    expect(templateParseError(parens(101))).toContain("nesting depth exceeds 100");
  });

  it("throws TemplateError with a position", () => {
    try {
      parseTemplate("ab\ncd {{ nope }}");
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(TemplateError);
      expect((e as TemplateError).position).toEqual({ offset: 9, line: 2, column: 7 });
    }
  });

  it("finds which step outputs a template reads", () => {
    const t = parseTemplate(
      '{{if .steps.a.output.x}}{{json .steps.b}}{{else}}{{(index .steps.c.output "k")}}{{end}}{{.steps.d.status}}',
    );
    expect([...referencedStepOutputs(t)].sort()).toEqual(["a", "b", "c"]);
  });
});
