// Template use inside the engine: one parse per distinct source (definitions are static), and the
// three ways a workflow reads a template: as text, as a condition, as a JSON value.
import {
  evaluateSingleAction,
  executeTemplate,
  TEMPLATE_MISSING as MISSING,
  type ParsedTemplate,
  parseTemplate,
} from "@vmcp/shared-types";

const cache = new Map<string, ParsedTemplate>();
const CACHE_LIMIT = 2000;

export function compiled(source: string): ParsedTemplate {
  let t = cache.get(source);
  if (!t) {
    t = parseTemplate(source);
    if (cache.size >= CACHE_LIMIT) cache.clear();
    cache.set(source, t);
  }
  return t;
}

export function renderText(source: string, data: unknown): string {
  return executeTemplate(compiled(source), data);
}

/** Conditions render to true/false in any letter case; anything else is an error. */
export function renderCondition(source: string, data: unknown): boolean {
  const text = renderText(source, data).trim();
  if (/^true$/i.test(text)) return true;
  if (/^false$/i.test(text)) return false;
  throw new Error(`condition must evaluate to "true" or "false", got ${JSON.stringify(text)}`);
}

/**
 * A template's value for places that want JSON (forEach collections, typed arguments and outputs):
 * a template that is a single action keeps its value's shape; anything else is its rendered text.
 * `undefined` means the value is missing (Go's "<no value>").
 */
export function renderValue(source: string, data: unknown): unknown {
  const t = compiled(source);
  const single = evaluateSingleAction(t, data);
  if (single) return single.value === MISSING ? undefined : single.value;
  return executeTemplate(t, data);
}
