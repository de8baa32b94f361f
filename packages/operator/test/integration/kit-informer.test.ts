import type { KubeConfig } from "@kubernetes/client-node";
import { Informer, type InformerEvent } from "@vmcp/kube-kit/informer";
import { createNamespace, type TestNamespace } from "@vmcp/testenv";
import { testKubeConfig } from "@vmcp/testenv/vitest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { configMap, create, eventually, patch, remove } from "./helpers.ts";

type CM = {
  apiVersion?: string;
  kind?: string;
  metadata: { name: string; namespace?: string; resourceVersion?: string };
  data?: Record<string, string>;
};

let kc: KubeConfig;
let ns: TestNamespace;

beforeAll(async () => {
  kc = testKubeConfig();
  ns = await createNamespace(kc, "kit-informer");
});
afterAll(async () => {
  await ns?.delete();
});

function configMapInformer(): Informer<CM> {
  return new Informer<CM>({
    kc,
    group: "",
    version: "v1",
    plural: "configmaps",
    namespace: ns.name,
    indexers: { byColor: (o) => (o.data?.color ? [o.data.color] : []) },
    backoff: { initialMs: 50, maxMs: 500 },
  });
}

describe("Informer against the API server", () => {
  it("lists, then delivers add/update/delete with the old object, and keeps indexes current", async () => {
    await create(kc, configMap(ns.name, "pre", { color: "red" }));
    const inf = configMapInformer();
    const events: InformerEvent<CM>[] = [];
    inf.onEvent((e) => events.push(e));
    await inf.start();
    try {
      expect(inf.hasSynced()).toBe(true);
      expect(inf.get(ns.name, "pre")?.data?.color).toBe("red");
      expect(inf.byIndex("byColor", "red").map((o) => o.metadata.name)).toEqual(["pre"]);

      await create(kc, configMap(ns.name, "live", { color: "blue" }));
      await eventually(() => inf.get(ns.name, "live"), "add event");
      await patch(kc, configMap(ns.name, "live"), { data: { color: "red" } });
      const upd = await eventually(
        () => events.find((e) => e.type === "update" && e.obj.metadata.name === "live"),
        "update event",
      );
      expect(upd.old?.data?.color).toBe("blue");
      expect(
        inf
          .byIndex("byColor", "red")
          .map((o) => o.metadata.name)
          .sort(),
      ).toEqual(["live", "pre"]);
      expect(inf.byIndex("byColor", "blue")).toEqual([]);

      await remove(kc, configMap(ns.name, "live"));
      await eventually(
        () => events.find((e) => e.type === "delete" && e.obj.metadata.name === "live"),
        "delete event",
      );
      expect(inf.get(ns.name, "live")).toBeUndefined();
      expect(inf.stats.activeWatches).toBe(1);
    } finally {
      await inf.stop();
    }
    await remove(kc, configMap(ns.name, "pre"));
  });

  it("derives a parsed view from another informer without a second watch", async () => {
    const source = configMapInformer();
    type Parsed = CM & { color: string };
    const view = new Informer<Parsed>({
      kc,
      group: "",
      version: "v1",
      plural: "configmaps",
      source: source as unknown as Informer<{ metadata?: { name?: string } }>,
      parse: (raw) => {
        const cm = raw as CM;
        if (!cm.data?.color) throw new Error("no color");
        return { ...cm, color: cm.data.color.toUpperCase() };
      },
    });
    await create(kc, configMap(ns.name, "view-pre", { color: "green" }));
    await create(kc, configMap(ns.name, "view-nocolor"));
    const events: InformerEvent<Parsed>[] = [];
    view.onEvent((e) => events.push(e));
    await view.start();
    try {
      expect(view.get(ns.name, "view-pre")?.color).toBe("GREEN");
      expect(view.get(ns.name, "view-nocolor")).toBeUndefined();
      await patch(kc, configMap(ns.name, "view-pre"), { data: { color: "teal" } });
      const upd = await eventually(() => events.find((e) => e.type === "update"), "update through the view");
      expect([upd.old?.color, upd.obj.color]).toEqual(["GREEN", "TEAL"]);
      // An object that stops parsing leaves the view.
      await patch(kc, configMap(ns.name, "view-pre"), { data: { color: null } });
      await eventually(() => events.find((e) => e.type === "delete"), "delete when it no longer parses");
      expect(source.stats.watches).toBe(1);
      expect(view.stats.watches).toBe(0);
    } finally {
      await view.stop();
      await source.stop();
    }
  });
});
