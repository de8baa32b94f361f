import { clearRegisteredSecrets, MASK, redact, registerSecrets } from "@vmcp/shared-types";
import { afterEach, describe, expect, it } from "vitest";
import { secretValues } from "../../../src/config/secrets.ts";
import { backendEvent } from "../../../src/status/backend-events.ts";
import { buildCrdStatus } from "../../../src/status/crd-status.ts";

afterEach(() => clearRegisteredSecrets());

const JWT =
  "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJhbGljZSIsImV4cCI6MTcwMDAwMDAwMH0.c2lnbmF0dXJlLXBhcnQtb2YtdGhlLXRva2Vu";

describe("redact", () => {
  it("masks Basic and Bearer credentials, JWT-shaped strings and bare base64 id:secret pairs", () => {
    const basic = Buffer.from("client:s3cr3t-value").toString("base64");
    expect(redact(`got Authorization: Basic ${basic}`)).toBe(`got Authorization: Basic ${MASK}`);
    expect(redact("header bearer abc.DEF-123_xyz~9 ok")).toBe(`header bearer ${MASK} ok`);
    expect(redact(`token ${JWT} expired`)).toBe(`token ${MASK} expired`);
    expect(redact(`echo ${basic}`)).toBe(`echo ${MASK}`);
  });

  it("leaves prose about credentials readable", () => {
    const prose = "token exchange needs the caller's bearer token; Basic credentials were refused";
    expect(redact(prose)).toBe(prose);
    expect(redact("backend 'g2' unreachable: ECONNREFUSED 127.0.0.1:8080")).toBe(
      "backend 'g2' unreachable: ECONNREFUSED 127.0.0.1:8080",
    );
  });

  it("masks every registered secret in its plain, URL-encoded and base64 forms", () => {
    registerSecrets(["p@ss word/42", undefined, "tiny"]);
    expect(redact("a p@ss word/42 b")).toBe(`a ${MASK} b`);
    expect(redact(`a ${encodeURIComponent("p@ss word/42")} b`)).toBe(`a ${MASK} b`);
    expect(redact(`a ${Buffer.from("p@ss word/42").toString("base64")} b`)).toBe(`a ${MASK} b`);
    // Too short to be a secret worth masking (it would eat ordinary words).
    expect(redact("a tiny word")).toBe("a tiny word");
  });

  it("masks before truncating: no prefix of a credential survives the cut", () => {
    const text = `refused ${JWT} for you`;
    expect(redact(text, 20)).toBe(`refused ${MASK} f`);
  });

  it("CRD status messages are redacted before their 1024-character cut", () => {
    registerSecrets(["hdr-secret-value"]);
    const st = buildCrdStatus({
      ready: true,
      backends: [
        {
          name: "b",
          url: "http://b",
          health: "unhealthy",
          message: `${"x".repeat(1000)} hdr-secret-value ${JWT}`,
        },
      ],
      capabilities: { toolCount: 0, resourceCount: 0, promptCount: 0, compositeToolCount: 0 },
      previousConditions: [],
      now: "2026-01-01T00:00:00Z",
      generation: 1,
    });
    const text = JSON.stringify(st);
    expect(text).not.toContain("hdr-secret");
    expect(text).not.toContain("eyJ");
  });
});

describe("backend transition Events", () => {
  it("carry the cause with credentials and registered secrets masked", () => {
    registerSecrets(["client-secret-42"]);
    const e = backendEvent({
      backend: "g2",
      kind: "unavailable",
      message: `Health check failed: HTTP 401 for Bearer ${JWT} (client_secret=client-secret-42)`,
    });
    expect(e.note).toBe(
      `Backend 'g2' unavailable: Health check failed: HTTP 401 for Bearer ${MASK} (client_secret=${MASK})`,
    );
  });
});

describe("secretValues", () => {
  it("lists inline secrets and those read from the environment, for every strategy and OIDC", () => {
    const config = {
      incomingAuth: { type: "oidc", oidc: { clientSecretEnv: "OIDC" } },
      outgoingAuth: {
        default: { type: "bearer_token", bearerToken: { token: "inline-bearer" } },
        backends: {
          a: { type: "header_injection", headerInjection: { headerName: "x", headerValue: "inline-hdr" } },
          b: { type: "token_exchange", tokenExchange: { clientSecretEnv: "TE" } },
        },
      },
    };
    const env = new Map([
      ["env:OIDC", "oidc-from-env"],
      ["env:TE", "te-from-env"],
    ]);
    expect(new Set(secretValues(config, env))).toEqual(
      new Set(["inline-bearer", "inline-hdr", "oidc-from-env", "te-from-env"]),
    );
  });
});
