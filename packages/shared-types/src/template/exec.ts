// Evaluator for parsed templates, with Go text/template's semantics for JSON-shaped data under the
// default `missingkey` option (ToolHive sets none): a missing map key yields "<no value>", a field of
// a missing value is missing too, a field of a JSON null or of a non-object is an error.

import { isJsonObject } from "../json.ts";
import type { Command, Operand, ParsedTemplate, Pipeline, TemplateNode } from "./ast.ts";
import { positionAt, TemplateError } from "./errors.ts";
import {
  goJson,
  goQuote,
  goTypeName,
  MISSING,
  printValue,
  sprint,
  sprintf,
  sprintln,
  type TemplateValue,
} from "./format.ts";

/** ToolHive's maxTemplateOutputSize. */
export const MAX_TEMPLATE_OUTPUT_BYTES = 10 * 1024 * 1024;

export interface ExecuteOptions {
  maxOutputBytes?: number;
}

const NO_FINAL: unique symbol = Symbol("template.noFinal");

class Exec {
  readonly t: ParsedTemplate;
  readonly root: TemplateValue;
  readonly max: number;
  out: string[] = [];
  bytes = 0;

  constructor(t: ParsedTemplate, root: TemplateValue, max: number) {
    this.t = t;
    this.root = root;
    this.max = max;
  }

  fail(detail: string, pos: number): never {
    throw new TemplateError("exec", detail, positionAt(this.t.source, pos));
  }

  emit(s: string): void {
    this.bytes += Buffer.byteLength(s, "utf8");
    if (this.bytes > this.max) {
      throw new TemplateError("exec", `template output too large (max ${this.max} bytes)`);
    }
    this.out.push(s);
  }

  walk(nodes: TemplateNode[]): void {
    for (const n of nodes) {
      if (n.k === "text") this.emit(n.text);
      else if (n.k === "action") this.emit(printValue(this.pipeline(n.pipe)));
      else if (truth(this.pipeline(n.pipe))) this.walk(n.body);
      else if (n.alt) this.walk(n.alt);
    }
  }

  pipeline(p: Pipeline): TemplateValue {
    let value: TemplateValue | typeof NO_FINAL = NO_FINAL;
    for (const cmd of p.cmds) value = this.command(cmd, value);
    return value;
  }

  command(cmd: Command, final: TemplateValue | typeof NO_FINAL): TemplateValue {
    const [head, ...rest] = cmd.args as [Operand, ...Operand[]];
    if (head.k === "ident") return this.call(head.name, rest, final, head.pos);
    if (rest.length > 0 || final !== NO_FINAL) {
      if (head.k === "nil") this.fail("nil is not a command", head.pos);
      this.fail(`can't give argument to non-function ${describeOperand(head)}`, head.pos);
    }
    if (head.k === "nil") this.fail("nil is not a command", head.pos);
    return this.operand(head);
  }

  operand(o: Operand): TemplateValue {
    switch (o.k) {
      case "field":
        return this.fields(this.root, o.path, o.pos);
      case "dot":
        return this.root;
      case "var":
        return this.fields(this.root, o.path, o.pos);
      case "ident":
        return this.call(o.name, [], NO_FINAL, o.pos);
      case "string":
      case "number":
      case "bool":
        return o.value;
      case "nil":
        return null;
      case "pipe":
        return this.fields(this.pipeline(o.pipe), o.path, o.pos);
    }
  }

  fields(start: TemplateValue, path: string[], pos: number): TemplateValue {
    let v = start;
    for (const name of path) {
      if (v === MISSING) return MISSING;
      if (v === null || v === undefined) this.fail(`nil pointer evaluating interface {}.${name}`, pos);
      if (!isJsonObject(v)) this.fail(`can't evaluate field ${name} in type ${goTypeName(v)}`, pos);
      v = Object.hasOwn(v, name) ? v[name] : MISSING;
    }
    return v;
  }

