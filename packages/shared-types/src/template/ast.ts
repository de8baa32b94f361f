// Syntax tree of the Go text/template subset composite tools use (see docs/composite-tools.md).

export type Operand =
  | { k: "field"; path: string[]; pos: number } // .a.b, relative to dot
  | { k: "dot"; pos: number } // .
  | { k: "var"; path: string[]; pos: number } // $ and $.a.b (the root data)
  | { k: "ident"; name: string; pos: number } // a function name
  | { k: "string"; value: string; pos: number }
  | { k: "number"; value: number; pos: number }
  | { k: "bool"; value: boolean; pos: number }
  | { k: "nil"; pos: number }
  | { k: "pipe"; pipe: Pipeline; path: string[]; pos: number }; // (pipeline).a.b

export interface Command {
  args: Operand[];
  pos: number;
}

export interface Pipeline {
  cmds: Command[];
  pos: number;
}

export type TemplateNode =
  | { k: "text"; text: string }
  | { k: "action"; pipe: Pipeline; pos: number }
  | { k: "if"; pipe: Pipeline; body: TemplateNode[]; alt: TemplateNode[] | undefined; pos: number };

export interface ParsedTemplate {
  source: string;
  nodes: TemplateNode[];
}
