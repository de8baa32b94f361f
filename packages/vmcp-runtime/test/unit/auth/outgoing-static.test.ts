import type { AggregationConfig } from "@vmcp/shared-types";
import { describe, expect, it } from "vitest";
import { aggregate } from "../../../src/aggregation/aggregate.ts";
import {
  createOutgoingAuth,
  normalizeSubjectTokenType,
  OutgoingAuthError,
} from "../../../src/auth/outgoing.ts";
import { loadConfigText } from "../../../src/config/load.ts";

const cfg = [
  "name: v",
  "groupRef: g",
  "incomingAuth: {type: anonymous}",
  "outgoingAuth:",
  "  source: inline",
  "  default: {type: bearer_token, bearerToken: {tokenEnv: BEARER}}",
  "  backends:",
  "    gh: {type: header_injection, headerInjection: {headerName: X-API-Key, headerValueEnv: GH_KEY}}",
  "    inline: {type: header_injection, headerInjection: {headerName: X-Other, headerValue: inline-value}}",
  "    open: {type: unauthenticated}",
].join("\n");

function loaded() {
  const r = loadConfigText(cfg, { BEARER: "bearer-value", GH_KEY: "gh-value" });
  if (!r.ok) throw new Error(JSON.stringify(r.problems));
  return r;
}

describe("static outgoing strategies, wired from a loaded config", () => {
  it("header_injection sets the header from the env secret, health checks included", async () => {
    const { config, secrets } = loaded();
    const auth = createOutgoingAuth(config.outgoingAuth.backends?.gh, secrets);
    expect(auth.type).toBe("header_injection");
    expect(await auth.headers({})).toEqual({ "x-api-key": "gh-value" });
    expect(await auth.headers({ healthCheck: true })).toEqual({ "x-api-key": "gh-value" });
  });

  it("header_injection with an inline value, bearer_token from env, unauthenticated and no strategy", async () => {
    const { config, secrets } = loaded();
    expect(await createOutgoingAuth(config.outgoingAuth.backends?.inline, secrets).headers({})).toEqual({
      "x-other": "inline-value",
    });
    expect(await createOutgoingAuth(config.outgoingAuth.default, secrets).headers({})).toEqual({
      authorization: "Bearer bearer-value",
    });
    expect(await createOutgoingAuth(config.outgoingAuth.backends?.open, secrets).headers({})).toEqual({});
    expect(createOutgoingAuth(undefined, secrets).type).toBe("unauthenticated");
  });

  it("a strategy whose env secret was never resolved fails at construction, naming the variable only", () => {
    expect(() =>
      createOutgoingAuth(
        { type: "header_injection", headerInjection: { headerName: "X", headerValueEnv: "NOPE" } },
        new Map(),
      ),
    ).toThrow(OutgoingAuthError);
    expect(() =>
      createOutgoingAuth({ type: "bearer_token", bearerToken: { tokenEnv: "NOPE" } }, new Map()),
    ).toThrow(/environment variable NOPE was not resolved/);
  });

  it("subject token types accept the CRD shorthands", () => {
    expect(normalizeSubjectTokenType(undefined)).toBe("urn:ietf:params:oauth:token-type:access_token");
    expect(normalizeSubjectTokenType("id_token")).toBe("urn:ietf:params:oauth:token-type:id_token");
    expect(normalizeSubjectTokenType("urn:ietf:params:oauth:token-type:jwt")).toBe(
      "urn:ietf:params:oauth:token-type:jwt",
    );
  });

  it("the loaded aggregation config feeds aggregate() as is", () => {
    const { config } = loaded();
    const agg: AggregationConfig = config.aggregation;
    const r = aggregate(
      [
        {
          backend: "gh",
          tools: [{ name: "t", inputSchema: { type: "object" } }],
          resources: [],
          resourceTemplates: [],
          prompts: [],
        },
      ],
      agg,
    );
    expect(r.tools.map((t) => t.name)).toEqual(["gh_t"]);
  });
});
