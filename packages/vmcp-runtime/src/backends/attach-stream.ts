// A stdio MCP server's stdin and stdout through the Kubernetes attach API: a WebSocket to the
// apiserver, which the kubelet joins to the container's own stdio (the container runs with
// stdin open and stdinOnce false, so the server outlives any one attach). The pod is read first
// so a pod that is not running yet says so instead of failing the upgrade.
import { PassThrough } from "node:stream";
import { Attach, CoreV1Api, type KubeConfig } from "@kubernetes/client-node";
import type { StdioConnector, StdioStream } from "./stdio-session.ts";

export interface AttachTarget {
  namespace: string;
  pod: string;
  container: string;
}

function describeError(e: unknown): string {
  if (e instanceof Error) return e.message;
  // ws hands `onerror` an ErrorEvent-like object.
  if (e && typeof e === "object" && "message" in e) return String((e as { message: unknown }).message);
  return String(e);
}

/** Fails with why the pod cannot be attached to yet; resolves once its container is running. */
async function checkRunning(core: CoreV1Api, t: AttachTarget): Promise<void> {
  const pod = await core.readNamespacedPod({ name: t.pod, namespace: t.namespace });
  if (pod.metadata?.deletionTimestamp) throw new Error(`pod ${t.pod} is terminating`);
  const status = pod.status?.containerStatuses?.find((c) => c.name === t.container);
  if (!status?.state?.running) {
    const waiting = status?.state?.waiting;
    throw new Error(
      `container ${t.container} of pod ${t.pod} is not running (${waiting?.reason ?? pod.status?.phase ?? "unknown"})`,
    );
  }
}

export function attachConnector(kc: KubeConfig, target: AttachTarget): StdioConnector {
  const core = kc.makeApiClient(CoreV1Api);
  const attach = new Attach(kc);
  return async (signal) => {
    signal.throwIfAborted();
    try {
      await checkRunning(core, target);
    } catch (e) {
      throw new Error(`cannot attach to ${target.namespace}/${target.pod}: ${describeError(e)}`);
    }
    const stdin = new PassThrough();
    const stdout = new PassThrough();
    let ws: Awaited<ReturnType<Attach["attach"]>>;
    try {
      ws = await attach.attach(target.namespace, target.pod, target.container, stdout, null, stdin, false);
    } catch (e) {
      throw new Error(`attach to ${target.namespace}/${target.pod} failed: ${describeError(e)}`);
    }
    const closed = new Promise<string>((resolve) => {
      ws.on("close", (code: number, reason: Buffer) =>
        resolve(`the attach connection closed (${code}${reason.length ? ` ${reason.toString()}` : ""})`),
      );
      ws.on("error", (e: Error) => resolve(`the attach connection failed: ${e.message}`));
    });
    const stream: StdioStream = {
      readable: stdout,
      writable: stdin,
      closed,
      close: () => {
        ws.close();
        stdin.destroy();
      },
    };
    signal.addEventListener("abort", () => stream.close(), { once: true });
    return stream;
  };
}
