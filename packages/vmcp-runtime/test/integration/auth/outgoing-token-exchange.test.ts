import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createOutgoingAuth, OutgoingAuthError } from "../../../src/auth/outgoing.ts";
import { envSecretKey } from "../../../src/config/load.ts";
import { startTokenEndpoint } from "./token-endpoint.ts";

let ep: Awaited<ReturnType<typeof startTokenEndpoint>>;
let respond0: typeof ep.state.respond;
beforeAll(async () => {
  ep = await startTokenEndpoint();
  respond0 = ep.state.respond;
});
afterAll(async () => {
  await ep.close();
});
beforeEach(() => {
  ep.requests.length = 0;
  ep.state.respond = respond0;
});

const SECRET = "client-s3cret/with:odd&chars";
const secrets = new Map([[envSecretKey("TE_SECRET"), SECRET]]);
let clock = 1_000_000_000_000;
const now = () => clock;

function exchanger(extra: Record<string, unknown> = {}) {
  return createOutgoingAuth(
    {
      type: "token_exchange",
      tokenExchange: {
        tokenUrl: ep.url,
        clientId: "vmcp client",
        clientSecretEnv: "TE_SECRET",
        audience: "backend-api",
        scopes: ["read", "write"],
        subjectTokenType: "access_token",
        ...extra,
      },
    },
    secrets,
    { now },
  );
}
const caller = (token: string, exp?: number) => ({
  identity: { subject: token, claims: exp === undefined ? {} : { exp }, token },
});

