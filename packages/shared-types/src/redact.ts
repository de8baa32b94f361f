// The one place that masks credentials in text the gateway emits: client errors, log lines,
// /status, Kubernetes Events and CRD status. Masking happens before any truncation, so a cut
// can never leave a readable prefix of a secret behind.

export const MASK = "[redacted]";

/** Secrets the loaded config knows (and derived forms such as a Basic credential), bounded;
 * `longestFirst` so a secret containing another is masked whole. */
const known = new Set<string>();
let longestFirst: string[] = [];
const MAX_KNOWN = 1024;
/** Shorter values would mask ordinary words; they are not secrets worth the name. */
const MIN_SECRET_LENGTH = 6;

/** Make `redact` mask these values (and their base64 and URL-encoded forms) from now on. */
export function registerSecrets(values: Iterable<string | undefined>): void {
  for (const v of values) {
    if (!v || v.length < MIN_SECRET_LENGTH) continue;
    for (const form of [v, encodeURIComponent(v), Buffer.from(v).toString("base64")]) {
      if (known.size >= MAX_KNOWN) break;
      known.add(form);
    }
  }
  longestFirst = [...known].sort((a, b) => b.length - a.length);
}

/** For tests: forget every registered secret. */
export function clearRegisteredSecrets(): void {
  known.clear();
  longestFirst = [];
}

// `Basic|Bearer <credential>` in any case; the credential must hold a digit or a token symbol,
// so prose such as "bearer token" or "Basic credentials" stays readable.
const SCHEME = /\b(basic|bearer)(\s+|%20|\+)(?=[A-Za-z.~%]*[0-9\-_+/=])[A-Za-z0-9\-._~+/%]{8,}=*/gi;
// Three base64url segments, the first a JSON object header (`{"` is "eyJ").
const JWT = /\beyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*/g;
// A standalone base64 run long enough to be a credential; masked when it decodes to `id:secret`.
const BASE64 = /[A-Za-z0-9+/]{12,}={0,2}/g;

function isBasicPair(b64: string): boolean {
  const text = Buffer.from(b64, "base64").toString("latin1");
  return /^[\x20-\x7e]+:[\x20-\x7e]+$/.test(text);
}

/** `text` with every credential masked, then cut to `max` characters when given. */
export function redact(text: string, max?: number): string {
  let out = text;
  for (const s of longestFirst) out = out.replaceAll(s, MASK);
  out = out
    .replace(SCHEME, (_m, scheme: string, sep: string) => `${scheme}${sep}${MASK}`)
    .replace(JWT, MASK)
    .replace(BASE64, (m) => (isBasicPair(m) ? MASK : m));
  return max !== undefined ? out.slice(0, max) : out;
}

/** Every string inside a log object, redacted (bounded depth; other values untouched). */
export function redactDeep(value: unknown, depth = 0): unknown {
  if (typeof value === "string") return redact(value);
  if (depth > 4 || value === null || typeof value !== "object") return value;
  if (Array.isArray(value)) return value.map((v) => redactDeep(v, depth + 1));
  if (value instanceof Error) return redact(value.message);
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = redactDeep(v, depth + 1);
  return out;
}
