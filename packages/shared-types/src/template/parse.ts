// Parser for the Go text/template subset composite tools use. It follows Go's lexer rules (trim
// markers need a following/preceding space, comments must fill the action, fields chain only when
// adjacent) so a template ToolHive accepts parses here the same way, and it rejects at parse time
// what this runtime does not implement (range, with, variables, define...) instead of at run time.
import type { Command, Operand, ParsedTemplate, Pipeline, TemplateNode } from "./ast.ts";
import { positionAt, TemplateError } from "./errors.ts";

/** Go text/template's own limit on nesting is 10000; ToolHive bounds expansion at depth 100. */
export const MAX_TEMPLATE_DEPTH = 100;

/** Functions the evaluator implements; any other identifier is a parse error, as in Go. */
export const TEMPLATE_FUNCTIONS = [
  "and",
  "or",
  "not",
  "eq",
  "ne",
  "lt",
  "le",
  "gt",
  "ge",
  "len",
  "index",
  "print",
  "printf",
  "println",
  "json",
  "quote",
  "fromJson",
] as const;
const FUNCS = new Set<string>(TEMPLATE_FUNCTIONS);

const UNSUPPORTED_KEYWORDS = new Set(["range", "with", "define", "template", "block", "break", "continue"]);
const GO_BUILTINS_NOT_PROVIDED = new Set(["html", "js", "urlquery", "slice", "call"]);

type Tok =
  | { t: "space"; pos: number }
  | { t: "field"; name: string; pos: number }
  | { t: "dot"; pos: number }
  | { t: "var"; name: string; pos: number }
  | { t: "ident"; name: string; pos: number }
  | { t: "string"; value: string; pos: number }
  | { t: "number"; value: number; pos: number }
  | { t: "pipe" | "lparen" | "rparen" | "declare" | "assign" | "comma"; pos: number }
  | { t: "close"; pos: number };

const isSpace = (c: string | undefined) => c === " " || c === "\t" || c === "\r" || c === "\n";
const isAlnum = (c: string | undefined) => c !== undefined && /[\p{L}\p{Nd}_]/u.test(c);

class Parser {
  readonly src: string;
  private i = 0;
  private toks: Tok[] = [];
  private ti = 0;
  private depth = 0;

  constructor(src: string) {
    this.src = src;
  }

  fail(detail: string, offset: number): never {
    throw new TemplateError("parse", detail, positionAt(this.src, offset));
  }

  // ---- lexing -------------------------------------------------------------------------------

  /** Text up to the next `{{` (or the end); returns the text and whether an action follows. */
  private lexText(): { text: string; open: number } {
    const start = this.i;
    const open = this.src.indexOf("{{", start);
    if (open < 0) {
      this.i = this.src.length;
      return { text: this.src.slice(start), open: -1 };
    }
    let text = this.src.slice(start, open);
    if (this.src[open + 2] === "-" && isSpace(this.src[open + 3])) text = text.replace(/[ \t\r\n]+$/, "");
    this.i = open;
    return { text, open };
  }

