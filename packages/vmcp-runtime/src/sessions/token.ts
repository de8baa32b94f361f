import { createCipheriv, createDecipheriv, createHash, randomBytes } from "node:crypto";
import { deflateRawSync, inflateRawSync } from "node:zlib";
import * as z from "zod";
import type { SessionKeys } from "./keys.ts";

/** Largest session id accepted or issued: clients and proxies carry it in every request header. */
export const MAX_TOKEN_BYTES = 4096;
/** Decompressed payload bound: a token cannot inflate into more than this. */
const MAX_PLAIN_BYTES = 64 * 1024;
const VERSION = "v1";
const IV_BYTES = 12;
const TAG_BYTES = 16;

/** A backend session another replica may continue (Streamable HTTP only: a legacy SSE session
 * lives on one TCP connection and cannot move). */
export interface BackendResume {
  name: string;
  sessionId: string;
  protocolVersion: string;
  /** The backend declared the logging capability (logging/setLevel fan-out needs it). */
  logging: boolean;
}

/** What a replica needs to continue a client session it did not create. */
export interface SessionState {
  protocolVersion: string;
  clientCapabilities: Record<string, unknown>;
  clientInfo: Record<string, unknown>;
  /** identityBinding() of the caller that initialized; "" for anonymous callers. */
  binding: string;
  /** Milliseconds since the epoch. */
  issuedAt: number;
  backends: BackendResume[];
}

const Payload = z.object({
  pv: z.string().max(64),
  caps: z.record(z.string(), z.unknown()),
  info: z.record(z.string(), z.unknown()),
  who: z.string().max(64),
  iat: z.number().int().nonnegative(),
  b: z
    .array(
      z.tuple([z.string().min(1).max(253), z.string().min(1).max(1024), z.string().max(64), z.boolean()]),
    )
    .max(64),
});

/** A short, fixed-size stand-in for who the caller is; inside the encrypted token, so it is never
 * visible to the client, and the same for every replica. */
export function identityBinding(identity: { subject: string; issuer?: string } | undefined): string {
  if (!identity) return "";
  return createHash("sha256")
    .update(`${identity.issuer ?? ""}\n${identity.subject}`)
    .digest("base64url")
    .slice(0, 22);
}

/** AES-256-GCM over the deflated JSON state; the key id and format version are authenticated
 * too (additional data), so neither can be swapped. A fresh random IV makes every id unique. */
export function sealSession(state: SessionState, keys: SessionKeys): string {
  const { id, key } = keys.current;
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv("aes-256-gcm", key, iv);
  cipher.setAAD(Buffer.from(`${VERSION}.${id}`));
  const sealed = Buffer.concat([
    iv,
    cipher.update(deflateRawSync(encodeState(state))),
    cipher.final(),
    cipher.getAuthTag(),
  ]);
  return `${VERSION}.${id}.${sealed.toString("base64url")}`;
}

export type OpenFailure = "too-large" | "malformed" | "unknown-key" | "tampered";
export type OpenResult = { ok: true; state: SessionState } | { ok: false; reason: OpenFailure };

/** The state sealed in `token`, or why it is not a session this deployment issued. Costs one
 * AES-GCM decryption and one bounded inflate; nothing is parsed before the tag verifies. */
export function openSession(token: string, keys: SessionKeys): OpenResult {
  if (token.length > MAX_TOKEN_BYTES) return { ok: false, reason: "too-large" };
  const parts = token.split(".");
  if (parts.length !== 3 || parts[0] !== VERSION) return { ok: false, reason: "malformed" };
  const [, kid, body] = parts as [string, string, string];
  const key = keys.all.get(kid);
  if (!key) return { ok: false, reason: "unknown-key" };
  const raw = Buffer.from(body, "base64url");
  if (raw.length < IV_BYTES + TAG_BYTES + 1) return { ok: false, reason: "malformed" };
  let plain: Buffer;
  try {
    const decipher = createDecipheriv("aes-256-gcm", key, raw.subarray(0, IV_BYTES));
    decipher.setAAD(Buffer.from(`${VERSION}.${kid}`));
    decipher.setAuthTag(raw.subarray(raw.length - TAG_BYTES));
    plain = Buffer.concat([
      decipher.update(raw.subarray(IV_BYTES, raw.length - TAG_BYTES)),
      decipher.final(),
    ]);
  } catch {
    return { ok: false, reason: "tampered" };
  }
  let state: SessionState | undefined;
  try {
    state = decodeState(inflateRawSync(plain, { maxOutputLength: MAX_PLAIN_BYTES }).toString());
  } catch {
    state = undefined;
  }
  // Authentic but unreadable: only a token from an incompatible build gets here.
  return state ? { ok: true, state } : { ok: false, reason: "malformed" };
}

/** The compact JSON form of a session's state (what a token seals, what Redis stores). */
export function encodeState(state: SessionState): string {
  const payload: z.infer<typeof Payload> = {
    pv: state.protocolVersion,
    caps: state.clientCapabilities,
    info: state.clientInfo,
    who: state.binding,
    iat: Math.floor(state.issuedAt / 1000),
    b: state.backends.map((b) => [b.name, b.sessionId, b.protocolVersion, b.logging]),
  };
  return JSON.stringify(payload);
}

/** The state in `json`, or undefined when it is not what encodeState writes. */
export function decodeState(json: string): SessionState | undefined {
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch {
    return undefined;
  }
  const parsed = Payload.safeParse(raw);
  if (!parsed.success) return undefined;
  const p = parsed.data;
  return {
    protocolVersion: p.pv,
    clientCapabilities: p.caps,
    clientInfo: p.info,
    binding: p.who,
    issuedAt: p.iat * 1000,
    backends: p.b.map(([name, sessionId, protocolVersion, logging]) => ({
      name,
      sessionId,
      protocolVersion,
      logging,
    })),
  };
}
