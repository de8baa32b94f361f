import { describe, expect, it } from "vitest";
import { createOutgoingAuth } from "../../../src/auth/outgoing.ts";
import { resolveStaticHeaders, withStaticHeaders } from "../../../src/auth/static-headers.ts";
import { formatProblems, loadConfigText } from "../../../src/config/load.ts";
import { secretValues } from "../../../src/config/secrets.ts";

const config = (headers: string[]) =>
  [
    "name: p",
    "groupRef: p",
    "incomingAuth:",
    "  type: anonymous",
    "backends:",
    "  - name: crm",
    "    url: https://crm.example/mcp",
    "    transport: streamable-http",
    "    headers:",
    ...headers.map((l) => `      ${l}`),
    "",
  ].join("\n");

describe("backends[].headers: fixed headers on every request to the backend", () => {
  it("reads valueEnv once at load; plaintext values are config (not masked), env values are secrets (masked)", async () => {
    const loaded = loadConfigText(
      config(["- name: X-Tenant", "  value: acme", "- name: X-Api-Key", "  valueEnv: CRM_KEY"]),
      { CRM_KEY: "k-123" },
    );
    if (!loaded.ok) throw new Error(formatProblems(loaded.problems));
    const fixed = resolveStaticHeaders(loaded.config.backends?.[0]?.headers, loaded.secrets);
    expect(fixed).toEqual({ "x-tenant": "acme", "x-api-key": "k-123" });
    expect(secretValues(loaded.config, loaded.secrets)).toEqual(["k-123"]);
    const auth = withStaticHeaders(createOutgoingAuth(undefined, loaded.secrets), fixed);
    // Not the unauthenticated fast path, which sends no headers at all.
    expect(auth.type).toBe("static_headers");
    expect(await auth.headers({})).toEqual({ "x-tenant": "acme", "x-api-key": "k-123" });
    expect(await auth.headers({ healthCheck: true })).toEqual({ "x-tenant": "acme", "x-api-key": "k-123" });
  });

  it("the outgoing auth strategy's headers win over a fixed header of the same name", async () => {
    const auth = withStaticHeaders(
      createOutgoingAuth({ type: "bearer_token", bearerToken: { token: "t" } }, new Map()),
      { authorization: "Bearer fixed", "x-tenant": "acme" },
    );
    expect(auth.type).toBe("bearer_token");
    expect(await auth.headers({})).toEqual({ authorization: "Bearer t", "x-tenant": "acme" });
    const plain = createOutgoingAuth(undefined, new Map());
    expect(withStaticHeaders(plain, {})).toBe(plain);
  });

  it("refuses at load: an unset env var, a line break, hop-by-hop and gateway-owned names, both or neither value", () => {
    const problems = (headers: string[], env: NodeJS.ProcessEnv = {}) => {
      const r = loadConfigText(config(headers), env);
      return r.ok ? "" : formatProblems(r.problems);
    };
    expect(problems(["- name: X-Api-Key", "  valueEnv: CRM_KEY"])).toMatch(
      /backends\[0\]\.headers\[0\]\.valueEnv \(line \d+\): environment variable CRM_KEY is not set/,
    );
    expect(problems(["- name: X-Api-Key", "  valueEnv: CRM_KEY"], { CRM_KEY: "a\r\nX-Evil: 1" })).toMatch(
      /contains a line break/,
    );
    expect(problems(["- name: X-Tenant", '  value: "a\\nb"'])).toMatch(/must not contain a line break/);
    expect(problems(["- name: Connection", "  value: close"])).toMatch(
      /Connection cannot be added.*hop-by-hop/,
    );
    expect(problems(["- name: Mcp-Session-Id", "  value: s"])).toMatch(/Mcp-Session-Id cannot be added/);
    expect(problems(["- name: X-A", "  value: a", "  valueEnv: A"], { A: "a" })).toMatch(
      /exactly one of value and valueEnv/,
    );
    expect(problems(["- name: X-A", "  value: a", "- name: x-a", "  value: b"])).toMatch(
      /backends\[0\]\.headers\[1\]\.name.*x-a is set twice \(also at backends\[0\]\.headers\[0\]\)/,
    );
  });
});