  /**
   * Lexes one action starting at `{{`. Returns undefined for a comment. Leaves `this.i` after `}}`
   * and records whether a right trim marker was present.
   */
  private lexAction(): { toks: Tok[]; trimRight: boolean } | undefined {
    const open = this.i;
    let i = open + 2;
    if (this.src[i] === "-" && isSpace(this.src[i + 1])) i += 2;
    const toks: Tok[] = [];
    const closeAt = (k: number): { len: number; trim: boolean } | undefined => {
      if (isSpace(this.src[k]) && this.src.startsWith("-}}", k + 1)) return { len: 4, trim: true };
      if (this.src.startsWith("}}", k)) return { len: 2, trim: false };
      return undefined;
    };
    // Comments: {{/* ... */}} with only an optional trim marker around them.
    let j = i;
    while (isSpace(this.src[j])) j++;
    if (this.src.startsWith("/*", j) && (j === i || this.src[open + 2] === "-")) {
      const end = this.src.indexOf("*/", j + 2);
      if (end < 0) this.fail("unclosed comment", open);
      const c = closeAt(end + 2);
      if (!c) this.fail("comment ends before closing delimiter", open);
      this.i = end + 2 + c.len;
      this.pendingTrimRight = c.trim;
      return undefined;
    }
    for (;;) {
      if (i >= this.src.length) this.fail("unclosed action", open);
      const c = closeAt(i);
      if (c) {
        toks.push({ t: "close", pos: i });
        this.i = i + c.len;
        return { toks, trimRight: c.trim };
      }
      const ch = this.src[i] as string;
      const pos = i;
      if (isSpace(ch)) {
        while (isSpace(this.src[i]) && !closeAt(i)) i++;
        toks.push({ t: "space", pos });
        continue;
      }
      if (ch === "|") {
        toks.push({ t: "pipe", pos });
        i++;
      } else if (ch === "(") {
        toks.push({ t: "lparen", pos });
        i++;
      } else if (ch === ")") {
        toks.push({ t: "rparen", pos });
        i++;
      } else if (ch === ",") {
        toks.push({ t: "comma", pos });
        i++;
      } else if (ch === ":" && this.src[i + 1] === "=") {
        toks.push({ t: "declare", pos });
        i += 2;
      } else if (ch === "=") {
        toks.push({ t: "assign", pos });
        i++;
      } else if (ch === '"') {
        i = this.lexQuoted(i, toks);
      } else if (ch === "`") {
        const end = this.src.indexOf("`", i + 1);
        if (end < 0) this.fail("unterminated raw quoted string", pos);
        toks.push({ t: "string", value: this.src.slice(i + 1, end), pos });
        i = end + 1;
      } else if (ch === "'") {
        i = this.lexChar(i, toks);
      } else if (ch === ".") {
        if (isAlnum(this.src[i + 1]) && !/[0-9]/.test(this.src[i + 1] as string)) {
          let k = i + 1;
          while (isAlnum(this.src[k])) k++;
          toks.push({ t: "field", name: this.src.slice(i + 1, k), pos });
          i = k;
        } else if (/[0-9]/.test(this.src[i + 1] ?? "")) {
          i = this.lexNumber(i, toks);
        } else {
          toks.push({ t: "dot", pos });
          i++;
        }
      } else if (ch === "$") {
        let k = i + 1;
        while (isAlnum(this.src[k])) k++;
        toks.push({ t: "var", name: this.src.slice(i, k), pos });
        i = k;
      } else if (/[0-9+-]/.test(ch)) {
        i = this.lexNumber(i, toks);
      } else if (isAlnum(ch)) {
        let k = i;
        while (isAlnum(this.src[k])) k++;
        toks.push({ t: "ident", name: this.src.slice(i, k), pos });
        i = k;
      } else {
        this.fail(`unexpected ${JSON.stringify(ch)} in command`, pos);
      }
    }
  }

  private pendingTrimRight = false;

  /** Index of the quote closing the literal that opens at `start` (backslash escapes skipped). */
  private closingQuote(start: number, quote: string, what: string): number {
    let k = start + 1;
    for (;;) {
      const c = this.src[k];
      if (c === undefined || c === "\n") this.fail(`unterminated ${what}`, start);
      if (c === "\\") {
        k += 2;
        continue;
      }
      if (c === quote) return k;
      k++;
    }
  }

  private lexQuoted(start: number, toks: Tok[]): number {
    const k = this.closingQuote(start, '"', "quoted string");
    toks.push({ t: "string", value: this.unquote(this.src.slice(start, k + 1), start), pos: start });
    return k + 1;
  }

