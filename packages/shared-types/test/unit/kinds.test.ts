import { describe, expect, it } from "vitest";
import type * as z from "zod";
import {
  KIND_NAMES,
  KIND_SCHEMAS,
  MCPServerEntrySchema,
  VirtualMCPCompositeToolDefinitionSchema,
  VirtualMCPServerSchema,
  VirtualMCPServerSpecSchema,
} from "../../src/index.ts";
import { INVALID_CASES, invalidObject, minimalObjects, validObjects } from "../fixtures/objects.ts";

/** API server field path with map keys as `.key` (CEL names them `[key]`, schema errors `.key`). */
const normalize = (field: string) => field.replace(/\[([^\]0-9][^\]]*)\]/g, ".$1");

/** The fields zod names, in the API server's notation; unknown keys name the key itself. */
function zodFields(issues: z.core.$ZodIssue[]): string[] {
  return issues.flatMap((i) => {
    const path = i.path
      .map((p) => (typeof p === "number" ? `[${p}]` : `.${String(p)}`))
      .join("")
      .slice(1);
    if (i.code === "unrecognized_keys") return i.keys.map((k) => `${path}.${k}`);
    // A bad map key: the API server (CEL on the map) names the map, zod the key.
    if (i.code === "invalid_key") return [path.slice(0, path.lastIndexOf("."))];
    return [path];
  });
}

describe("kind schemas", () => {
  it.each(KIND_NAMES)("%s accepts the full and the minimal object", (kind) => {
    expect(KIND_SCHEMAS[kind].safeParse(validObjects()[kind]).error).toBeUndefined();
    expect(KIND_SCHEMAS[kind].safeParse(minimalObjects()[kind]).error).toBeUndefined();
  });

  // The same table the API server must reject (integration): zod and the CRD agree.
  it.each(INVALID_CASES.map((c) => [c.name, c] as const))("rejects %s, naming the same field", (_name, c) => {
    const result = KIND_SCHEMAS[c.kind].safeParse(invalidObject(c, "x"));
    expect(result.success).toBe(false);
    expect(zodFields(result.error?.issues ?? [])).toContain(normalize(c.field));
  });

  it("rejects a status with an unknown phase and a wrong apiVersion", () => {
    const vmcp = { ...validObjects().VirtualMCPServer, status: { phase: "Running" } };
    expect(VirtualMCPServerSchema.safeParse(vmcp).success).toBe(false);
    expect(
      VirtualMCPServerSchema.safeParse({ ...vmcp, status: {}, apiVersion: "toolhive.stacklok.dev/v1alpha1" })
        .success,
    ).toBe(false);
  });

  it("the minimal VirtualMCPServer gets the ToolHive defaults", () => {
    const spec = VirtualMCPServerSpecSchema.parse(minimalObjects().VirtualMCPServer.spec);
    expect(spec.outgoingAuth.source).toBe("discovered");
    expect(spec.serviceType).toBe("ClusterIP");
    expect(spec.sessionAffinity).toBe("ClientIP");
    expect(spec.config.aggregation.conflictResolution).toBe("prefix");
    expect(spec.config.aggregation.conflictResolutionConfig.prefixFormat).toBe("{workload}_");
    expect(spec.config.operational.failureHandling.circuitBreaker).toEqual({
      enabled: false,
      failureThreshold: 5,
      timeout: "60s",
    });
    expect(spec.replicas).toBeUndefined();
  });

  it("MCPServerEntry has no transport default and caBundleRef key defaults to ca.crt", () => {
    const entry = MCPServerEntrySchema.parse(minimalObjects().MCPServerEntry);
    expect(entry.spec.caBundleRef?.configMapRef.key).toBe("ca.crt");
    const noTransport = structuredClone(minimalObjects().MCPServerEntry);
    delete (noTransport.spec as Record<string, unknown>).transport;
    expect(MCPServerEntrySchema.safeParse(noTransport).success).toBe(false);
  });

  it("reports a dependency cycle and unknown dependsOn (not expressible in CEL)", () => {
    const def = structuredClone(validObjects().VirtualMCPCompositeToolDefinition);
    // biome-ignore lint/suspicious/noExplicitAny: reaching into the fixture.
    const steps = (def.spec as any).steps;
    steps[0].dependsOn = ["comment"];
    const cycle = VirtualMCPCompositeToolDefinitionSchema.safeParse(def);
    expect(cycle.error?.issues.map((i) => i.message)).toContain(
      "dependency cycle: fetch -> comment -> confirm -> fetch",
    );
    steps[0].dependsOn = ["nope"];
    const unknown = VirtualMCPCompositeToolDefinitionSchema.safeParse(def);
    expect(unknown.error?.issues[0]).toMatchObject({
      message: "dependsOn names unknown step nope",
      path: ["spec", "steps", 0, "dependsOn"],
    });
  });
});
