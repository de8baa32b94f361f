import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { readCrds } from "../../src/crds.ts";
import { readState, writeState } from "../../src/state.ts";

const dir = mkdtempSync(join(tmpdir(), "testenv-unit-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const crd = (name: string) =>
  `apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata:\n  name: ${name}\nspec: {}\n`;

describe("readCrds", () => {
  it("reads every CRD document of every yaml file, in file order", () => {
    const crdDir = join(dir, "crds");
    rmSync(crdDir, { recursive: true, force: true });
    mkdirSync(crdDir);
    writeFileSync(join(crdDir, "b.yaml"), crd("b.example.com"));
    writeFileSync(join(crdDir, "a.yaml"), `${crd("a1.example.com")}---\n${crd("a2.example.com")}`);
    writeFileSync(join(crdDir, "notes.txt"), "ignored");
    expect(readCrds(crdDir).map((c) => c.metadata?.name)).toEqual([
      "a1.example.com",
      "a2.example.com",
      "b.example.com",
    ]);
  });

  it("returns nothing for a missing directory (CRDs not generated yet)", () => {
    expect(readCrds(join(dir, "absent"))).toEqual([]);
  });

  it("refuses a yaml file that is not a CRD instead of installing garbage", () => {
    const bad = join(dir, "bad");
    mkdirSync(bad);
    writeFileSync(join(bad, "x.yaml"), "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n");
    expect(() => readCrds(bad)).toThrow(/not a CustomResourceDefinition/);
  });
});

describe("CLI state file", () => {
  it("round-trips and ignores corrupt or foreign content", () => {
    const file = join(dir, "state.json");
    const state = {
      version: 1 as const,
      dir: "/d",
      server: "https://127.0.0.1:1234",
      kubeconfigPath: "/d/kubeconfig",
      etcdUrl: "http://127.0.0.1:2345",
      pids: { etcd: 10, apiserver: 11 },
      kubernetes: "v1.36.3",
      etcd: "v3.6.16",
      startedAt: "2026-01-01T00:00:00.000Z",
    };
    writeState(state, file);
    expect(readState(file)).toEqual(state);
    writeFileSync(file, JSON.stringify({ version: 2 }));
    expect(readState(file)).toBeNull();
    expect(readState(join(dir, "missing.json"))).toBeNull();
  });
});