  private lexChar(start: number, toks: Tok[]): number {
    const k = this.closingQuote(start, "'", "character constant");
    const body = this.unquote(`"${this.src.slice(start + 1, k).replace(/^\\'$/, "'")}"`, start);
    const cp = body.codePointAt(0);
    if (cp === undefined || [...body].length !== 1) this.fail("malformed character constant", start);
    toks.push({ t: "number", value: cp, pos: start });
    return k + 1;
  }

  /** Go interpreted string literal -> JS string. */
  private unquote(lit: string, pos: number): string {
    const body = lit.slice(1, -1);
    let out = "";
    for (let k = 0; k < body.length; k++) {
      const c = body[k] as string;
      if (c !== "\\") {
        out += c;
        continue;
      }
      const e = body[++k];
      const simple: Record<string, string> = {
        a: "\x07",
        b: "\b",
        f: "\f",
        n: "\n",
        r: "\r",
        t: "\t",
        v: "\v",
        "\\": "\\",
        '"': '"',
        "'": "'",
      };
      if (e !== undefined && e in simple) {
        out += simple[e];
        continue;
      }
      const hexLen = e === "x" ? 2 : e === "u" ? 4 : e === "U" ? 8 : 0;
      if (hexLen > 0) {
        const hex = body.slice(k + 1, k + 1 + hexLen);
        if (!new RegExp(`^[0-9a-fA-F]{${hexLen}}$`).test(hex))
          this.fail("invalid syntax in string escape", pos);
        const n = Number.parseInt(hex, 16);
        if (n > 0x10ffff) this.fail("invalid syntax in string escape", pos);
        out += String.fromCodePoint(n);
        k += hexLen;
        continue;
      }
      if (e !== undefined && /[0-7]/.test(e)) {
        const oct = body.slice(k, k + 3);
        if (!/^[0-7]{3}$/.test(oct)) this.fail("invalid syntax in string escape", pos);
        out += String.fromCharCode(Number.parseInt(oct, 8));
        k += 2;
        continue;
      }
      this.fail("invalid syntax in string escape", pos);
    }
    return out;
  }

  private lexNumber(start: number, toks: Tok[]): number {
    let k = start;
    while (isAlnum(this.src[k]) || /[.+-]/.test(this.src[k] ?? "")) {
      // a sign only at the start or right after an exponent marker
      const c = this.src[k] as string;
      if ((c === "+" || c === "-") && k !== start && !/[eEpP]/.test(this.src[k - 1] ?? "")) break;
      k++;
    }
    const text = this.src.slice(start, k);
    const clean = text.replace(/_/g, "");
    let value: number;
    if (/^[+-]?0[xX][0-9a-fA-F]+$/.test(clean)) {
      value = Number.parseInt(clean, 16);
    } else if (
      /^[+-]?0[oO]?[0-7]+$/.test(clean) &&
      /^[+-]?0/.test(clean) &&
      clean.replace(/^[+-]/, "").length > 1
    ) {
      const sign = clean.startsWith("-") ? -1 : 1;
      value = sign * Number.parseInt(clean.replace(/^[+-]?0[oO]?/, ""), 8);
    } else if (/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(clean)) {
      value = Number(clean);
    } else {
      this.fail(`bad number syntax: ${JSON.stringify(text)}`, start);
    }
    toks.push({ t: "number", value, pos: start });
    return k;
  }

  // ---- parsing ------------------------------------------------------------------------------

  private peek(): Tok {
    return this.toks[this.ti] as Tok;
  }
  private next(): Tok {
    return this.toks[this.ti++] as Tok;
  }
  private skipSpace(): void {
    while (this.peek().t === "space") this.ti++;
  }

  private enter(pos: number): void {
    if (++this.depth > MAX_TEMPLATE_DEPTH) this.fail(`nesting depth exceeds ${MAX_TEMPLATE_DEPTH}`, pos);
  }

  parse(): ParsedTemplate {
    const { nodes, term } = this.parseList();
    if (term) this.fail(`unexpected {{${term.word}}}`, term.pos);
    return { source: this.src, nodes };
  }

