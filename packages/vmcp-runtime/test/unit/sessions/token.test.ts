import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { parseSessionKeys } from "../../../src/sessions/keys.ts";
import {
  identityBinding,
  MAX_TOKEN_BYTES,
  openSession,
  type SessionState,
  sealSession,
} from "../../../src/sessions/token.ts";

const key = () => randomBytes(32).toString("base64");
const keys = (spec: string) => parseSessionKeys(spec);

const state: SessionState = {
  protocolVersion: "2025-06-18",
  clientCapabilities: { sampling: {}, roots: { listChanged: true } },
  clientInfo: { name: "claude", version: "1.2.3" },
  binding: identityBinding({ subject: "alice", issuer: "https://idp.example" }),
  issuedAt: 1_764_000_000_000,
  backends: [
    {
      name: "github",
      sessionId: "3f1c2d9e-aaaa-bbbb-cccc-0123456789ab",
      protocolVersion: "2025-06-18",
      logging: true,
    },
    { name: "fetch", sessionId: "s-2", protocolVersion: "2025-03-26", logging: false },
  ],
};

/** Flip one bit of the sealed bytes (the base64url part after the key id). */
function flip(token: string, at: number): string {
  const [v, kid, body] = token.split(".") as [string, string, string];
  const raw = Buffer.from(body, "base64url");
  raw[at % raw.length] = (raw[at % raw.length] as number) ^ 1;
  return `${v}.${kid}.${raw.toString("base64url")}`;
}

describe("session tokens", () => {
  it("round-trips everything another replica needs, with a fresh id every time", () => {
    const k = keys(`k1=${key()}`);
    const a = sealSession(state, k);
    const b = sealSession(state, k);
    expect(a).not.toBe(b);
    expect(openSession(a, k)).toEqual({ ok: true, state });
  });

  it("hides the contents: no capability, client name or backend session id is readable", () => {
    const t = sealSession(state, keys(`k1=${key()}`));
    const visible = Buffer.from(t.split(".")[2] as string, "base64url").toString("latin1") + t;
    for (const secret of ["sampling", "claude", "github", "3f1c2d9e", "alice"])
      expect(visible).not.toContain(secret);
  });

  it("refuses any single flipped bit, anywhere in the sealed part", () => {
    const k = keys(`k1=${key()}`);
    const t = sealSession(state, k);
    const len = Buffer.from(t.split(".")[2] as string, "base64url").length;
    for (let i = 0; i < len; i += 7)
      expect(openSession(flip(t, i), k)).toEqual({ ok: false, reason: "tampered" });
  });

  it("refuses a token whose key id was swapped for another known key", () => {
    const k = keys(`k1=${key()},k2=${key()}`);
    const t = sealSession(state, k).replace(/^v1\.k1\./, "v1.k2.");
    expect(openSession(t, k)).toEqual({ ok: false, reason: "tampered" });
  });

  it("keeps opening tokens of the previous key during a rotation, and not after it is removed", () => {
    const oldKey = key();
    const newKey = key();
    const before = sealSession(state, keys(`old=${oldKey}`));
    const overlap = keys(`new=${newKey},old=${oldKey}`);
    expect(openSession(before, overlap).ok).toBe(true);
    expect(sealSession(state, overlap).startsWith("v1.new.")).toBe(true);
    expect(openSession(before, keys(`new=${newKey}`))).toEqual({ ok: false, reason: "unknown-key" });
  });

  it("refuses a token sealed with a different key under the same key id", () => {
    const t = sealSession(state, keys(`k1=${key()}`));
    expect(openSession(t, keys(`k1=${key()}`))).toEqual({ ok: false, reason: "tampered" });
  });

  it("refuses oversized and malformed ids before any decryption", () => {
    const k = keys(`k1=${key()}`);
    expect(openSession(`v1.k1.${"A".repeat(MAX_TOKEN_BYTES)}`, k)).toEqual({
      ok: false,
      reason: "too-large",
    });
    for (const bad of ["", "3f1c2d9e-aaaa-bbbb-cccc-0123456789ab", "v2.k1.AAAA", "v1.k1", "v1.k1.AAAA"])
      expect(openSession(bad, k).ok).toBe(false);
  });

  it("binds to issuer and subject together, and binds anonymous callers to nothing", () => {
    expect(identityBinding({ subject: "alice", issuer: "a" })).not.toBe(
      identityBinding({ subject: "alice", issuer: "b" }),
    );
    expect(identityBinding({ subject: "alice" })).toBe(identityBinding({ subject: "alice" }));
    expect(identityBinding(undefined)).toBe("");
  });

  it("stays well inside the size bound for a typical session with several backends", () => {
    const many = {
      ...state,
      backends: Array.from({ length: 10 }, (_, i) => ({
        name: `backend-${i}`,
        sessionId: randomBytes(16).toString("hex"),
        protocolVersion: "2025-06-18",
        logging: true,
      })),
    };
    expect(sealSession(many, keys(`k1=${key()}`)).length).toBeLessThan(MAX_TOKEN_BYTES / 2);
  });
});

describe("session keys", () => {
  it("takes the first key as current and names bad entries without echoing key material", () => {
    const k = parseSessionKeys(`a=${key()}\nb=${key()}\n`);
    expect(k.current.id).toBe("a");
    expect([...k.all.keys()]).toEqual(["a", "b"]);
    expect(() => parseSessionKeys("a=c2hvcnQ=")).toThrow("key 'a' must be 32 bytes of base64 (got 5 bytes)");
    expect(() => parseSessionKeys(key())).toThrow("entry 1 needs an id");
    const dup = key();
    expect(() => parseSessionKeys(`a=${dup},a=${dup}`)).toThrow(/appears twice$/);
    expect(() => parseSessionKeys(" ")).toThrow("no key given");
  });
});
