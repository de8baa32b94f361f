import { formatPath, type PathSegment, type Problem } from "./problems.ts";
import { arr, entries, obj, type Raw, str } from "./raw.ts";

/**
 * Secret values read from the environment at load time, never part of the config object (so
 * logging the config cannot leak them). Keys: the config path that named the variable
 * (`outgoingAuth.backends.github.headerInjection.headerValueEnv`) and `env:<NAME>`.
 */
export type ResolvedSecrets = ReadonlyMap<string, string>;

export function envSecretKey(name: string): string {
  return `env:${name}`;
}

/** The value of an `*Env` field, whichever key form the caller has. */
export function lookupEnvSecret(secrets: ResolvedSecrets, envName: string): string | undefined {
  return secrets.get(envSecretKey(envName));
}

interface SecretField {
  /** Path of the object holding the pair. */
  at: PathSegment[];
  holder: Raw;
  valueKey: string;
  envKey: string;
  /** Header values go on the wire verbatim, so line breaks are refused. */
  headerSafe: boolean;
  /** An inline value is configuration, not a secret (a backend's plaintext header): not masked. */
  plainInline?: boolean;
}

/** The secret pair of each outgoing auth strategy: [strategy key, value key, env key, headerSafe]. */
const STRATEGY_SECRETS = [
  ["headerInjection", "headerValue", "headerValueEnv", true],
  ["tokenExchange", "clientSecret", "clientSecretEnv", false],
  ["bearerToken", "token", "tokenEnv", true],
] as const;

function secretFields(raw: Raw): SecretField[] {
  const out: SecretField[] = [];
  const strategy = (s: unknown, at: PathSegment[]) => {
    for (const [type, valueKey, envKey, headerSafe] of STRATEGY_SECRETS) {
      const holder = obj(obj(s)?.[type]);
      if (holder) out.push({ at: [...at, type], holder, valueKey, envKey, headerSafe });
    }
  };
  const outgoing = obj(raw.outgoingAuth);
  if (outgoing) {
    if (outgoing.default !== undefined) strategy(outgoing.default, ["outgoingAuth", "default"]);
    for (const [name, s] of entries(outgoing.backends)) strategy(s, ["outgoingAuth", "backends", name]);
  }
  arr(raw.backends).forEach((b, i) => {
    arr(obj(b)?.headers).forEach((h, j) => {
      const holder = obj(h);
      if (holder)
        out.push({
          at: ["backends", i, "headers", j],
          holder,
          valueKey: "value",
          envKey: "valueEnv",
          headerSafe: true,
          plainInline: true,
        });
    });
  });
  const oidc = obj(obj(raw.incomingAuth)?.oidc);
  if (oidc) {
    out.push({
      at: ["incomingAuth", "oidc"],
      holder: oidc,
      valueKey: "clientSecret",
      envKey: "clientSecretEnv",
      headerSafe: false,
    });
  }
  return out;
}

/**
 * Reads every `*Env` secret (unset or empty fails startup). Setting both the
 * value and its env form is reported by the schema; such a pair is not resolved here.
 */
export function resolveEnvSecrets(
  raw: Raw,
  env: NodeJS.ProcessEnv,
): { secrets: Map<string, string>; problems: Problem[] } {
  const secrets = new Map<string, string>();
  const problems: Problem[] = [];
  const read = (path: string, envName: string, headerSafe: boolean): void => {
    const value = env[envName];
    if (value === undefined) {
      problems.push({
        path,
        message: `environment variable ${envName} is not set; set it to the secret value (it is read once at startup)`,
      });
    } else if (value === "") {
      problems.push({ path, message: `environment variable ${envName} is set but empty` });
    } else if (headerSafe && /[\r\n]/.test(value)) {
      problems.push({
        path,
        message: `environment variable ${envName} contains a line break (not allowed in a header)`,
      });
    } else {
      secrets.set(path, value);
      secrets.set(envSecretKey(envName), value);
    }
  };
  for (const f of secretFields(raw)) {
    const inline = str(f.holder[f.valueKey]);
    const envName = str(f.holder[f.envKey]);
    if (f.headerSafe && inline !== undefined && /[\r\n]/.test(inline)) {
      problems.push({ path: formatPath([...f.at, f.valueKey]), message: "must not contain a line break" });
    }
    if (envName !== undefined && inline === undefined)
      read(formatPath([...f.at, f.envKey]), envName, f.headerSafe);
  }
  // Collector credentials: header name -> the variable holding its value.
  for (const [header, envName] of entries(obj(raw.telemetry)?.headersEnv)) {
    const name = str(envName);
    if (name !== undefined) read(formatPath(["telemetry", "headersEnv", header]), name, true);
  }
  return { secrets, problems };
}

/** Every secret value the config knows: inline ones and those read from the environment (what
 * the redaction of every output must mask). */
export function secretValues(config: unknown, secrets: ResolvedSecrets): string[] {
  const out = new Set(secrets.values());
  for (const f of secretFields(obj(config) ?? {})) {
    const v = str(f.holder[f.valueKey]);
    if (v && !f.plainInline) out.add(v);
  }
  return [...out];
}
