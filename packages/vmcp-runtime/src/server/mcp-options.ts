import type { Auditor } from "../audit/sink.ts";
import type { Authorizer } from "../authz/cedar.ts";
import type { RuntimeHealth } from "../health/types.ts";
import type { Logger } from "../logger.ts";
import type { Metrics } from "../metrics.ts";
import type { BodyLimits } from "./body.ts";
import type { Catalog } from "./catalog.ts";
import type { CompositeCatalog } from "./composite-host.ts";
import type { SessionMap } from "./sessions.ts";
import type { IncomingAuth } from "./types.ts";

export interface McpHandlerOptions {
  name: string;
  version: string;
  /** Evaluated per initialize: backends' instructions come and go with the catalog. */
  instructions: () => string | undefined;
  catalog: Catalog;
  sessions: SessionMap;
  health: RuntimeHealth;
  metrics: Metrics;
  log: Logger;
  body: BodyLimits;
  /** Client sessions one caller identity (anonymous: one remote address) may hold. */
  maxSessionsPerCaller: number;
  incomingAuth: () => IncomingAuth | undefined;
  passthroughHeaders: string[];
  partialFailureMode: "fail" | "best_effort";
  /** A backend's own list_changed seen on a client session. */
  onBackendListChanged: (backend: string) => void;
  /** Composite tools (config.compositeTools), validated per aggregate view. */
  composite?: CompositeCatalog | undefined;
  /** Cedar authorization; undefined when no policies are configured. */
  authz?: Authorizer | undefined;
  /** Items per page of the list methods; undefined answers every list whole. */
  listPageSize?: number | undefined;
  /** config.audit; undefined when auditing is off. */
  audit?: Auditor | undefined;
  /** False while shutting down: new sessions are refused, existing ones are still served. */
  accepting?: () => boolean;
}

/** The backend label of what the gateway answers itself (initialize, lists, composite tools). */
export const LOCAL = "vmcp";

/** Methods that get their own metrics label; anything a client invents is "other" (bounded
 * label cardinality). */
const KNOWN_METHODS = new Set([
  "initialize",
  "ping",
  "tools/list",
  "tools/call",
  "prompts/list",
  "prompts/get",
  "resources/list",
  "resources/templates/list",
  "resources/read",
  "resources/subscribe",
  "resources/unsubscribe",
  "completion/complete",
  "logging/setLevel",
]);
export const methodLabel = (m: string): string => (KNOWN_METHODS.has(m) ? m : "other");
