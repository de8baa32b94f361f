import type { KubeConnection } from "@vmcp/kube-kit/connection";
import { isNotFound, kubeRequest } from "@vmcp/kube-kit/http";
import { Informer, type KubeObject } from "@vmcp/kube-kit/informer";
import {
  GROUP,
  KIND_INFO,
  type MCPExternalAuthConfig,
  MCPExternalAuthConfigSchema,
  type MCPRemoteProxy,
  MCPRemoteProxySchema,
  type MCPServer,
  type MCPServerEntry,
  MCPServerEntrySchema,
  MCPServerSchema,
  VERSION,
  type VmcpConfig,
} from "@vmcp/shared-types";
import * as z from "zod";
import { createOutgoingAuth } from "../auth/outgoing.ts";
import type { OutgoingAuth } from "../backends/types.ts";
import type { ResolvedSecrets } from "../config/load.ts";
import { type Logger, silentLogger } from "../logger.ts";
import type { BackendRegistry } from "../registry/registry.ts";
import type { BackendSpec } from "../registry/types.ts";
import {
  authFingerprint,
  backendSpec,
  collectWorkloads,
  planAuth,
  type SecretRef,
  secretsMap,
  type Workload,
} from "./convert.ts";

/** A group member the runtime found but will not route to, and why (reported in status). */
export interface DiscoveryProblem {
  name: string;
  url: string;
  authConfigRef: string | undefined;
  message: string;
}

export interface KubernetesDiscoveryOptions {
  kc: KubeConnection;
  namespace: string;
  group: string;
  config: VmcpConfig;
  /** Env-var secrets from config.yaml, for backends without an externalAuthConfigRef. */
  configSecrets: ResolvedSecrets;
  registry: BackendRegistry;
  log?: Logger;
  /**
   * Secrets and CA bundle ConfigMaps cannot be watched (the Role grants `get` by name only):
   * re-read this often.
   */
  secretRefreshMs?: number;
  /** Coalescing of bursts of watch events into one registry update. */
  debounceMs?: number;
  /** Entries may resolve to loopback (the operator's allowance for local development). */
  allowLoopbackBackends?: boolean;
}

/** The data of a Secret (base64 values) or a ConfigMap (plain values). */
const DataSchema = z.object({ data: z.record(z.string(), z.string()).optional() });

interface Cached {
  data: Record<string, string> | undefined;
  fetchedAt: number;
}

type NamedRead = { ok: true; data: Record<string, string> | undefined } | { ok: false; message: string };

const KIND_OF = { secrets: "Secret", configmaps: "ConfigMap" } as const;

interface ResolvedAuth {
  type: string;
  strategy: VmcpConfig["outgoingAuth"]["default"];
  secrets: ResolvedSecrets;
}

/**
 * Dynamic discovery (level-triggered): watches the group's three member kinds and the auth configs
 * in one namespace; on any change recomputes the full backend list and hands it to the registry,
 * which diffs it. Auth is resolved live: the MCPExternalAuthConfig from the watch, its Secret by
 * GET (cached, re-read periodically and when the config changes). An entry's CA bundle is read the
 * same way, by name: the runtime never caches (or may even list) the namespace's other ConfigMaps. A member whose auth or CA bundle cannot be resolved is never routed; it is
 * listed in `problems` for the status.
 */
export class KubernetesDiscovery {
  readonly #o: KubernetesDiscoveryOptions;
  readonly #log: Logger;
  readonly #servers: Informer<MCPServer>;
  readonly #proxies: Informer<MCPRemoteProxy>;
  readonly #entries: Informer<MCPServerEntry>;
  readonly #authConfigs: Informer<MCPExternalAuthConfig>;
  #secrets = new Map<string, Cached>();
  #configMaps = new Map<string, Cached>();
  /** Delay before re-reading objects that could not be read (a Role update may still be on its way). */
  #retryMs = 0;
  #auth = new Map<string, ResolvedAuth>();
  #problems: DiscoveryProblem[] = [];
  #timer: NodeJS.Timeout | undefined;
  #refreshTimer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;
  #again = false;
  #stopped = false;
  #listeners = new Set<() => void>();
  #synced = false;

