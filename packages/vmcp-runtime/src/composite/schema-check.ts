// JSON Schema checks for what a client hands a workflow: a composite tool's arguments against its
// `parameters`, an accepted elicitation's content against the step's schema. The SDK's own Ajv
// validator, so the gateway judges input exactly as an SDK server would.
import { AjvJsonSchemaValidator } from "@modelcontextprotocol/sdk/validation/ajv";

type Check = (value: unknown) => string | undefined;

const validator = new AjvJsonSchemaValidator();
const compiled = new WeakMap<object, Check>();
const PASS: Check = () => undefined;

/** Why `value` does not match `schema`, or undefined when it does (or the schema is not one). */
export function schemaProblem(schema: unknown, value: unknown): string | undefined {
  if (typeof schema !== "object" || schema === null) return undefined;
  let check = compiled.get(schema);
  if (!check) {
    try {
      const v = validator.getValidator(schema as Parameters<typeof validator.getValidator>[0]);
      check = (value) => {
        const r = v(value);
        return r.valid ? undefined : (r.errorMessage ?? "does not match the schema");
      };
    } catch {
      // Schemas are validated with the definition; one Ajv cannot compile is not enforced here.
      check = PASS;
    }
    compiled.set(schema, check);
  }
  return check(value);
}