  call(name: string, argOps: Operand[], final: TemplateValue | typeof NO_FINAL, pos: number): TemplateValue {
    // and/or evaluate lazily, as in Go >= 1.18; the piped value is their last argument.
    if (name === "and" || name === "or") {
      const count = argOps.length + (final === NO_FINAL ? 0 : 1);
      if (count < 1) this.fail(`wrong number of args for ${name}: want at least 1 got 0`, pos);
      let v: TemplateValue = MISSING;
      for (let i = 0; i < count; i++) {
        v = i < argOps.length ? this.operand(argOps[i] as Operand) : final;
        if (truth(v) === (name === "or")) return v;
      }
      return v;
    }
    const args = argOps.map((o) => this.operand(o));
    if (final !== NO_FINAL) args.push(final);
    try {
      return callFunction(name, args);
    } catch (e) {
      if (e instanceof FuncError) this.fail(`error calling ${name}: ${e.message}`, pos);
      throw e;
    }
  }
}

class FuncError extends Error {}

function describeOperand(o: Operand): string {
  switch (o.k) {
    case "field":
      return `.${o.path.join(".")}`;
    case "var":
      return `$${o.path.map((p) => `.${p}`).join("")}`;
    case "dot":
      return ".";
    case "string":
      return goQuote(o.value);
    case "number":
      return String(o.value);
    case "bool":
      return String(o.value);
    default:
      return o.k;
  }
}

/** Go's template truth: false, 0, nil, missing, and empty strings/arrays/maps are false. */
export function truth(v: TemplateValue): boolean {
  if (v === MISSING || v === null || v === undefined) return false;
  if (typeof v === "boolean") return v;
  if (typeof v === "number") return v !== 0;
  if (typeof v === "string") return v.length > 0;
  if (Array.isArray(v)) return v.length > 0;
  if (isJsonObject(v)) return Object.keys(v).length > 0;
  return true;
}

function arity(name: string, args: TemplateValue[], n: number): void {
  if (args.length !== n)
    throw new FuncError(`wrong number of args for ${name}: want ${n} got ${args.length}`);
}

const isNil = (v: TemplateValue) => v === MISSING || v === null || v === undefined;

function basicEq(a: TemplateValue, b: TemplateValue): boolean {
  if (isNil(a) || isNil(b)) return isNil(a) && isNil(b);
  if (typeof a === "object" || typeof b === "object") throw new FuncError("non-comparable type");
  if (typeof a !== typeof b) throw new FuncError("incompatible types for comparison");
  return a === b;
}

function less(a: TemplateValue, b: TemplateValue): boolean {
  if (isNil(a) || isNil(b)) throw new FuncError("invalid type for comparison");
  if (typeof a === "number" && typeof b === "number") return a < b;
  if (typeof a === "string" && typeof b === "string") return a < b;
  if (typeof a !== typeof b) throw new FuncError("incompatible types for comparison");
  throw new FuncError("invalid type for comparison");
}

function indexInto(item: TemplateValue, key: TemplateValue): TemplateValue {
  if (isNil(item)) throw new FuncError("index of untyped nil");
  if (Array.isArray(item) || typeof item === "string") {
    if (typeof key !== "number" || !Number.isInteger(key)) {
      throw new FuncError(`cannot index slice/array with type ${goTypeName(key)}`);
    }
    if (typeof item === "string") {
      const bytes = Buffer.from(item, "utf8");
      if (key < 0 || key >= bytes.length) throw new FuncError(`index out of range: ${key}`);
      return bytes[key] as number;
    }
    if (key < 0 || key >= item.length) throw new FuncError(`index out of range: ${key}`);
    return item[key];
  }
  if (isJsonObject(item)) {
    if (typeof key !== "string") throw new FuncError(`value has type ${goTypeName(key)}; should be string`);
    // Go returns the map's zero element (a nil interface) for a missing key.
    return Object.hasOwn(item, key) ? item[key] : null;
  }
  throw new FuncError(`can't index item of type ${goTypeName(item)}`);
}

