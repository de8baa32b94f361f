import { ApiException, CoreV1Api } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ControlPlane, startControlPlane } from "../../src/control-plane.ts";
import { errorText } from "./helpers.ts";

// Restarting the apiserver would disturb every other test file, so this one owns its control plane.
describe("stopApiServer / startApiServer", () => {
  let plane: ControlPlane;
  beforeAll(async () => {
    plane = await startControlPlane({ installCrds: false });
  });
  afterAll(async () => {
    await plane?.stop();
  });

  it("fails requests while stopped, serves them again on the same URL after restart, data kept", async () => {
    const api = plane.kubeConfig().makeApiClient(CoreV1Api);
    const server = plane.server;
    await api.createNamespacedConfigMap({
      namespace: "default",
      body: { metadata: { name: "survivor" }, data: { answer: "42" } },
    });

    await plane.stopApiServer();
    const failure = await api.readNamespacedConfigMap({ name: "survivor", namespace: "default" }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(failure).not.toBeNull();
    expect(failure).not.toBeInstanceOf(ApiException); // no HTTP answer at all
    expect(errorText(failure)).toMatch(/ECONNREFUSED/);

    await plane.startApiServer();
    expect(plane.server).toBe(server);
    // The same client object works again: same port, same CA, same credentials.
    const cm = await api.readNamespacedConfigMap({ name: "survivor", namespace: "default" });
    expect(cm.data).toEqual({ answer: "42" });
  });
});