  /** Parses nodes until the end of input or an `{{else ...}}` / `{{end}}` action (returned). */
  private parseList(): { nodes: TemplateNode[]; term?: { word: "else" | "end"; pos: number } } {
    const nodes: TemplateNode[] = [];
    for (;;) {
      const trimLeadingText = this.pendingTrimRight;
      this.pendingTrimRight = false;
      const { text, open } = this.lexText();
      const t = trimLeadingText ? text.replace(/^[ \t\r\n]+/, "") : text;
      if (t) nodes.push({ k: "text", text: t });
      if (open < 0) return { nodes };
      const action = this.lexAction();
      if (!action) continue;
      this.pendingTrimRight = action.trimRight;
      this.toks = action.toks;
      this.ti = 0;
      this.skipSpace();
      const first = this.peek();
      if (first.t === "ident" && (first.name === "end" || first.name === "else")) {
        this.ti++;
        if (first.name === "end") this.expectClose("end");
        return { nodes, term: { word: first.name, pos: first.pos } };
      }
      if (first.t === "ident" && first.name === "if") {
        this.ti++;
        nodes.push(this.parseIf(first.pos));
        continue;
      }
      if (first.t === "ident" && UNSUPPORTED_KEYWORDS.has(first.name)) {
        this.fail(`{{${first.name}}} is not supported in composite tool templates`, first.pos);
      }
      const pipe = this.parsePipeline("command", open);
      nodes.push({ k: "action", pipe, pos: open });
    }
  }

  /** After `{{if` (or `{{else if`): pipeline, body, optional else chain, shared `{{end}}`. */
  private parseIf(pos: number): TemplateNode {
    this.enter(pos);
    const pipe = this.parsePipeline("if", pos);
    const body = this.parseList();
    if (!body.term) this.fail("unexpected EOF: missing {{end}} for {{if}}", pos);
    let elseNodes: TemplateNode[] | undefined;
    if (body.term.word === "else") {
      this.skipSpace();
      const tok = this.peek();
      if (tok.t === "ident" && tok.name === "if") {
        // {{else if x}} is {{else}}{{if x}}...{{end}} sharing the outer {{end}}.
        this.ti++;
        elseNodes = [this.parseIf(tok.pos)];
      } else {
        this.expectClose("else");
        const rest = this.parseList();
        if (!rest.term) this.fail("unexpected EOF: missing {{end}} for {{else}}", body.term.pos);
        if (rest.term.word !== "end") this.fail("expected {{end}}; found {{else}}", rest.term.pos);
        elseNodes = rest.nodes;
      }
    }
    this.depth--;
    return { k: "if", pipe, body: body.nodes, alt: elseNodes, pos };
  }

  private expectClose(context: string): void {
    this.skipSpace();
    const t = this.peek();
    if (t.t !== "close") this.fail(`unexpected token in {{${context}}}`, t.pos);
  }

  /** Pipeline up to the closing `}}` (context "command"/"if") or `)` (context "paren"). */
  private parsePipeline(context: "command" | "if" | "paren", pos: number): Pipeline {
    this.skipSpace();
    const lead = this.peek();
    if (lead.t === "var") {
      const save = this.ti;
      this.ti++;
      this.skipSpace();
      const after = this.peek();
      if (after.t === "declare" || after.t === "assign" || after.t === "comma") {
        this.fail("variable declarations are not supported in composite tool templates", lead.pos);
      }
      this.ti = save;
    }
    const cmds: Command[] = [];
    for (;;) {
      this.skipSpace();
      const cmd = this.parseCommand(context);
      cmds.push(cmd);
      const t = this.peek();
      if (t.t === "pipe") {
        this.ti++;
        continue;
      }
      if (context === "paren") {
        if (t.t !== "rparen") this.fail("unclosed left paren", pos);
        this.ti++;
      } else if (t.t !== "close") {
        this.fail(`unexpected ${describe(t)} in ${context === "if" ? "if" : "command"}`, t.pos);
      }
      break;
    }
    return { cmds, pos };
  }