  constructor(o: KubernetesDiscoveryOptions) {
    this.#o = o;
    this.#log = (o.log ?? silentLogger()).child({ component: "discovery" });
    const common = {
      kc: o.kc,
      namespace: o.namespace,
      logger: this.#log,
      backoff: { initialMs: 200, maxMs: 5000 },
    };
    const crd = <T extends KubeObject>(plural: string, schema: z.ZodType<T, unknown>) =>
      new Informer<T>({
        ...common,
        group: GROUP,
        version: VERSION,
        plural,
        parse: (raw) => schema.parse(raw),
      });
    this.#servers = crd(KIND_INFO.MCPServer.plural, MCPServerSchema);
    this.#proxies = crd(KIND_INFO.MCPRemoteProxy.plural, MCPRemoteProxySchema);
    this.#entries = crd(KIND_INFO.MCPServerEntry.plural, MCPServerEntrySchema);
    this.#authConfigs = crd(KIND_INFO.MCPExternalAuthConfig.plural, MCPExternalAuthConfigSchema);
  }

  get synced(): boolean {
    return this.#synced;
  }

  /** Members found but not routed (auth or CA bundle unresolvable), sorted by name. */
  problems(): DiscoveryProblem[] {
    return this.#problems;
  }

  onProblemsChanged(l: () => void): () => void {
    this.#listeners.add(l);
    return () => this.#listeners.delete(l);
  }

