import type { KubeConfig } from "@kubernetes/client-node";
import { Informer, type InformerEvent } from "@vmcp/kube-kit/informer";
import { type ControlPlane, createNamespace, startControlPlane } from "@vmcp/testenv";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { configMap, create, eventually, patch, remove } from "./helpers.ts";

// Fault tests stop the API server, so they run on a control plane of their own.
type CM = {
  metadata: { name: string; namespace?: string; resourceVersion?: string };
  data?: Record<string, string>;
};

let plane: ControlPlane;
let kc: KubeConfig;
let ns: string;
const unhandled: unknown[] = [];
const onUnhandled = (err: unknown) => unhandled.push(err);

beforeAll(async () => {
  process.on("unhandledRejection", onUnhandled);
  plane = await startControlPlane({ installCrds: false });
  kc = plane.kubeConfig();
  ns = (await createNamespace(kc, "kit-faults")).name;
});
afterAll(async () => {
  process.off("unhandledRejection", onUnhandled);
  await plane?.stop();
});

function informer(): Informer<CM> {
  return new Informer<CM>({
    kc,
    group: "",
    version: "v1",
    plural: "configmaps",
    namespace: ns,
    backoff: { initialMs: 100, maxMs: 1000 },
  });
}

/** Compacts etcd up to `revision` through its JSON gateway: old resourceVersions are gone for real. */
async function compactEtcd(revision: string): Promise<void> {
  const res = await fetch(`${plane.info().etcdUrl}/v3/kv/compaction`, {
    method: "POST",
    body: JSON.stringify({ revision, physical: true }),
  });
  expect(res.status).toBe(200);
}

describe("Informer under API server faults", () => {
  it("keeps delivering events after the API server restarts, with one watch and no unhandled rejection", async () => {
    const inf = informer();
    await inf.start();
    try {
      await create(kc, configMap(ns, "before"));
      await eventually(() => inf.get(ns, "before"), "event before the restart");

      await plane.stopApiServer();
      const errorsBefore = inf.stats.errors;
      await eventually(
        () => inf.stats.errors > errorsBefore + 1,
        "failed reconnect attempts while the server is down",
      );
      expect(inf.stats.activeWatches).toBe(0);
      await plane.startApiServer();

      await create(kc, configMap(ns, "after"));
      await eventually(() => inf.get(ns, "after"), "event after the restart");
      expect(inf.stats.activeWatches).toBe(1);
      expect(inf.get(ns, "before")).toBeDefined();
    } finally {
      await inf.stop();
    }
    expect(inf.stats.activeWatches).toBe(0);
    expect(unhandled).toEqual([]);
  });

  it("relists after 410 Gone (etcd compacted while it was away) and emits the missed changes as events", async () => {
    await create(kc, configMap(ns, "stays", { v: "1" }));
    await create(kc, configMap(ns, "goes", { v: "1" }));
    const inf = informer();
    await inf.start();
    await eventually(() => inf.get(ns, "goes"), "initial objects");
    await inf.stop();

    // Changes made while the informer is away, then the history it would resume from is destroyed:
    // etcd compaction, plus an API server restart so its watch cache cannot serve the old version.
    await create(kc, configMap(ns, "appears", { v: "1" }));
    await remove(kc, configMap(ns, "goes"));
    const updated = await patch(kc, configMap(ns, "stays"), { data: { v: "2" } });
    await compactEtcd(updated.metadata.resourceVersion as string);
    await plane.stopApiServer();
    await plane.startApiServer();

    const events: InformerEvent<CM>[] = [];
    inf.onEvent((e) => events.push(e));
    const listsBefore = inf.stats.lists;
    await inf.start();
    try {
      await eventually(() => inf.stats.gone >= 1 && inf.stats.lists > listsBefore, "410 Gone and a relist");
      await eventually(() => events.length >= 3, "synthetic events");
      expect(events.map((e) => `${e.type}:${e.obj.metadata.name}`).sort()).toEqual([
        "add:appears",
        "delete:goes",
        "update:stays",
      ]);
      expect(events.find((e) => e.type === "update")?.old?.data?.v).toBe("1");

      await create(kc, configMap(ns, "later"));
      await eventually(() => inf.get(ns, "later"), "events after the relist");
      expect(inf.stats.activeWatches).toBe(1);
    } finally {
      await inf.stop();
    }
    expect(unhandled).toEqual([]);
  });
});
