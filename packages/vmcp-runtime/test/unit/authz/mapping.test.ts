import { describe, expect, it } from "vitest";
import { createAuthorizer } from "../../../src/authz/cedar.ts";
import { cedarRequest, principalEntity, sanitizeUri } from "../../../src/authz/mapping.ts";
import { referencedAttributes } from "../../../src/authz/policy-refs.ts";

const alice = {
  subject: "alice",
  issuer: "https://idp",
  claims: {
    sub: "alice",
    groups: ["eng", "oncall"],
    roles: "admin viewer",
    level: 3,
    ratio: 0.5,
    nested: { a: 1 },
  },
};

describe("MCP request -> Cedar request (ToolHive's mapping)", () => {
  it("principal is Client::<sub> with claim_ attributes and groups/roles as parents", () => {
    const p = principalEntity(alice, { groupClaimName: "groups", roleClaimName: "roles" });
    expect(p.uid).toEqual({ type: "Client", id: "alice" });
    expect(p.parents).toEqual([
      { type: "THVGroup", id: "eng" },
      { type: "THVGroup", id: "oncall" },
      { type: "THVGroup", id: "admin" },
      { type: "THVGroup", id: "viewer" },
    ]);
    // Cedar has no floats or records in claims: those are left out rather than guessed at.
    expect(p.attrs).toEqual({
      claim_sub: "alice",
      claim_groups: ["eng", "oncall"],
      claim_roles: "admin viewer",
      claim_level: 3,
    });
    expect(
      principalEntity(alice, { groupClaimName: "groups", groupEntityType: "Org::Team" }).parents[0],
    ).toEqual({
      type: "Org::Team",
      id: "eng",
    });
    // Without groupClaimName the first well-known group claim the token has is read.
    expect(principalEntity(alice, {}).parents.map((g) => ("id" in g ? g.id : ""))).toEqual(["eng", "oncall"]);
    expect(principalEntity({ ...alice, claims: { sub: "alice" } }, {}).parents).toEqual([]);
  });

  it("tools/call carries scalar arguments as arg_ and structures only as present", () => {
    const r = cedarRequest(principalEntity(alice, {}), {
      feature: "tool",
      name: "github_create_issue",
      arguments: { repo: "x/y", draft: true, labels: ["a"], body: { t: 1 } },
    });
    expect(r.action).toEqual({ type: "Action", id: "call_tool" });
    expect(r.resource).toEqual({ type: "Tool", id: "github_create_issue" });
    expect(r.context).toMatchObject({
      claim_sub: "alice",
      arg_repo: "x/y",
      arg_draft: true,
      arg_labels_present: true,
      arg_body_present: true,
    });
  });

  it("resource URIs are sanitized as ToolHive does, the raw URI kept as an attribute", () => {
    expect(sanitizeUri("file:///etc/a b.txt?x=1#f")).toBe("file____etc_a_b_txt_x_1_f");
    const r = cedarRequest(principalEntity(alice, {}), { feature: "resource", name: "mem://counter" });
    expect(r.resource).toEqual({ type: "Resource", id: "mem___counter" });
    expect(r.entities[2]?.attrs).toMatchObject({
      uri: "mem://counter",
      feature: "resource",
      operation: "read",
    });
  });
});

describe("Cedar engine decisions", () => {
  it("denies by default once a policy exists, and permits what a policy names", () => {
    const authz = createAuthorizer({
      type: "cedar",
      policies: ['permit(principal, action == Action::"call_tool", resource == Tool::"ok");'],
    });
    expect(authz?.authorize(alice, { feature: "tool", name: "ok" }).allowed).toBe(true);
    expect(authz?.authorize(alice, { feature: "tool", name: "other" }).allowed).toBe(false);
    expect(authz?.authorize(alice, { feature: "prompt", name: "ok" }).allowed).toBe(false);
  });

  it("entitiesJson gives policies attributes to read; type none turns authorization off", () => {
    const authz = createAuthorizer({
      type: "cedar",
      policies: [
        'permit(principal, action, resource) when { principal in THVGroup::"eng" && THVGroup::"eng".open };',
      ],
      entitiesJson: JSON.stringify([
        { uid: { type: "THVGroup", id: "eng" }, attrs: { open: true }, parents: [] },
      ]),
      groupClaimName: "groups",
    });
    expect(authz?.authorize(alice, { feature: "tool", name: "any" }).allowed).toBe(true);
    expect(createAuthorizer({ type: "none" })).toBeUndefined();
  });

  it("refuses to build from an invalid policy, with the parser's message", () => {
    expect(() => createAuthorizer({ type: "cedar", policies: ["permit(principal, action"] })).toThrow(
      /invalid Cedar authorization: policies\[0\]: failed to parse policy/,
    );
  });
});

describe("what reaches Cedar, and decision reuse", () => {
  it("only the claim_/arg_ attributes a policy names are handed over; string access hands over all", () => {
    expect(
      referencedAttributes([
        'permit(principal, action, resource) when { context.arg_force && principal.claim_email like "*" };',
      ]),
    ).toEqual({ claims: new Set(["claim_email"]), args: new Set(["arg_force"]) });
    expect(
      referencedAttributes(['permit(principal, action, resource) when { context has "arg_x" };']),
    ).toEqual({
      claims: undefined,
      args: undefined,
    });
  });

  it("a reused decision still follows the arguments a policy reads", () => {
    const authz = createAuthorizer({
      type: "cedar",
      policies: [
        "permit(principal, action, resource) unless { context has arg_force && context.arg_force };",
      ],
    });
    const call = (args: Record<string, unknown>) =>
      authz?.authorize(alice, { feature: "tool", name: "deploy", arguments: args }).allowed;
    expect(call({ force: false, note: "x".repeat(5000) })).toBe(true);
    expect(call({ force: true })).toBe(false);
    expect(call({ force: false })).toBe(true);
    expect(call({ force: true, other: 1 })).toBe(false);
  });
});
