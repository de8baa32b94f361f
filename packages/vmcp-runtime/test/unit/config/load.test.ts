import { readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { formatProblems, loadConfigFile, loadConfigText, lookupEnvSecret } from "../../../src/config/load.ts";

const dir = fileURLToPath(new URL("../../fixtures/configs/", import.meta.url));
const env = { VMCP_TEST_EMPTY_SECRET: "" };

/** Every broken fixture with the problems `vmcp validate` must print (path, message fragment). */
const expected: Record<string, Array<[path: string, message: string | RegExp]>> = {
  "broken-yaml-syntax.yaml": [
    ["", /^YAML syntax error at line 4, column 9: Nested mappings/],
    ["", /^YAML syntax error at line 4, column 9: Implicit keys/],
  ],
  "broken-missing-required.yaml": [
    ["name", "is required"],
    ["groupRef", "is required"],
    ["incomingAuth", "is required"],
  ],
  "broken-unknown-key.yaml": [
    ["aggregation.conflict_resolution", 'unknown field; did you mean "conflictResolution"?'],
    ["aggregation.excludeAllTool", 'did you mean "excludeAllTools"?'],
  ],
  "broken-bad-enum.yaml": [
    ["incomingAuth.type", 'must be one of "anonymous", "oidc" (got "local")'],
    ["aggregation.conflictResolution", 'must be one of "prefix", "priority", "manual" (got "first_wins")'],
  ],
  "broken-priority-no-order.yaml": [["aggregation.conflictResolutionConfig", "priorityOrder is required"]],
  "broken-manual-no-overrides.yaml": [
    ["aggregation.tools", "conflictResolution manual needs tool overrides"],
  ],
  "broken-manual-collision.yaml": [
    ["aggregation.tools[1].overrides.fetch.name", 'collision after override: "fetch_page"'],
  ],
  "broken-duplicates.yaml": [
    ["backends[1].name", 'duplicate backend "github" (first defined at backends[0])'],
    ["aggregation.conflictResolutionConfig.priorityOrder[1]", '"github" is listed twice'],
    ["aggregation.tools[1].workload", 'duplicate workload entry "github"'],
  ],
  "broken-health-timeout.yaml": [
    [
      "operational.failureHandling.healthCheckTimeout",
      "healthCheckTimeout (10s, the default) must be shorter than healthCheckInterval (5s)",
    ],
    ["operational.failureHandling.circuitBreaker.timeout", "must be at least 1s"],
  ],
  "broken-header-both.yaml": [
    [
      "outgoingAuth.backends.github.headerInjection",
      "exactly one of headerValue and headerValueEnv must be set",
    ],
  ],
  "broken-env-missing.yaml": [
    ["outgoingAuth.default.bearerToken.tokenEnv", "environment variable VMCP_TEST_UNSET_TOKEN is not set"],
    ["outgoingAuth.backends.github.headerInjection.headerValueEnv", "VMCP_TEST_UNSET_KEY is not set"],
    ["outgoingAuth.backends.docs.tokenExchange.clientSecretEnv", "VMCP_TEST_EMPTY_SECRET is set but empty"],
    [
      "outgoingAuth.backends.docs.type",
      "token_exchange needs the caller's token, but incomingAuth is anonymous",
    ],
  ],
  "broken-anonymous-token-exchange.yaml": [
    [
      "outgoingAuth.backends.docs.type",
      "every call would fail (use incomingAuth type oidc, or another strategy)",
    ],
  ],
  "broken-passthrough.yaml": [
    [
      "passthroughHeaders[1]",
      "Authorization cannot be passed through: forwarding the caller's Authorization header is token passthrough",
    ],
    ["passthroughHeaders[2]", "Host cannot be passed through: the gateway addresses each backend itself"],
    ["passthroughHeaders[3]", "must be an HTTP header name"],
    ["passthroughHeaders[4]", "x-request-id is listed twice"],
  ],
  "broken-passthrough-proxy.yaml": [
    ["passthroughHeaders[1]", "Expect cannot be passed through: Expect: 100-continue makes the backend send"],
    ["passthroughHeaders[2]", "Accept-Encoding cannot be passed through: the gateway negotiates"],
    ["passthroughHeaders[3]", "Range cannot be passed through: a partial answer is not a JSON-RPC message"],
    ["passthroughHeaders[4]", "Forwarded cannot be passed through: is set by proxies"],
    ["passthroughHeaders[5]", "Via cannot be passed through: is set by proxies"],
    ["passthroughHeaders[6]", "X-Real-IP cannot be passed through: is set by proxies"],
    ["passthroughHeaders[7]", "Keep-Alive cannot be passed through: is a hop-by-hop header"],
    ["passthroughHeaders[8]", "Proxy-Foo cannot be passed through: is meant for a proxy"],
  ],
  "broken-backend.yaml": [
    ["backends[0].url", "must start with http:// or https://"],
    ["backends[1].transport", 'must be one of "sse", "streamable-http" (got "stdio")'],
    ["backends[2].caBundlePath", "only allowed for type entry and must be an absolute path"],
  ],
  "broken-oidc.yaml": [
    ["incomingAuth.oidc.issuer", "uses plain http"],
    ["incomingAuth.oidc.audience", "must not be empty"],
  ],
  "broken-telemetry.yaml": [
    ["telemetry.endpoint", "endpoint requires at least one of tracingEnabled or metricsEnabled"],
    ["telemetry.samplingRate", "must be a number from 0 to 1"],
    ["telemetry.headersEnv.authorization", "environment variable VMCP_TEST_UNSET_OTLP_TOKEN is not set"],
  ],
  "broken-strategy-type.yaml": [
    ["outgoingAuth.backends.aws.type", '(got "aws_sts")'],
    ["outgoingAuth.backends.api.tokenExchange.clientId", "is required when a client secret is set"],
    ["outgoingAuth.backends.api.tokenExchange.subjectTokenType", "must be access_token, id_token, jwt"],
    [
      "outgoingAuth.backends.api.type",
      "token_exchange needs the caller's token, but incomingAuth is anonymous",
    ],
  ],
  "broken-types.yaml": [
    ["groupRef", "must be a string, not a list"],
    ["operational.timeouts.default", "must be a string, not a number"],
    ["operational.failureHandling.unhealthyThreshold", "not a string"],
  ],
  "broken-top-level.yaml": [["", "the top level must be a mapping of config keys"]],
  "broken-authz.yaml": [
    [
      "incomingAuth.authz.policies[1]",
      "failed to parse policy with id `policy1` from string: unexpected end of input",
    ],
    [
      "incomingAuth.authz.policies[2]",
      "failed to parse policy with id `policy2` from string: unexpected token `forbid`",
    ],
    ["incomingAuth.authz.entitiesJson", "must be a JSON array of Cedar entities"],
  ],
};

describe("loadConfigFile on broken configs", () => {
  it("has an expectation for every broken fixture (and at least twelve of them)", () => {
    const files = readdirSync(dir).filter((f) => f.startsWith("broken-"));
    expect(files.sort()).toEqual(Object.keys(expected).sort());
    expect(files.length).toBeGreaterThanOrEqual(12);
  });

  for (const [file, wanted] of Object.entries(expected)) {
    it(`${file}: reports every problem with its path`, async () => {
      const r = await loadConfigFile(dir + file, env);
      expect(r.ok).toBe(false);
      if (r.ok) return;
      expect(r.problems).toHaveLength(wanted.length);
      for (const [path, message] of wanted) {
        const match = r.problems.find(
          (p) =>
            p.path === path &&
            (typeof message === "string" ? p.message.includes(message) : message.test(p.message)),
        );
        expect(match, `${path}: ${String(message)} in ${formatProblems(r.problems)}`).toBeDefined();
        // Nested paths point into the file; a missing top-level key has no line to point at.
        if (/[.[]/.test(path)) expect(match?.line).toBeGreaterThan(0);
      }
    });
  }

  it("never prints a secret value it read", async () => {
    const r = loadConfigText(
      [
        "name: v",
        "groupRef: g",
        "incomingAuth: {type: anonymous}",
        "outgoingAuth:",
        "  backends:",
        "    a: {type: header_injection, headerInjection: {headerName: X-Key, headerValueEnv: K}}",
        "    b: {type: token_exchange, tokenExchange: {tokenUrl: 'http://x', clientSecret: hunter2, clientSecretEnv: S}}",
      ].join("\n"),
      { K: "super-secret\nInjected: yes", S: "also-secret" },
    );
    expect(r.ok).toBe(false);
    const text = JSON.stringify(r);
    expect(text).not.toContain("super-secret");
    expect(text).not.toContain("hunter2");
    expect(text).toContain("contains a line break");
    expect(text).toContain("clientSecret and clientSecretEnv are mutually exclusive");
  });

  it("a missing file is one clear problem", async () => {
    const r = await loadConfigFile(`${dir}does-not-exist.yaml`);
    expect(r).toEqual({ ok: false, problems: [{ path: "", message: expect.stringContaining("ENOENT") }] });
  });

  it("an empty file says so", () => {
    expect(loadConfigText("# nothing\n")).toEqual({
      ok: false,
      problems: [{ path: "", message: "config file is empty" }],
    });
  });

  it("duplicate YAML keys are syntax errors with a position", () => {
    const r = loadConfigText("name: a\nname: b\n");
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.problems[0]).toMatchObject({ line: 2, message: expect.stringContaining("unique") });
  });
});

describe("ToolHive-style config files load unchanged", () => {
  it("the illustrative discovered-mode config.yaml", async () => {
    const r = await loadConfigFile(`${dir}toolhive-discovered.yaml`, {});
    if (!r.ok) throw new Error(formatProblems(r.problems));
    expect(r.config.aggregation.conflictResolution).toBe("prefix");
    expect(r.config.outgoingAuth.source).toBe("discovered");
    expect(r.config.operational.failureHandling.circuitBreaker).toEqual({
      enabled: false,
      failureThreshold: 5,
      timeout: "1m0s",
    });
    expect(r.config.operational.failureHandling.healthCheckTimeout).toBe("10s");
    expect(r.secrets.size).toBe(0);
  });

  it("a static-mode config with backends, header injection and token exchange; secrets come from env", async () => {
    const r = await loadConfigFile(`${dir}toolhive-static.yaml`, {
      VMCP_OIDC_CLIENT_SECRET: "oidc-secret",
      TOOLHIVE_HEADER_INJECTION_VALUE_GITHUB_KEY: "gh-key",
      TOOLHIVE_TOKEN_EXCHANGE_CLIENT_SECRET_DOCS: "te-secret",
    });
    if (!r.ok) throw new Error(formatProblems(r.problems));
    expect(r.config.backends?.map((b) => b.name)).toEqual(["github", "docs"]);
    expect(r.secrets.get("outgoingAuth.backends.github.headerInjection.headerValueEnv")).toBe("gh-key");
    expect(lookupEnvSecret(r.secrets, "TOOLHIVE_TOKEN_EXCHANGE_CLIENT_SECRET_DOCS")).toBe("te-secret");
    expect(lookupEnvSecret(r.secrets, "VMCP_OIDC_CLIENT_SECRET")).toBe("oidc-secret");
    // Secrets stay out of the config object, so logging it leaks nothing.
    expect(JSON.stringify(r.config)).not.toContain("gh-key");
  });

  it("accepts ToolHive's bestEffort spelling of partialFailureMode, with a warning", () => {
    const r = loadConfigText(
      "name: v\ngroupRef: g\nincomingAuth: {type: anonymous}\noperational: {failureHandling: {partialFailureMode: bestEffort}}\n",
      {},
    );
    if (!r.ok) throw new Error(formatProblems(r.problems));
    expect(r.config.operational.failureHandling.partialFailureMode).toBe("best_effort");
    expect(r.warnings).toHaveLength(1);
  });
});

describe("paths with unusual keys", () => {
  it("quotes a map key containing a dot and still finds its line", () => {
    const r = loadConfigText(
      "name: v\ngroupRef: g\nincomingAuth: {type: anonymous}\noutgoingAuth:\n  backends:\n    my.svc:\n      type: bogus\n",
      {},
    );
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.problems).toEqual([
        expect.objectContaining({ path: 'outgoingAuth.backends["my.svc"].type', line: 7 }),
      ]);
    }
  });
});

describe("formatProblems", () => {
  it("prints a count line and one line per problem with path and line", () => {
    expect(
      formatProblems(
        [
          { path: "", message: "config file is empty" },
          { path: "aggregation.tools", message: "bad", line: 4 },
        ],
        "c.yaml",
      ),
    ).toBe("c.yaml: 2 problems found\n  - config file is empty\n  - aggregation.tools (line 4): bad");
  });
});
