import type { ServerResponse } from "node:http";
import { redact } from "@vmcp/shared-types";
import { ANONYMOUS_IDENTITY } from "../auth/identity.ts";
import { ListFilter } from "../authz/filter.ts";
import { AUTHZ_DENIED_CODE, denialMessage, gate } from "../authz/gate.ts";
import {
  ErrorCodes,
  errorResponse,
  isObject,
  type JsonRpcRequest,
  resultResponse,
} from "../protocol/jsonrpc.ts";
import { LIST_FIELDS, ListBytes, replyWithResult } from "./list-bytes.ts";
import type { CallRunner } from "./mcp-call.ts";
import type { RequestObserver } from "./mcp-observe.ts";
import { LOCAL, type McpHandlerOptions, methodLabel } from "./mcp-options.ts";
import { reply } from "./mcp-transport.ts";
import { renameParam } from "./rename.ts";
import type { ClientSession } from "./session.ts";
import type { AggregateView } from "./types.ts";

type RouterOptions = Pick<
  McpHandlerOptions,
  "catalog" | "authz" | "composite" | "listPageSize" | "partialFailureMode" | "log"
>;

/** Which request goes where: answered from the aggregate (lists, ping, logging level), refused
 * (policy, unknown names, withdrawn backends), or handed to the call runner for the backend that
 * owns the tool, prompt or resource. */
export class RequestRouter {
  readonly #o: RouterOptions;
  readonly #observer: RequestObserver;
  readonly #calls: CallRunner;
  readonly #advertised = new WeakMap<AggregateView, { tools: Set<string>; prompts: Set<string> }>();
  readonly #lists: ListFilter | undefined;
  readonly #listBytes: ListBytes;

  constructor(o: RouterOptions, observer: RequestObserver, calls: CallRunner) {
    this.#o = o;
    this.#observer = observer;
    this.#calls = calls;
    if (o.authz) this.#lists = new ListFilter(o.authz);
    this.#listBytes = new ListBytes(o.listPageSize);
  }

