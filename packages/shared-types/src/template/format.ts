// How Go's fmt prints the JSON-shaped values templates see (map[string]any, []any, float64, string,
// bool, nil), so `{{.steps.x.output.obj}}` renders the way it does in ToolHive. Numbers are the one
// deliberate difference: Go prints every JSON number as float64 (%v of 1000000 is "1e+06"); here an
// integral number prints as an integer, which is what workflow authors expect.

import { isJsonObject } from "../json.ts";
import { TemplateError } from "./errors.ts";

/** Go's zero reflect.Value: a missing map key or a field of a missing value. Prints "<no value>". */
export const MISSING: unique symbol = Symbol("template.missing");
export type TemplateValue = unknown;

const MAX_PRINT_DEPTH = 100;

export function formatNumber(n: number): string {
  if (Number.isNaN(n)) return "NaN";
  if (n === Number.POSITIVE_INFINITY) return "+Inf";
  if (n === Number.NEGATIVE_INFINITY) return "-Inf";
  return String(n);
}

/** fmt's %v. */
export function printValue(v: TemplateValue, depth = 0): string {
  if (depth > MAX_PRINT_DEPTH) throw new TemplateError("exec", `value nesting exceeds ${MAX_PRINT_DEPTH}`);
  if (v === MISSING) return "<no value>";
  if (v === null || v === undefined) return "<nil>";
  if (typeof v === "string") return v;
  if (typeof v === "number") return formatNumber(v);
  if (typeof v === "boolean") return v ? "true" : "false";
  if (Array.isArray(v)) return `[${v.map((e) => printValue(e, depth + 1)).join(" ")}]`;
  if (isJsonObject(v)) {
    const keys = Object.keys(v).sort();
    return `map[${keys.map((k) => `${k}:${printValue(v[k], depth + 1)}`).join(" ")}]`;
  }
  return String(v);
}

/** The Go type name fmt uses in %!verb(type=value) diagnostics. */
export function goTypeName(v: TemplateValue): string {
  if (v === MISSING || v === null || v === undefined) return "<nil>";
  if (typeof v === "string") return "string";
  if (typeof v === "number") return "float64";
  if (typeof v === "boolean") return "bool";
  if (Array.isArray(v)) return "[]interface {}";
  return "map[string]interface {}";
}

const isPrintable = (ch: string) => ch === " " || /[\p{L}\p{M}\p{N}\p{P}\p{S}]/u.test(ch);

/** strconv.Quote: a double-quoted Go string literal. */
export function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const cp = ch.codePointAt(0) as number;
    if (ch === '"' || ch === "\\") out += `\\${ch}`;
    else if (isPrintable(ch) && !(cp >= 0xd800 && cp <= 0xdfff)) out += ch;
    else if (ch === "\x07") out += "\\a";
    else if (ch === "\b") out += "\\b";
    else if (ch === "\f") out += "\\f";
    else if (ch === "\n") out += "\\n";
    else if (ch === "\r") out += "\\r";
    else if (ch === "\t") out += "\\t";
    else if (ch === "\v") out += "\\v";
    else if (cp >= 0xd800 && cp <= 0xdfff) out += "\\ufffd";
    else if (cp < 0x80) out += `\\x${cp.toString(16).padStart(2, "0")}`;
    else if (cp < 0x10000) out += `\\u${cp.toString(16).padStart(4, "0")}`;
    else out += `\\U${cp.toString(16).padStart(8, "0")}`;
  }
  return `${out}"`;
}

/** fmt.Sprint: spaces between operands when neither side is a string. */
export function sprint(args: TemplateValue[]): string {
  let out = "";
  args.forEach((a, i) => {
    if (i > 0 && typeof a !== "string" && typeof args[i - 1] !== "string") out += " ";
    out += printValue(a);
  });
  return out;
}

export function sprintln(args: TemplateValue[]): string {
  return `${args.map((a) => printValue(a)).join(" ")}\n`;
}

interface Spec {
  minus: boolean;
  plus: boolean;
  zero: boolean;
  space: boolean;
  sharp: boolean;
  width: number | undefined;
  prec: number | undefined;
}

function pad(s: string, spec: Spec, numeric: boolean): string {
  if (spec.width === undefined || s.length >= spec.width) return s;
  const fill = spec.width - s.length;
  if (spec.minus) return s + " ".repeat(fill);
  if (spec.zero && numeric) {
    const sign = /^[+-]/.test(s) ? (s[0] as string) : "";
    return sign + "0".repeat(fill) + s.slice(sign.length);
  }
  return " ".repeat(fill) + s;
}

function signed(s: string, n: number, spec: Spec): string {
  if (n >= 0 && !Object.is(n, -0)) {
    if (spec.plus) return `+${s}`;
    if (spec.space) return ` ${s}`;
  }
  return s;
}

/** Go's %e exponent has at least two digits. */
function goExp(s: string): string {
  return s.replace(/e([+-])(\d)$/, "e$10$2");
}

function bad(verb: string, v: TemplateValue): string {
  return `%!${verb}(${goTypeName(v)}=${printValue(v)})`;
}

