import { type Informer, objectKey } from "@vmcp/kube-kit/informer";
import type { ControllerContext } from "./context.ts";
import { Controller } from "./controller.ts";
import type { RawObject } from "./kinds.ts";
import { splitKey } from "./status.ts";

/**
 * The shape the status-only controllers share: a Controller keyed "namespace/name" over `objects`,
 * fed by their create/update events, whose reconcile skips objects that are gone or being deleted.
 * Triggers from referenced kinds are wired by the caller on the returned controller.
 */
export function objectStatusController(
  ctx: Pick<ControllerContext, "logger" | "metrics"> & {
    settings?: Pick<ControllerContext["settings"], "concurrency">;
  },
  name: string,
  objects: Pick<Informer<RawObject>, "get" | "onEvent">,
  reconcile: (obj: RawObject, ref: { key: string; namespace: string }) => Promise<void>,
  /** What the object's own create/update events do with its key (default: enqueue at once). */
  onChange?: (key: string) => void,
): Controller {
  const controller = new Controller({
    name,
    // The workload controllers' worker count: during a mass create every VirtualMCPServer waits
    // for its group's and members' first status, so these queues are on its path.
    ...(ctx.settings ? { concurrency: ctx.settings.concurrency } : {}),
    logger: ctx.logger,
    metrics: ctx.metrics,
    reconcile: async (key) => {
      const ref = splitKey(key);
      const obj = objects.get(ref.namespace, ref.name);
      if (obj && !obj.metadata.deletionTimestamp) await reconcile(obj, { key, namespace: ref.namespace });
      return undefined;
    },
  });
  objects.onEvent((ev) => {
    if (ev.type !== "delete") (onChange ?? ((k: string) => controller.enqueue(k)))(objectKey(ev.obj));
  });
  return controller;
}
