import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  parseTemplate,
  renderTemplate,
  TemplateError,
  templateParseError,
} from "../../src/template/index.ts";

const jsonValue = fc.jsonValue({ maxDepth: 4 });

describe("template properties", () => {
  it("text without {{ renders unchanged", () => {
    fc.assert(
      fc.property(
        fc.string({ unit: "grapheme", maxLength: 200 }).filter((s) => !s.includes("{{")),
        (s) => {
          expect(renderTemplate(s, {})).toBe(s);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('json keeps a "__proto__" key of the data (it is data, not a prototype)', () => {
    const v = JSON.parse('{"__proto__":null,"a":{"__proto__":{"x":1}}}') as unknown;
    expect(renderTemplate("{{ .v | json }}", { v })).toBe('{"__proto__":null,"a":{"__proto__":{"x":1}}}');
  });

  it("json | fromJson round-trips any JSON value", () => {
    fc.assert(
      fc.property(jsonValue, (v) => {
        const out = renderTemplate("{{ .v | json | fromJson | json }}", { v });
        expect(JSON.parse(out)).toEqual(JSON.parse(JSON.stringify(v)));
      }),
      { numRuns: 300 },
    );
  });

  it("quote output is a valid Go/JSON-compatible literal for printable strings", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 80 }), (s) => {
        const q = renderTemplate("{{ quote .s }}", { s });
        expect(q.startsWith('"') && q.endsWith('"')).toBe(true);
        // Go escapes differ from JSON only for \a, \v and \x..; map them for the check. Escapes are
        // matched as whole units, so the "a" after an escaped backslash ("\\a") stays a letter.
        const asJson = q.replace(/\\(x([0-9a-f]{2})|[\s\S])/g, (esc, c: string, hex?: string) => {
          if (hex) return `\\u00${hex}`;
          if (c === "a") return "\\u0007";
          if (c === "v") return "\\u000b";
          return esc;
        });
        expect(JSON.parse(asJson)).toBe(s);
      }),
      // Always tried: the shrunk counterexample of a once-flaky run, and its cousins.
      { numRuns: 300, examples: [["\\a"], ["\\v"], ["\\x41"], ["\x07\v"]] },
    );
  });

  it("parsing never throws anything but TemplateError", () => {
    const pieces = fc.constantFrom(
      "{{",
      "}}",
      "{{-",
      "-}}",
      " ",
      ".",
      ".a",
      "$",
      "(",
      ")",
      "|",
      '"',
      "`",
      "'",
      "if",
      "else",
      "end",
      "eq",
      "json",
      "1",
      "-",
      "/*",
      "*/",
      "\n",
      "x",
      "printf",
      "%",
      "\\",
    );
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ maxLength: 60 }),
          fc.array(pieces, { maxLength: 30 }).map((a) => a.join("")),
        ),
        (src) => {
          try {
            parseTemplate(src);
          } catch (e) {
            expect(e).toBeInstanceOf(TemplateError);
          }
        },
      ),
      { numRuns: 2000 },
    );
  });

  it("executing a parsed template on arbitrary data never throws anything but TemplateError", () => {
    const templates = [
      "{{.a}}",
      "{{.a.b.c}}",
      "{{index .a 0}}",
      "{{len .a}}",
      "{{if .a}}y{{else}}n{{end}}",
      "{{eq .a .b}}",
      "{{lt .a .b}}",
      "{{json .a}}",
      "{{quote .a}}",
      "{{fromJson .a}}",
      '{{printf "%d %s %v %q %x" .a .b .a .b .a}}',
      "{{and .a .b}}",
      "{{or .a .b}}",
      "{{not .a}}",
    ];
    fc.assert(
      fc.property(fc.constantFrom(...templates), jsonValue, jsonValue, (t, a, b) => {
        try {
          renderTemplate(t, { a, b });
        } catch (e) {
          expect(e).toBeInstanceOf(TemplateError);
        }
      }),
      { numRuns: 1000 },
    );
  });

  it("a parse error always carries a line and column inside the source", () => {
    fc.assert(
      fc.property(
        fc.string({ maxLength: 60 }).map((s) => `{{ ${s}`),
        (src) => {
          const err = templateParseError(src);
          if (err === undefined) return;
          const m = /^template: (\d+):(\d+): /.exec(err);
          expect(m).not.toBeNull();
          expect(Number(m?.[1])).toBeLessThanOrEqual(src.split("\n").length);
        },
      ),
      { numRuns: 500 },
    );
  });
});