function callFunction(name: string, args: TemplateValue[]): TemplateValue {
  switch (name) {
    case "not":
      arity(name, args, 1);
      return !truth(args[0]);
    case "eq": {
      if (args.length < 2) throw new FuncError("missing argument for comparison");
      const [a, ...rest] = args;
      return rest.some((b) => basicEq(a, b));
    }
    case "ne":
      arity(name, args, 2);
      return !basicEq(args[0], args[1]);
    case "lt":
      arity(name, args, 2);
      return less(args[0], args[1]);
    case "le":
      arity(name, args, 2);
      return less(args[0], args[1]) || basicEq(args[0], args[1]);
    case "gt":
      arity(name, args, 2);
      return !less(args[0], args[1]) && !basicEq(args[0], args[1]);
    case "ge":
      arity(name, args, 2);
      return !less(args[0], args[1]);
    case "len": {
      arity(name, args, 1);
      const v = args[0];
      if (typeof v === "string") return Buffer.byteLength(v, "utf8");
      if (Array.isArray(v)) return v.length;
      if (isJsonObject(v)) return Object.keys(v).length;
      if (isNil(v)) throw new FuncError("len of nil pointer");
      throw new FuncError(`len of type ${goTypeName(v)}`);
    }
    case "index": {
      if (args.length < 1) throw new FuncError("wrong number of args for index: want at least 1 got 0");
      let item = args[0];
      for (const k of args.slice(1)) item = indexInto(item, k);
      return item;
    }
    case "print":
      return sprint(args);
    case "println":
      return sprintln(args);
    case "printf": {
      if (args.length < 1 || typeof args[0] !== "string") throw new FuncError("printf needs a format string");
      return sprintf(args[0], args.slice(1));
    }
    case "json":
      arity(name, args, 1);
      return goJson(args[0]);
    case "quote": {
      arity(name, args, 1);
      const v = args[0];
      if (typeof v !== "string")
        throw new FuncError(`wrong type for value; expected string; got ${goTypeName(v)}`);
      return goQuote(v);
    }
    case "fromJson": {
      arity(name, args, 1);
      const v = args[0];
      if (typeof v !== "string")
        throw new FuncError(`wrong type for value; expected string; got ${goTypeName(v)}`);
      try {
        return JSON.parse(v) as unknown;
      } catch (e) {
        throw new FuncError(`failed to unmarshal JSON: ${(e as Error).message}`);
      }
    }
    default:
      throw new FuncError(`function "${name}" not defined`);
  }
}

/** Renders a parsed template against `data` (the root, `.`); throws TemplateError (kind "exec"). */
export function executeTemplate(t: ParsedTemplate, data: TemplateValue, opts: ExecuteOptions = {}): string {
  const ex = new Exec(t, data, opts.maxOutputBytes ?? MAX_TEMPLATE_OUTPUT_BYTES);
  ex.walk(t.nodes);
  return ex.out.join("");
}

/**
 * The value of a template that is one action and nothing else (surrounding whitespace allowed),
 * e.g. `{{ .steps.list.output.items }}`, before it is printed; undefined for any other template.
 * Lets a forEach collection or an output value keep its JSON shape instead of Go's `[a b]` text.
 */
export function evaluateSingleAction(
  t: ParsedTemplate,
  data: TemplateValue,
): { value: TemplateValue } | undefined {
  const meaningful = t.nodes.filter((n) => !(n.k === "text" && n.text.trim() === ""));
  const only = meaningful[0];
  if (meaningful.length !== 1 || only?.k !== "action") return undefined;
  const ex = new Exec(t, data, MAX_TEMPLATE_OUTPUT_BYTES);
  return { value: ex.pipeline(only.pipe) };
}