describe("RFC 8693 token exchange against a local token endpoint", () => {
  it("posts the RFC 8693 form with client authentication and uses the exchanged token", async () => {
    const auth = exchanger();
    expect(await auth.headers(caller("caller-token-A"))).toEqual({ authorization: "Bearer exchanged-1" });
    expect(ep.requests).toHaveLength(1);
    const req = ep.requests[0]!;
    expect(req.headers["content-type"]).toBe("application/x-www-form-urlencoded");
    expect(req.form).toEqual({
      grant_type: "urn:ietf:params:oauth:grant-type:token-exchange",
      subject_token: "caller-token-A",
      subject_token_type: "urn:ietf:params:oauth:token-type:access_token",
      requested_token_type: "urn:ietf:params:oauth:token-type:access_token",
      audience: "backend-api",
      scope: "read write",
    });
    const basic = Buffer.from(req.headers.authorization!.replace(/^Basic /, ""), "base64").toString();
    const [id, secret] = basic.split(":").map(decodeURIComponent);
    expect([id, secret]).toEqual(["vmcp client", SECRET]);
  });

  it("serves a second call for the same caller token from the cache, and refetches once it expires", async () => {
    const auth = exchanger();
    clock = 2_000_000_000_000;
    const first = await auth.headers(caller("tok-B"));
    expect(await auth.headers(caller("tok-B"))).toEqual(first);
    expect(ep.requests).toHaveLength(1);
    // expires_in 300 s minus 30 s skew: still cached at +269 s, refetched at +271 s.
    clock += 269_000;
    await auth.headers(caller("tok-B"));
    expect(ep.requests).toHaveLength(1);
    clock += 2_000;
    const again = await auth.headers(caller("tok-B"));
    expect(ep.requests).toHaveLength(2);
    expect(again).not.toEqual(first);
  });

  it("keeps one cache entry per caller token and never past the caller token's own expiry", async () => {
    const auth = exchanger();
    clock = 3_000_000_000_000;
    await auth.headers(caller("tok-C"));
    await auth.headers(caller("tok-D"));
    expect(ep.requests.map((r) => r.form.subject_token)).toEqual(["tok-C", "tok-D"]);
    const shortExp = Math.floor(clock / 1000) + 60; // caller token lives 60 s
    await auth.headers(caller("tok-E", shortExp));
    clock += 31_000; // within 30 s skew of the caller's exp
    await auth.headers(caller("tok-E", shortExp));
    expect(ep.requests.filter((r) => r.form.subject_token === "tok-E")).toHaveLength(2);
  });

  it("coalesces concurrent exchanges for the same caller into one request", async () => {
    const auth = exchanger();
    const results = await Promise.all(Array.from({ length: 8 }, () => auth.headers(caller("tok-F"))));
    expect(new Set(results.map((r) => r.authorization)).size).toBe(1);
    expect(ep.requests).toHaveLength(1);
  });

  it("health checks use client_credentials (cached) when a client id and secret exist", async () => {
    const auth = exchanger();
    expect(await auth.headers({ healthCheck: true })).toEqual({
      authorization: expect.stringMatching(/^Bearer exchanged-/),
    });
    await auth.headers({ healthCheck: true });
    expect(ep.requests).toHaveLength(1);
    expect(ep.requests[0]!.form).toEqual({
      grant_type: "client_credentials",
      audience: "backend-api",
      scope: "read write",
    });
    expect(ep.requests[0]!.headers.authorization).toMatch(/^Basic /);
  });

  it("health checks go out unauthenticated when there is no client secret; a public client sends client_id", async () => {
    const auth = exchanger({
      clientSecretEnv: undefined,
      audience: undefined,
      scopes: undefined,
      subjectTokenType: "jwt",
    });
    expect(await auth.headers({ healthCheck: true })).toEqual({});
    expect(ep.requests).toHaveLength(0);
    await auth.headers(caller("tok-G"));
    expect(ep.requests[0]!.form).toMatchObject({
      client_id: "vmcp client",
      subject_token_type: "urn:ietf:params:oauth:token-type:jwt",
    });
    expect(ep.requests[0]!.headers.authorization).toBeUndefined();
  });

  it("a 4xx names the OAuth error without leaking the client secret or the caller's token", async () => {
    ep.state.respond = (req) => ({
      status: 400,
      body: JSON.stringify({
        error: "invalid_grant",
        error_description: `subject token ${req.form.subject_token} rejected for client secret ${SECRET}`,
      }),
    });
    const err = await exchanger()
      .headers(caller("secret-caller-token"))
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OutgoingAuthError);
    const msg = (err as Error).message;
    expect(msg).toContain(`token exchange at ${ep.url} was refused: HTTP 400 invalid_grant`);
    expect(msg).not.toContain("secret-caller-token");
    expect(msg).not.toContain(SECRET);
    expect((err as OutgoingAuthError).status).toBe(400);
  });

  it("a 5xx with a non-OAuth body reports only the status; failures are not cached", async () => {
    ep.state.respond = () => ({ status: 503, body: "<html>upstream down</html>", contentType: "text/html" });
    const auth = exchanger();
    await expect(auth.headers(caller("tok-H"))).rejects.toThrow(/refused: HTTP 503$/);
    ep.state.respond = respond0;
    expect(await auth.headers(caller("tok-H"))).toEqual({ authorization: expect.stringMatching(/^Bearer /) });
    expect(ep.requests).toHaveLength(2);
  });

  it("a 200 without access_token is an error", async () => {
    ep.state.respond = () => ({ status: 200, body: JSON.stringify({ token_type: "Bearer" }) });
    await expect(exchanger().headers(caller("tok-I"))).rejects.toThrow(/returned no usable access_token/);
  });

  it("a request without a caller token cannot be exchanged", async () => {
    const err = await exchanger()
      .headers({})
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ name: "OutgoingAuthError", needsCallerToken: true });
    expect(ep.requests).toHaveLength(0);
  });

  it("an unreachable token endpoint fails with a clear error", async () => {
    const dead = await startTokenEndpoint();
    await dead.close();
    const auth = createOutgoingAuth(
      { type: "token_exchange", tokenExchange: { tokenUrl: dead.url } },
      new Map(),
    );
    await expect(auth.headers(caller("tok-J"))).rejects.toThrow(`token exchange at ${dead.url} failed:`);
  });
});