function formatOne(verb: string, v: TemplateValue, spec: Spec): string {
  switch (verb) {
    case "v":
      return pad(printValue(v), spec, false);
    case "s": {
      if (typeof v !== "string" && (typeof v === "number" || typeof v === "boolean")) return bad(verb, v);
      let s = printValue(v);
      if (spec.prec !== undefined) s = [...s].slice(0, spec.prec).join("");
      return pad(s, spec, false);
    }
    case "q":
      if (typeof v === "string") return pad(goQuote(v), spec, false);
      if (typeof v === "number" && Number.isInteger(v) && v >= 0 && v <= 0x10ffff) {
        return pad(`'${String.fromCodePoint(v)}'`, spec, false);
      }
      return bad(verb, v);
    case "t":
      return typeof v === "boolean" ? pad(String(v), spec, false) : bad(verb, v);
    case "d":
      if (typeof v !== "number" || !Number.isInteger(v)) return bad(verb, v);
      return pad(signed(String(v), v, spec), spec, true);
    case "x":
    case "X": {
      let s: string;
      if (typeof v === "number" && Number.isInteger(v)) {
        s = (v < 0 ? "-" : "") + (spec.sharp ? "0x" : "") + Math.abs(v).toString(16);
      } else if (typeof v === "string") {
        s = Buffer.from(v, "utf8").toString("hex");
      } else {
        return bad(verb, v);
      }
      return pad(verb === "X" ? s.toUpperCase() : s, spec, true);
    }
    case "c":
      return typeof v === "number" && Number.isInteger(v) && v >= 0 && v <= 0x10ffff
        ? pad(String.fromCodePoint(v), spec, false)
        : bad(verb, v);
    case "f":
    case "F":
    case "e":
    case "E":
    case "g":
    case "G": {
      if (typeof v !== "number") return bad(verb, v);
      let s: string;
      if (!Number.isFinite(v)) s = formatNumber(v);
      else if (verb === "f" || verb === "F") s = v.toFixed(spec.prec ?? 6);
      else if (verb === "e" || verb === "E") s = goExp(v.toExponential(spec.prec ?? 6));
      else {
        const exp = v === 0 ? 0 : Math.floor(Math.log10(Math.abs(v)));
        const limit = spec.prec ?? 21;
        s =
          spec.prec !== undefined
            ? String(Number(v.toPrecision(Math.max(spec.prec, 1))))
            : exp < -4 || exp >= limit
              ? goExp(v.toExponential())
              : String(v);
      }
      if (verb === "E" || verb === "G") s = s.toUpperCase();
      return pad(signed(s, v, spec), spec, true);
    }
    default:
      return `%!${verb}(${goTypeName(v)}=${printValue(v)})`;
  }
}

/** fmt.Sprintf for the common verbs: v s q d f F e E g G t x X c %. */
export function sprintf(format: string, args: TemplateValue[]): string {
  let out = "";
  let argi = 0;
  for (let i = 0; i < format.length; i++) {
    const c = format[i] as string;
    if (c !== "%") {
      out += c;
      continue;
    }
    i++;
    const spec: Spec = {
      minus: false,
      plus: false,
      zero: false,
      space: false,
      sharp: false,
      width: undefined,
      prec: undefined,
    };
    for (; i < format.length; i++) {
      const f = format[i];
      if (f === "-") spec.minus = true;
      else if (f === "+") spec.plus = true;
      else if (f === "0") spec.zero = true;
      else if (f === " ") spec.space = true;
      else if (f === "#") spec.sharp = true;
      else break;
    }
    let w = "";
    while (/[0-9]/.test(format[i] ?? "")) w += format[i++];
    if (w) spec.width = Number(w);
    if (format[i] === ".") {
      i++;
      let p = "";
      while (/[0-9]/.test(format[i] ?? "")) p += format[i++];
      spec.prec = p ? Number(p) : 0;
    }
    const verb = format[i];
    if (verb === undefined) {
      out += "%!(NOVERB)";
      break;
    }
    if (verb === "%") {
      out += "%";
      continue;
    }
    if (argi >= args.length) {
      out += `%!${verb}(MISSING)`;
      continue;
    }
    out += formatOne(verb, args[argi++], spec);
  }
  if (argi < args.length) {
    out += `%!(EXTRA ${args
      .slice(argi)
      .map((a) => `${goTypeName(a)}=${printValue(a)}`)
      .join(", ")})`;
  }
  return out;
}

/** json.Marshal: object keys sorted, like Go's encoding of map[string]any. */
export function goJson(v: TemplateValue): string {
  const sortKeys = (x: unknown, depth: number): unknown => {
    if (depth > MAX_PRINT_DEPTH) throw new TemplateError("exec", `value nesting exceeds ${MAX_PRINT_DEPTH}`);
    if (x === MISSING || x === undefined) return null;
    if (Array.isArray(x)) return x.map((e) => sortKeys(e, depth + 1));
    if (isJsonObject(x)) {
      // No prototype: a "__proto__" key of the data is a key like any other, not a prototype set.
      const out: Record<string, unknown> = Object.create(null);
      for (const k of Object.keys(x).sort()) out[k] = sortKeys(x[k], depth + 1);
      return out;
    }
    if (typeof x === "number" && !Number.isFinite(x)) {
      throw new TemplateError("exec", `json: unsupported value: ${formatNumber(x)}`);
    }
    return x;
  };
  return JSON.stringify(sortKeys(v, 0));
}
