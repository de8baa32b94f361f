// Which claim_ and arg_ attributes a policy set can read. Cedar runs in WebAssembly and every
// attribute handed to it is copied across; an attribute no policy names cannot change a decision,
// so it is left out (a 1 KiB argument no policy reads costs nothing), and a decision that depends
// on no argument can be reused for the same caller and tool.

/** undefined = every attribute (a policy reads attributes by string, e.g. context["claim_x"]). */
export interface ReferencedAttributes {
  claims: ReadonlySet<string> | undefined;
  args: ReadonlySet<string> | undefined;
}

const NAMED = /\b(claim|arg)_[A-Za-z0-9_]+/g;
// `has "x"`, `["x"]`: attribute names as strings, which a scan for identifiers cannot follow.
const BY_STRING = /\bhas\s+"|\[\s*"/;

export function referencedAttributes(policies: readonly string[]): ReferencedAttributes {
  const text = policies.join("\n");
  if (BY_STRING.test(text)) return { claims: undefined, args: undefined };
  const claims = new Set<string>();
  const args = new Set<string>();
  for (const m of text.matchAll(NAMED)) (m[1] === "claim" ? claims : args).add(m[0]);
  return { claims, args };
}
