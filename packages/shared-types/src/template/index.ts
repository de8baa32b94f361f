// The composite-tool template language: a Go text/template subset (docs/composite-tools.md).
// Shared by the operator (definition validation) and the runtime (workflow execution).
export type { ParsedTemplate } from "./ast.ts";
export { positionAt, TemplateError, type TemplatePosition } from "./errors.ts";
export { evaluateSingleAction, executeTemplate, MAX_TEMPLATE_OUTPUT_BYTES, truth } from "./exec.ts";
export { goJson, goQuote, MISSING, printValue, sprintf } from "./format.ts";
export { MAX_TEMPLATE_DEPTH, parseTemplate, TEMPLATE_FUNCTIONS } from "./parse.ts";
export { referencedStepOutputs } from "./refs.ts";

import { TemplateError } from "./errors.ts";
import { executeTemplate } from "./exec.ts";
import { parseTemplate } from "./parse.ts";

/** Parse problem of a template as a message with line:column, or undefined when it parses. */
export function templateParseError(source: string): string | undefined {
  try {
    parseTemplate(source);
    return undefined;
  } catch (e) {
    if (e instanceof TemplateError) return e.message;
    throw e;
  }
}

/** Parses and renders in one go (tests, one-off use); throws TemplateError. */
export function renderTemplate(source: string, data: unknown): string {
  return executeTemplate(parseTemplate(source), data);
}