  /** Outgoing auth resolved from the backend's externalAuthConfigRef (or config.yaml's). */
  outgoingAuth(spec: BackendSpec): OutgoingAuth {
    const a = this.#auth.get(spec.name);
    if (a) return createOutgoingAuth(a.strategy, a.secrets);
    return createOutgoingAuth(this.#configStrategy(spec.name), this.#o.configSecrets);
  }

  /** Resolves once every watch has listed and the registry holds the first full view. */
  async start(): Promise<void> {
    const informers = [this.#servers, this.#proxies, this.#entries, this.#authConfigs];
    // A changed auth config may name other Secrets or rotated ones: read them again.
    this.#authConfigs.onEvent(() => this.#secrets.clear());
    for (const inf of informers) inf.onEvent(() => this.#schedule());
    await Promise.all(informers.map((i) => i.start()));
    await this.#resync();
    this.#synced = true;
    const every = this.#o.secretRefreshMs ?? 60_000;
    this.#refreshTimer = setInterval(() => this.#schedule(), every);
    this.#refreshTimer.unref();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    clearInterval(this.#refreshTimer);
    await Promise.all([this.#servers, this.#proxies, this.#entries, this.#authConfigs].map((i) => i.stop()));
    await this.#running;
  }

  #schedule(): void {
    if (this.#stopped || this.#timer) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      void this.#resync();
    }, this.#o.debounceMs ?? 50);
  }

  #resync(): Promise<void> {
    if (this.#running) {
      this.#again = true;
      return this.#running;
    }
    this.#running = (async () => {
      do {
        this.#again = false;
        try {
          await this.#resyncOnce();
        } catch (err) {
          this.#log.error({ err: String(err) }, "discovery round failed; retrying");
          setTimeout(() => this.#schedule(), 1000).unref();
        }
      } while (this.#again && !this.#stopped);
      this.#running = undefined;
    })();
    return this.#running;
  }

  #configStrategy(name: string): VmcpConfig["outgoingAuth"]["default"] {
    const oa = this.#o.config.outgoingAuth;
    return oa.backends?.[name] ?? oa.default;
  }

  async #resyncOnce(): Promise<void> {
    const ns = this.#o.namespace;
    const workloads = collectWorkloads(
      this.#o.group,
      this.#servers.list(ns),
      this.#proxies.list(ns),
      this.#entries.list(ns),
    );
    const specs: BackendSpec[] = [];
    const problems: DiscoveryProblem[] = [];
    const auth = new Map<string, ResolvedAuth>();
    let unreadable = false;
    for (const w of workloads) {
      const problem = (message: string) =>
        problems.push({ name: w.name, url: w.url, authConfigRef: w.authConfigRef, message });
      const a = await this.#resolveAuth(w);
      if (!a.ok) {
        unreadable = true;
        problem(`not routed: ${a.message}`);
        continue;
      }
      let ca: string | undefined;
      if (w.caBundle) {
        const cm = await this.#readNamed("configmaps", w.caBundle.configMap);
        ca = cm.ok ? cm.data?.[w.caBundle.key] : undefined;
        if (!ca) {
          unreadable = true;
          // Fail closed: without its CA the endpoint could only be reached by trusting anyone.
          problem(
            !cm.ok
              ? `not routed: CA bundle ${cm.message}`
              : `not routed: CA bundle ConfigMap ${w.caBundle.configMap} key ${w.caBundle.key} ${cm.data ? "is missing" : "not found"}`,
          );
          continue;
        }
      }
      auth.set(w.name, a.auth);
      specs.push(
        backendSpec(
          w,
          this.#o.config,
          { type: a.auth.type, fingerprint: authFingerprint(a.auth.strategy, a.auth.secrets) },
          ca,
          { allowLoopback: this.#o.allowLoopbackBackends === true },
        ),
      );
    }
    if (this.#stopped) return;
    this.#retryLater(unreadable);
    this.#auth = auth;
    const changes = this.#o.registry.replaceAll(specs);
    if (changes.length > 0)
      this.#log.info(
        { changes: changes.map((c) => `${c.type}:${c.backend.name}`) },
        "discovered backends changed",
      );
    if (JSON.stringify(problems) !== JSON.stringify(this.#problems)) {
      this.#problems = problems;
      for (const p of problems) this.#log.warn({ backend: p.name }, p.message);
      for (const l of this.#listeners) l();
    }
  }

  async #resolveAuth(
    w: Workload,
  ): Promise<{ ok: true; auth: ResolvedAuth } | { ok: false; message: string }> {
    if (!w.authConfigRef || this.#o.config.outgoingAuth.source !== "discovered") {
      const strategy = this.#configStrategy(w.name);
      return {
        ok: true,
        auth: { type: strategy?.type ?? "unauthenticated", strategy, secrets: this.#o.configSecrets },
      };
    }
    const cfg = this.#authConfigs.get(this.#o.namespace, w.authConfigRef);
    const plan = planAuth(w.authConfigRef, cfg);
    if (!plan.ok) return { ok: false, message: plan.message };
    const values: Array<{ env: string; value: string }> = [];
    for (const ref of plan.secrets) {
      const v = await this.#readSecret(ref);
      if (!v.ok) return { ok: false, message: `auth config ${w.authConfigRef}: ${v.message}` };
      values.push({ env: ref.env, value: v.value });
    }
    return {
      ok: true,
      auth: { type: plan.strategy.type, strategy: plan.strategy, secrets: secretsMap(values) },
    };
  }

  /**
   * A round that could not read a Secret or CA bundle tries again soon (doubling up to the refresh
   * interval): right after an entry appears, the operator may not have widened the Role yet.
   */
  #retryLater(unreadable: boolean): void {
    const max = this.#o.secretRefreshMs ?? 60_000;
    if (!unreadable) {
      this.#retryMs = 0;
      return;
    }
    this.#retryMs = Math.min(max, this.#retryMs === 0 ? 500 : this.#retryMs * 2);
    setTimeout(() => this.#schedule(), this.#retryMs).unref();
  }

  async #readSecret(ref: SecretRef): Promise<{ ok: true; value: string } | { ok: false; message: string }> {
    const r = await this.#readNamed("secrets", ref.secretName);
    return r.ok ? decode(r.data, ref) : r;
  }

  /** GET by name (the Role allows nothing else), cached for secretRefreshMs; data undefined = not found. */
  async #readNamed(plural: keyof typeof KIND_OF, name: string): Promise<NamedRead> {
    const cache = plural === "secrets" ? this.#secrets : this.#configMaps;
    const maxAge = this.#o.secretRefreshMs ?? 60_000;
    let cached = cache.get(name);
    if (!cached || Date.now() - cached.fetchedAt >= maxAge) {
      try {
        const raw = await kubeRequest(this.#o.kc, {
          method: "GET",
          path: `/api/v1/namespaces/${encodeURIComponent(this.#o.namespace)}/${plural}/${encodeURIComponent(name)}`,
          timeoutMs: 10_000,
        });
        cached = { data: DataSchema.parse(raw).data ?? {}, fetchedAt: Date.now() };
      } catch (err) {
        if (!isNotFound(err)) {
          // A transient API error keeps the last value we had rather than unrouting a backend.
          if (cached) return { ok: true, data: cached.data };
          return { ok: false, message: `${KIND_OF[plural]} ${name} could not be read: ${String(err)}` };
        }
        // Not cached: an object created later is picked up by a later round.
        cache.delete(name);
        return { ok: true, data: undefined };
      }
      cache.set(name, cached);
    }
    return { ok: true, data: cached.data };
  }

  /** Auth configs changed: drop cached Secrets so the next round reads them again. */
  invalidateSecrets(): void {
    this.#secrets.clear();
  }
}

function decode(
  data: Record<string, string> | undefined,
  ref: SecretRef,
): { ok: true; value: string } | { ok: false; message: string } {
  if (!data) return { ok: false, message: `Secret ${ref.secretName} not found` };
  const b64 = data[ref.key];
  if (b64 === undefined) return { ok: false, message: `Secret ${ref.secretName} has no key ${ref.key}` };
  return { ok: true, value: Buffer.from(b64, "base64").toString("utf8") };
}
