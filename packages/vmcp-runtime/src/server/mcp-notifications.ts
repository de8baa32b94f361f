import type { Logger } from "../logger.ts";
import type { Metrics } from "../metrics.ts";
import type { JsonRpcId, JsonRpcNotification, JsonRpcResponse } from "../protocol/jsonrpc.ts";
import type { ListKind } from "./catalog.ts";
import type { ClientSession } from "./session.ts";
import type { SessionMap } from "./sessions.ts";

// Messages that carry no answer: client notifications, client answers to server->client
// requests, and the gateway's own list_changed broadcasts.

export function clientNotification(s: ClientSession, msg: JsonRpcNotification, body: string): void {
  switch (msg.method) {
    case "notifications/cancelled": {
      const rid = msg.params?.requestId;
      if (typeof rid !== "string" && typeof rid !== "number") return;
      const call = s.calls.get(rid);
      if (!call) return;
      // Tell the backend (ids are unchanged on the client->backend path), then stop waiting:
      // a cancelled request gets no answer, so the upstream exchange would otherwise hang.
      const bs = call.session;
      const done = bs ? bs.send(body).catch(() => {}) : Promise.resolve();
      void done.finally(() => call.controller.abort());
      return;
    }
    case "notifications/roots/list_changed":
      for (const b of s.openBackends()) void b.send(body).catch(() => {});
      return;
    default:
      // notifications/initialized and anything else concern the gateway only.
      return;
  }
}

export async function clientResponse(s: ClientSession, msg: JsonRpcResponse, log: Logger): Promise<void> {
  if (msg.id === null) return;
  try {
    const ok = await s.answerServerRequest(msg.id as JsonRpcId, msg as unknown as Record<string, unknown>);
    if (!ok) log.debug({ session: s.id, id: msg.id }, "answer to an unknown server request dropped");
  } catch (err) {
    log.warn(
      { session: s.id, err: err instanceof Error ? err.message : String(err) },
      "could not deliver answer to backend",
    );
  }
}

/** Emit list_changed for the given kinds to every connected client. */
export function broadcastListChanged(sessions: SessionMap, metrics: Metrics, kinds: ListKind[]): void {
  for (const kind of kinds) {
    const data = JSON.stringify({ jsonrpc: "2.0", method: `notifications/${kind}/list_changed` });
    for (const s of sessions.all()) s.sendToClient(data);
    metrics.listChanged.labels(kind).inc();
  }
}
