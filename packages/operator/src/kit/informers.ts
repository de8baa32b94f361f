import type { KubeConfig } from "@kubernetes/client-node";
import type { KubeObject } from "@vmcp/kube-kit/informer";
import { Informer, type InformerOptions } from "@vmcp/kube-kit/informer";
import type { Logger } from "@vmcp/kube-kit/logger";
import type { ResourceRef } from "@vmcp/kube-kit/resources";

export interface SharedInformerRequest<T extends KubeObject> extends ResourceRef {
  parse?: (raw: unknown) => T;
  /**
   * Informers are shared per resource *and variant*: the same resource parsed differently (typed vs
   * loose, full vs keys-only) is a different cache. Default "default".
   */
  variant?: string;
  labelSelector?: string;
  /** Derive from this informer's cache instead of opening another watch (see InformerOptions.source). */
  source?: Informer<KubeObject>;
}

/**
 * One informer per (resource, variant), shared by every controller of a manager, so two
 * controllers reading MCPGroups share one watch. Indexes are added by whoever needs them.
 */
export class InformerRegistry {
  readonly #kc: KubeConfig;
  readonly #namespace: string | undefined;
  readonly #logger: Logger | undefined;
  readonly #backoff: InformerOptions<KubeObject>["backoff"];
  readonly #informers = new Map<string, Informer<KubeObject>>();
  #started = false;

  constructor(opts: {
    kc: KubeConfig;
    namespace?: string;
    logger?: Logger;
    backoff?: { initialMs?: number; maxMs?: number };
  }) {
    this.#kc = opts.kc;
    this.#namespace = opts.namespace || undefined;
    this.#logger = opts.logger;
    this.#backoff = opts.backoff;
  }

  get<T extends KubeObject>(req: SharedInformerRequest<T>): Informer<T> {
    const key = `${req.group}/${req.version}/${req.plural}#${req.variant ?? "default"}`;
    let inf = this.#informers.get(key) as Informer<T> | undefined;
    if (!inf) {
      inf = new Informer<T>({
        kc: this.#kc,
        group: req.group,
        version: req.version,
        plural: req.plural,
        namespace: this.#namespace,
        parse: req.parse,
        labelSelector: req.labelSelector,
        logger: this.#logger,
        backoff: this.#backoff,
        source: req.source,
      });
      this.#informers.set(key, inf as unknown as Informer<KubeObject>);
      // An informer requested after startAll() starts at once.
      if (this.#started) void inf.start();
    }
    return inf;
  }

  all(): Informer<KubeObject>[] {
    return [...this.#informers.values()];
  }

  /** Starts every informer and resolves once all caches are synced. */
  async startAll(): Promise<void> {
    this.#started = true;
    await Promise.all(this.all().map((i) => i.start()));
  }

  hasSynced(): boolean {
    return this.all().every((i) => i.hasSynced());
  }

  async stopAll(): Promise<void> {
    this.#started = false;
    await Promise.all(this.all().map((i) => i.stop()));
  }
}
