import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createIncomingAuth } from "../../../src/auth/incoming.ts";
import { type LocalIdp, startLocalIdp } from "./local-idp.ts";

let idp: LocalIdp;
beforeAll(async () => {
  idp = await startLocalIdp();
});
afterAll(async () => {
  await idp.close();
});

const resourceUrl = "http://127.0.0.1:4483";
const metadataChallenge =
  'Bearer resource_metadata="http://127.0.0.1:4483/.well-known/oauth-protected-resource"';
const oidcAuth = (extra: Record<string, unknown> = {}) =>
  createIncomingAuth(
    { type: "oidc", oidc: { issuer: idp.issuer, audience: "vmcp", ...extra } },
    { resourceUrl },
  );
const bearer = (t: string) => ({ authorization: `Bearer ${t}` });

describe("OIDC incoming auth against a local issuer (discovery + JWKS)", () => {
  it("accepts a valid token found through issuer discovery and exposes the identity", async () => {
    const auth = oidcAuth();
    const token = await idp.sign(
      { sub: "alice", iss: idp.issuer, aud: "vmcp", email: "a@x" },
      { expiresIn: "5m" },
    );
    const r = await auth.authenticate(bearer(token));
    expect(r).toEqual({
      ok: true,
      identity: {
        subject: "alice",
        issuer: idp.issuer,
        token,
        claims: expect.objectContaining({ email: "a@x" }),
      },
    });
    expect(idp.requests).toContain("/.well-known/openid-configuration");
  });

  it("uses jwksUrl directly when configured and accepts an audience array containing ours", async () => {
    const before = idp.requests.length;
    const auth = oidcAuth({ jwksUrl: idp.jwksUrl });
    const token = await idp.sign(
      { sub: "bob", iss: idp.issuer, aud: ["other", "vmcp"] },
      { expiresIn: "5m" },
    );
    expect((await auth.authenticate(bearer(token))).ok).toBe(true);
    expect(idp.requests.slice(before)).toEqual(["/jwks"]);
  });

  const rejected: Array<[string, () => Promise<Record<string, string>>, string]> = [
    [
      "expired",
      async () =>
        bearer(
          await idp.sign(
            { sub: "a", iss: idp.issuer, aud: "vmcp" },
            { expiresIn: Math.floor(Date.now() / 1000) - 120 },
          ),
        ),
      "token expired",
    ],
    [
      "wrong audience",
      async () =>
        bearer(await idp.sign({ sub: "a", iss: idp.issuer, aud: "someone-else" }, { expiresIn: "5m" })),
      "token audience does not match this server",
    ],
    [
      "wrong issuer",
      async () =>
        bearer(
          await idp.sign({ sub: "a", iss: "https://evil.example.com", aud: "vmcp" }, { expiresIn: "5m" }),
        ),
      "token issuer is not trusted",
    ],
    [
      "not valid yet",
      async () =>
        bearer(
          await idp.sign(
            { sub: "a", iss: idp.issuer, aud: "vmcp", nbf: Math.floor(Date.now() / 1000) + 600 },
            { expiresIn: "20m" },
          ),
        ),
      "token is not valid yet",
    ],
    [
      "no exp claim",
      async () => bearer(await idp.sign({ sub: "a", iss: idp.issuer, aud: "vmcp" })),
      "token claim exp is invalid (missing)",
    ],
    ["malformed", async () => bearer("not.a.jwt"), "token is malformed"],
    [
      "unsigned (alg none)",
      async () => {
        const enc = (o: object) => Buffer.from(JSON.stringify(o)).toString("base64url");
        const exp = Math.floor(Date.now() / 1000) + 300;
        return bearer(
          `${enc({ alg: "none", kid: "k1" })}.${enc({ sub: "a", iss: idp.issuer, aud: "vmcp", exp })}.`,
        );
      },
      "token is malformed",
    ],
    [
      "unknown kid",
      async () =>
        bearer(
          await idp.sign(
            { sub: "a", iss: idp.issuer, aud: "vmcp" },
            { kid: "rotated-away", key: idp.foreignKey, expiresIn: "5m" },
          ),
        ),
      "token signed with an unknown key",
    ],
    [
      "known kid, wrong key",
      async () =>
        bearer(
          await idp.sign(
            { sub: "a", iss: idp.issuer, aud: "vmcp" },
            { key: idp.foreignKey, expiresIn: "5m" },
          ),
        ),
      "token signature is invalid",
    ],
    [
      "not a bearer scheme",
      async () => ({ authorization: "Basic dXNlcjpwYXNz" }),
      "Authorization header must be 'Bearer <token>'",
    ],
  ];

  for (const [name, headers, reason] of rejected) {
    it(`rejects a ${name} token with 401 and an invalid_token/invalid_request challenge`, async () => {
      const r = await oidcAuth({ jwksUrl: idp.jwksUrl }).authenticate(await headers());
      expect(r).toMatchObject({ ok: false, status: 401, error: reason });
      if (r.ok) return;
      expect(r.wwwAuthenticate.startsWith(metadataChallenge)).toBe(true);
      expect(r.wwwAuthenticate).toMatch(/error="invalid_(token|request)", error_description="/);
    });
  }

  it("a request without a token gets 401 with only the resource_metadata challenge", async () => {
    const r = await oidcAuth().authenticate({});
    expect(r).toEqual({
      ok: false,
      status: 401,
      wwwAuthenticate: metadataChallenge,
      error: "missing bearer token",
    });
  });

  it("serves RFC 9728 protected-resource metadata naming the issuer", () => {
    const auth = oidcAuth({ scopes: ["openid", "mcp"] });
    expect(auth.metadataUrl).toBe("http://127.0.0.1:4483/.well-known/oauth-protected-resource");
    expect(auth.protectedResourceMetadata()).toEqual({
      resource: "http://127.0.0.1:4483/mcp",
      authorization_servers: [idp.issuer],
      bearer_methods_supported: ["header"],
      scopes_supported: ["openid", "mcp"],
    });
  });

  it("an unreachable issuer yields 401 now and recovers once discovery works", async () => {
    let fail = true;
    const auth = createIncomingAuth(
      { type: "oidc", oidc: { issuer: idp.issuer, audience: "vmcp" } },
      {
        resourceUrl,
        fetch: (async (input: string | URL | Request, init?: RequestInit) => {
          if (fail) throw new Error("connect ECONNREFUSED");
          return fetch(input, init);
        }) as typeof fetch,
      },
    );
    const token = await idp.sign({ sub: "c", iss: idp.issuer, aud: "vmcp" }, { expiresIn: "5m" });
    const first = await auth.authenticate(bearer(token));
    expect(first).toMatchObject({
      ok: false,
      status: 401,
      error: expect.stringContaining("issuer discovery"),
    });
    fail = false;
    expect((await auth.authenticate(bearer(token))).ok).toBe(true);
  });

  it("anonymous auth admits everyone as the shared anonymous identity and has no metadata", async () => {
    const auth = createIncomingAuth({ type: "anonymous" }, { resourceUrl });
    expect(await auth.authenticate({})).toEqual({ ok: true, identity: { subject: "anonymous", claims: {} } });
    expect(auth.protectedResourceMetadata()).toBeUndefined();
  });
});

describe("OIDC issuer behind a private CA", () => {
  const tlsDir = fileURLToPath(new URL("../../fixtures/tls/", import.meta.url));
  const caFile = `${tlsDir}ca.crt`;
  let tlsIdp: LocalIdp;
  beforeAll(async () => {
    tlsIdp = await startLocalIdp({
      cert: readFileSync(`${tlsDir}server.crt`, "utf8"),
      key: readFileSync(`${tlsDir}server.key`, "utf8"),
    });
  });
  afterAll(async () => {
    await tlsIdp.close();
  });

  it("verifies tokens when caBundlePath names the CA, and cannot without it", async () => {
    const token = await tlsIdp.sign({ sub: "d", iss: tlsIdp.issuer, aud: "vmcp" }, { expiresIn: "5m" });
    const withCa = createIncomingAuth(
      { type: "oidc", oidc: { issuer: tlsIdp.issuer, audience: "vmcp", caBundlePath: caFile } },
      { resourceUrl },
    );
    expect((await withCa.authenticate(bearer(token))).ok).toBe(true);
    const withoutCa = createIncomingAuth(
      { type: "oidc", oidc: { issuer: tlsIdp.issuer, audience: "vmcp" } },
      { resourceUrl },
    );
    expect(await withoutCa.authenticate(bearer(token))).toMatchObject({
      ok: false,
      status: 401,
      error: expect.stringContaining("cannot verify tokens right now: issuer discovery"),
    });
  });
});