  #names(view: AggregateView): { tools: Set<string>; prompts: Set<string> } {
    let n = this.#advertised.get(view);
    if (!n) {
      n = {
        tools: new Set(view.tools.map((t) => t.name)),
        prompts: new Set(view.prompts.map((p) => p.name)),
      };
      this.#advertised.set(view, n);
    }
    return n;
  }

  /** Not async: a forwarded call's own promise goes back to the handler's POST, one async frame and its
   * turns fewer per call. */
  request(
    s: ClientSession,
    msg: JsonRpcRequest,
    body: string,
    res: ServerResponse,
    startNs: bigint,
  ): Promise<void> | void {
    const view = this.#o.catalog.view;
    const params = msg.params;
    const observer = this.#observer;
    const calls = this.#calls;
    const local = (result: unknown) => {
      reply(res, 200, resultResponse(msg.id, result));
      observer.observe(LOCAL, msg, msg.method, "ok", startNs);
    };
    const refuse = (code: number, message: string) => {
      reply(res, 200, errorResponse(msg.id, code, message));
      observer.observe(LOCAL, msg, methodLabel(msg.method), "error", startNs);
    };
    const authz = this.#o.authz;
    const audit = observer.audited(msg, s.identity);
    if (authz) {
      const who = s.identity ?? ANONYMOUS_IDENTITY;
      const g = gate(authz, who, msg.method, params);
      if (g && audit) audit.decision = g.decision.allowed ? "allow" : "deny";
      if (g && !g.decision.allowed) {
        if (g.decision.errors.length > 0)
          this.#o.log.warn({ method: msg.method, errors: g.decision.errors }, "authorization policy errored");
        return refuse(AUTHZ_DENIED_CODE, denialMessage(msg.method, g.target, who));
      }
    }
    switch (msg.method) {
      case "tools/call": {
        const name = params?.name;
        const route =
          typeof name === "string" && this.#names(view).tools.has(name)
            ? view.toolRoutes.get(name)
            : undefined;
        if (!route) {
          // Composite names are looked up only when no backend tool matched: the forward path
          // stays a single Set check.
          const composite = this.#o.composite?.forView(view);
          if (composite && typeof name === "string" && composite.names.has(name))
            return calls.composite(s, msg, name, view, res, startNs);
          const gone = typeof name === "string" ? this.#o.catalog.withdrawnBackend("tools", name) : undefined;
          if (gone) return calls.unavailable(gone, msg, res, startNs);
          return refuse(ErrorCodes.InvalidParams, `Unknown tool: ${String(name)}`);
        }
        const out = route.name === name ? body : renameParam(body, msg, String(name), route.name);
        return calls.forward(s, route.backend, msg, out, res, startNs);
      }
      case "prompts/get": {
        const name = params?.name;
        const route =
          typeof name === "string" && this.#names(view).prompts.has(name)
            ? view.promptRoutes.get(name)
            : undefined;
        if (!route) {
          const gone =
            typeof name === "string" ? this.#o.catalog.withdrawnBackend("prompts", name) : undefined;
          if (gone) return calls.unavailable(gone, msg, res, startNs);
          return refuse(ErrorCodes.InvalidParams, `Unknown prompt: ${String(name)}`);
        }
        const out = route.name === name ? body : renameParam(body, msg, String(name), route.name);
        return calls.forward(s, route.backend, msg, out, res, startNs);
      }
      case "resources/read":
      case "resources/subscribe":
      case "resources/unsubscribe": {
        const uri = params?.uri;
        const backend = typeof uri === "string" ? this.#o.catalog.resourceBackend(uri) : undefined;
        if (!backend || typeof uri !== "string") {
          const gone =
            typeof uri === "string" ? this.#o.catalog.withdrawnBackend("resources", uri) : undefined;
          if (gone) return calls.unavailable(gone, msg, res, startNs);
          return refuse(ErrorCodes.ResourceNotFound, `Resource not found: ${String(uri)}`);
        }
        if (msg.method === "resources/subscribe") s.subscriptions.set(uri, backend);
        if (msg.method === "resources/unsubscribe") s.subscriptions.delete(uri);
        return calls.forward(s, backend, msg, body, res, startNs);
      }
      case "completion/complete": {
        const ref = params?.ref;
        if (!isObject(ref)) return refuse(ErrorCodes.InvalidParams, "completion/complete needs params.ref");
        if (ref.type === "ref/prompt" && typeof ref.name === "string") {
          const route = this.#names(view).prompts.has(ref.name) ? view.promptRoutes.get(ref.name) : undefined;
          if (!route) return refuse(ErrorCodes.InvalidParams, `Unknown prompt: ${ref.name}`);
          const out =
            route.name === ref.name
              ? body
              : JSON.stringify({ ...msg, params: { ...params, ref: { ...ref, name: route.name } } });
          return calls.forward(s, route.backend, msg, out, res, startNs);
        }
        if (ref.type === "ref/resource" && typeof ref.uri === "string") {
          const uri = ref.uri;
          const backend =
            view.resourceTemplates.find((t) => t.uriTemplate === uri)?.backend ??
            this.#o.catalog.resourceBackend(uri);
          if (!backend) return refuse(ErrorCodes.ResourceNotFound, `Resource not found: ${uri}`);
          return calls.forward(s, backend, msg, body, res, startNs);
        }
        return refuse(ErrorCodes.InvalidParams, "completion/complete: unsupported ref");
      }
      case "tools/list":
      case "resources/list":
      case "resources/templates/list":
      case "prompts/list": {
        const failure = this.#listingFailure();
        if (failure) return refuse(ErrorCodes.BackendError, failure);
        const lists = this.#lists;
        const who = s.identity ?? ANONYMOUS_IDENTITY;
        let items: readonly object[];
        if (msg.method === "tools/list") {
          const tools = this.#o.composite ? this.#o.composite.forView(view).advertised : view.tools;
          items = lists ? lists.filter("tool", tools, who) : tools;
        } else if (msg.method === "prompts/list")
          items = lists ? lists.filter("prompt", view.prompts, who) : view.prompts;
        else if (msg.method === "resources/list")
          items = lists ? lists.filter("resource", view.resources, who) : view.resources;
        else items = this.#listBytes.templates(view.resourceTemplates);
        const field = LIST_FIELDS[msg.method] ?? "tools";
        const answer = this.#listBytes.answer(field, items, params?.cursor);
        if (!answer.ok) return refuse(ErrorCodes.InvalidParams, answer.message);
        replyWithResult(res, msg.id, answer.result);
        return observer.observe(LOCAL, msg, msg.method, "ok", startNs);
      }
      case "ping":
        return local({});
      case "logging/setLevel": {
        const level = params?.level;
        if (typeof level !== "string")
          return refuse(ErrorCodes.InvalidParams, "logging/setLevel needs params.level");
        s.logLevel = level;
        // Each backend session of this client gets the level; sessions opened later get it on open.
        return Promise.allSettled(
          s
            .openBackends()
            .filter((b) => b.serverCapabilities.logging)
            .map((b) => b.request("logging/setLevel", { level })),
        ).then(() => local({}));
      }
      case "initialize":
        return refuse(ErrorCodes.InvalidRequest, "Invalid Request: session already initialized");
      default:
        return refuse(ErrorCodes.MethodNotFound, `Method not found: ${msg.method}`);
    }
  }

  #listingFailure(): string | undefined {
    if (this.#o.partialFailureMode !== "fail") return undefined;
    const missing = this.#o.catalog.unlisted();
    if (missing.length === 0) return undefined;
    return redact(
      `capabilities unavailable (partialFailureMode: fail): ${missing
        .map((e) => `backend '${e.spec.name}'${e.lastError ? ` (${e.lastError})` : " (not listed yet)"}`)
        .join(", ")}`,
    );
  }
}
