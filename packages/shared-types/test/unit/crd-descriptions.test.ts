import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { buildCrds } from "../../src/crd/build.ts";
import { undescribedFields } from "../../src/crd/descriptions.ts";
import { CRD_DOC, crdDoc } from "../../src/generate-crds.ts";

describe("CRD field descriptions", () => {
  it("every field of every CRD has a description (kubectl explain shows it)", () => {
    const missing = buildCrds().flatMap((crd) => undescribedFields(crd));
    expect(missing).toEqual([]);
  });

  it("finds a field without a description at any depth", () => {
    const crd = buildCrds()[0]!;
    const copy = structuredClone(crd);
    const spec = copy.spec.versions[0]!.schema.openAPIV3Schema.properties!.spec!;
    spec.properties = {
      ...spec.properties,
      extra: { type: "object", properties: { deep: { type: "string" } } },
    };
    expect(undescribedFields(copy)).toEqual([
      `${crd.spec.names.kind}.spec.extra`,
      `${crd.spec.names.kind}.spec.extra.deep`,
    ]);
  });
});

describe("docs/crds.md field reference", () => {
  it("is the rendering of the current schemas (run generate:crds after a schema change)", () => {
    expect(readFileSync(CRD_DOC, "utf8")).toBe(crdDoc());
  });

  it("lists every field with its description", () => {
    const doc = readFileSync(CRD_DOC, "utf8");
    expect(doc).toContain(
      '| `spec.config.operational.failureHandling.healthCheckInterval` | string | `"30s"` | Time between backend health checks; default 30s. |',
    );
  });
});
