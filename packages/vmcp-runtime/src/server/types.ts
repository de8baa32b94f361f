import type { IncomingHttpHeaders } from "node:http";
import type { AggregateView, BackendCapabilities } from "../aggregation/types.ts";
import type { Identity } from "../backends/types.ts";

// One definition, in aggregation (which merges them); named here too for the server's users.
export type { AggregateView, BackendCapabilities };

export type AggregateFn = (caps: BackendCapabilities[]) => AggregateView;

export type AuthResult =
  | { ok: true; identity: Identity }
  | { ok: false; status: 401 | 403; wwwAuthenticate: string; error: string };

/** Incoming auth (contract with auth/incoming.ts). */
export interface IncomingAuth {
  authenticate(headers: IncomingHttpHeaders): Promise<AuthResult>;
  protectedResourceMetadata(): object | undefined;
}
