// One error type for every template problem, so callers (validation, the workflow engine) can tell
// template errors from their own bugs, and so messages carry the position the way Go's do.

export interface TemplatePosition {
  /** 0-based character offset into the template source. */
  offset: number;
  /** 1-based line and column. */
  line: number;
  column: number;
}

export function positionAt(source: string, offset: number): TemplatePosition {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset && i < source.length; i++) {
    if (source[i] === "\n") {
      line++;
      lineStart = i + 1;
    }
  }
  return { offset, line, column: offset - lineStart + 1 };
}

export class TemplateError extends Error {
  readonly kind: "parse" | "exec";
  readonly position: TemplatePosition | undefined;
  readonly detail: string;

  constructor(kind: "parse" | "exec", detail: string, position?: TemplatePosition) {
    super(position ? `template: ${position.line}:${position.column}: ${detail}` : `template: ${detail}`);
    this.name = "TemplateError";
    this.kind = kind;
    this.detail = detail;
    this.position = position;
  }
}
