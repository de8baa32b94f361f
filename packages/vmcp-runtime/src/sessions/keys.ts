import { readFileSync } from "node:fs";

/** One AES-256 key and the id written into every token it seals. */
export interface SessionKey {
  id: string;
  key: Buffer;
}

/** The first key seals; every key opens (the previous one stays during a rotation overlap). */
export interface SessionKeys {
  current: SessionKey;
  all: ReadonlyMap<string, Buffer>;
}

const MAX_KEYS = 8;
const KEY_ID = /^[A-Za-z0-9_-]{1,16}$/;

/** Parses `id=base64key` entries separated by commas or newlines, current key first. Each key
 * must decode to exactly 32 bytes (AES-256). Throws with a message naming the bad entry, never
 * the key material. */
export function parseSessionKeys(text: string): SessionKeys {
  const entries = text
    .split(/[,\n]/)
    .map((e) => e.trim())
    .filter((e) => e !== "" && !e.startsWith("#"));
  if (entries.length === 0) throw new Error("session keys: no key given (expected id=base64key)");
  if (entries.length > MAX_KEYS) throw new Error(`session keys: at most ${MAX_KEYS} keys`);
  const all = new Map<string, Buffer>();
  let current: SessionKey | undefined;
  for (const [i, e] of entries.entries()) {
    const eq = e.indexOf("=");
    const id = eq > 0 ? e.slice(0, eq) : "";
    if (!KEY_ID.test(id))
      throw new Error(
        `session keys: entry ${i + 1} needs an id of 1-16 letters, digits, '-' or '_' before '='`,
      );
    const key = Buffer.from(e.slice(eq + 1), "base64");
    if (key.length !== 32)
      throw new Error(`session keys: key '${id}' must be 32 bytes of base64 (got ${key.length} bytes)`);
    if (all.has(id)) throw new Error(`session keys: key id '${id}' appears twice`);
    all.set(id, key);
    current ??= { id, key };
  }
  return { current: current as SessionKey, all };
}

/** VMCP_SESSION_KEYS (the value itself) or VMCP_SESSION_KEYS_FILE (a file holding it, e.g. a
 * mounted Secret); undefined when neither is set, which keeps sessions in this process only. */
export function sessionKeysFromEnv(env: NodeJS.ProcessEnv): SessionKeys | undefined {
  const inline = env.VMCP_SESSION_KEYS?.trim();
  if (inline) return parseSessionKeys(inline);
  const file = env.VMCP_SESSION_KEYS_FILE?.trim();
  if (file) return parseSessionKeys(readFileSync(file, "utf8"));
  return undefined;
}