  private parseCommand(context: "command" | "if" | "paren"): Command {
    const args: Operand[] = [];
    const start = this.peek().pos;
    for (;;) {
      this.skipSpace();
      const t = this.peek();
      if (t.t === "pipe" || t.t === "close" || t.t === "rparen") break;
      args.push(this.parseOperand());
      const after = this.peek();
      if (after.t !== "space" && after.t !== "pipe" && after.t !== "close" && after.t !== "rparen") {
        this.fail(`unexpected ${describe(after)} in operand`, after.pos);
      }
    }
    if (args.length === 0) {
      const t = this.peek();
      if (t.t === "rparen" && context !== "paren") this.fail("unexpected right paren", t.pos);
      this.fail(context === "if" ? "missing value for if" : "missing value for command", t.pos);
    }
    const head = args[0] as Operand;
    if (head.k === "ident" && !FUNCS.has(head.name)) this.undefinedFunction(head.name, head.pos);
    return { args, pos: start };
  }

  private undefinedFunction(name: string, pos: number): never {
    if (GO_BUILTINS_NOT_PROVIDED.has(name)) {
      this.fail(`function "${name}" is not supported in composite tool templates`, pos);
    }
    this.fail(`function "${name}" not defined`, pos);
  }

  private fieldChain(): string[] {
    const path: string[] = [];
    while (this.peek().t === "field") path.push((this.next() as { name: string }).name);
    return path;
  }

  private parseOperand(): Operand {
    const t = this.next();
    switch (t.t) {
      case "field":
        return { k: "field", path: [t.name, ...this.fieldChain()], pos: t.pos };
      case "dot":
        if (this.peek().t === "field") this.fail("unexpected . after term", t.pos);
        return { k: "dot", pos: t.pos };
      case "var":
        if (t.name !== "$") this.fail(`undefined variable "${t.name}"`, t.pos);
        return { k: "var", path: this.fieldChain(), pos: t.pos };
      case "string":
        return { k: "string", value: t.value, pos: t.pos };
      case "number":
        return { k: "number", value: t.value, pos: t.pos };
      case "lparen": {
        this.enter(t.pos);
        const pipe = this.parsePipeline("paren", t.pos);
        this.depth--;
        return { k: "pipe", pipe, path: this.fieldChain(), pos: t.pos };
      }
      case "ident": {
        if (t.name === "true" || t.name === "false")
          return { k: "bool", value: t.name === "true", pos: t.pos };
        if (t.name === "nil") return { k: "nil", pos: t.pos };
        if (["if", "else", "end", ...UNSUPPORTED_KEYWORDS].includes(t.name)) {
          this.fail(`unexpected <${t.name}> in command`, t.pos);
        }
        if (!FUNCS.has(t.name)) this.undefinedFunction(t.name, t.pos);
        if (this.peek().t === "field")
          this.fail(`unexpected field after function ${t.name}`, this.peek().pos);
        return { k: "ident", name: t.name, pos: t.pos };
      }
      default:
        this.fail(`unexpected ${describe(t)} in operand`, t.pos);
    }
  }
}

function describe(t: Tok): string {
  switch (t.t) {
    case "close":
      return '"}}"';
    case "rparen":
      return '")"';
    case "lparen":
      return '"("';
    case "pipe":
      return '"|"';
    case "declare":
      return '":="';
    case "assign":
      return '"="';
    case "comma":
      return '","';
    case "ident":
      return `<${t.name}>`;
    case "field":
      return `<.${t.name}>`;
    case "string":
      return "quoted string";
    case "number":
      return "number";
    case "var":
      return `variable ${t.name}`;
    default:
      return t.t;
  }
}

/** Parses a template; throws TemplateError (kind "parse", with position) on invalid input. */
export function parseTemplate(source: string): ParsedTemplate {
  return new Parser(source).parse();
}
