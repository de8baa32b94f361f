import { sleep } from "./backoff.ts";
import type { KubeConnection } from "./connection.ts";
import { microTime } from "./events.ts";
import { isConflict, isNotFound, kubeRequest } from "./http.ts";
import { type Logger, silentLogger } from "./logger.ts";
import type { OperatorMetrics } from "./metrics.ts";

export interface LeaderElectionOptions {
  kc: KubeConnection;
  namespace: string;
  name: string;
  identity: string;
  /** How long a lease stays valid without renewal (default 15 s). */
  leaseDurationSeconds?: number;
  /** The leader gives up if it cannot renew for this long (default 10 s, must be < lease duration). */
  renewDeadlineMs?: number;
  /** Interval between acquire/renew attempts (default 2 s). */
  retryPeriodMs?: number;
  /**
   * Create the Lease when it is missing (default true). False when someone else creates it (the
   * runtime campaigns on the Lease the operator made, and may not create Leases): candidates wait.
   */
  createLease?: boolean;
  onStartedLeading: () => void | Promise<void>;
  /** Called when leadership is lost involuntarily (renewal failed or another holder took over). Not called by stop(). */
  onStoppedLeading: () => void | Promise<void>;
  logger?: Logger;
  metrics?: OperatorMetrics;
}

export interface LeaderElection {
  isLeader(): boolean;
  /** Stops campaigning and releases the lease if held, so a standby takes over at once. */
  stop(): Promise<void>;
}

interface LeaseSpec {
  holderIdentity?: string;
  leaseDurationSeconds?: number;
  acquireTime?: string;
  renewTime?: string;
  leaseTransitions?: number;
}
interface Lease {
  apiVersion?: string;
  kind?: string;
  metadata: { name: string; namespace: string; resourceVersion?: string };
  spec?: LeaseSpec;
}

/**
 * Leader election on a coordination.k8s.io/v1 Lease, following client-go's algorithm: expiry is
 * judged by when *we* last saw the lease record change (not by the holder's clock), updates use
 * optimistic concurrency on resourceVersion, and a leader that cannot renew within the renew
 * deadline steps down.
 */
export function runLeaderElection(opts: LeaderElectionOptions): LeaderElection {
  const log = (opts.logger ?? silentLogger()).child({
    component: "leader-election",
    lease: `${opts.namespace}/${opts.name}`,
  });
  const durationS = opts.leaseDurationSeconds ?? 15;
  const renewDeadline = opts.renewDeadlineMs ?? 10_000;
  const retry = opts.retryPeriodMs ?? 2_000;
  const path = `/apis/coordination.k8s.io/v1/namespaces/${encodeURIComponent(opts.namespace)}/leases`;
  const abort = new AbortController();
  let leader = false;
  let lease: Lease | undefined;
  let observedRecord = "";
  let observedAt = 0;

  const setLeader = (v: boolean) => {
    leader = v;
    opts.metrics?.leader.set(v ? 1 : 0);
  };

  async function tryAcquireOrRenew(): Promise<boolean> {
    const now = microTime();
    let current: Lease | undefined;
    try {
      current = await kubeRequest<Lease>(opts.kc, {
        method: "GET",
        path: `${path}/${opts.name}`,
        timeoutMs: renewDeadline,
      });
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
    if (!current && opts.createLease === false) {
      log.debug({}, "lease does not exist yet; waiting for it to be created");
      return false;
    }
    if (!current) {
      const created: Lease = {
        apiVersion: "coordination.k8s.io/v1",
        kind: "Lease",
        metadata: { name: opts.name, namespace: opts.namespace },
        spec: {
          holderIdentity: opts.identity,
          leaseDurationSeconds: durationS,
          acquireTime: now,
          renewTime: now,
          leaseTransitions: 0,
        },
      };
      try {
        lease = await kubeRequest<Lease>(opts.kc, {
          method: "POST",
          path,
          body: created,
          timeoutMs: renewDeadline,
        });
        return true;
      } catch (err) {
        if (isConflict(err) || (err as { code?: number }).code === 409) return false;
        throw err;
      }
    }
    const spec = current.spec ?? {};
    const record = JSON.stringify(spec);
    if (record !== observedRecord) {
      observedRecord = record;
      observedAt = Date.now();
    }
    const holder = spec.holderIdentity ?? "";
    const held = holder !== "" && holder !== opts.identity;
    const validFor = (spec.leaseDurationSeconds ?? durationS) * 1000;
    if (held && observedAt + validFor > Date.now()) return false;
    const next: Lease = {
      ...current,
      spec: {
        holderIdentity: opts.identity,
        leaseDurationSeconds: durationS,
        acquireTime: holder === opts.identity ? (spec.acquireTime ?? now) : now,
        renewTime: now,
        leaseTransitions: (spec.leaseTransitions ?? 0) + (holder === opts.identity ? 0 : 1),
      },
    };
    try {
      lease = await kubeRequest<Lease>(opts.kc, {
        method: "PUT",
        path: `${path}/${opts.name}`,
        body: next,
        timeoutMs: renewDeadline,
      });
      observedRecord = JSON.stringify(lease.spec ?? {});
      observedAt = Date.now();
      return true;
    } catch (err) {
      if (isConflict(err)) return false;
      throw err;
    }
  }

  async function attempt(): Promise<boolean> {
    try {
      return await tryAcquireOrRenew();
    } catch (err) {
      log.warn({ err: String(err) }, "lease request failed");
      return false;
    }
  }

  const loop = (async () => {
    let lastRenew = 0;
    while (!abort.signal.aborted) {
      const ok = await attempt();
      if (abort.signal.aborted) break;
      if (!leader && ok) {
        setLeader(true);
        lastRenew = Date.now();
        log.info({ identity: opts.identity }, "acquired leadership");
        try {
          await opts.onStartedLeading();
        } catch (err) {
          log.error({ err: String(err) }, "onStartedLeading failed");
        }
      } else if (leader && ok) {
        lastRenew = Date.now();
      } else if (leader && Date.now() - lastRenew > renewDeadline) {
        setLeader(false);
        log.warn({ identity: opts.identity }, "lost leadership");
        try {
          await opts.onStoppedLeading();
        } catch (err) {
          log.error({ err: String(err) }, "onStoppedLeading failed");
        }
        return;
      }
      await sleep(leader ? retry : retry * (1 + Math.random() * 0.2), abort.signal);
    }
  })();

  return {
    isLeader: () => leader,
    async stop() {
      abort.abort();
      await loop;
      if (!leader || !lease) return;
      setLeader(false);
      try {
        // Release: no holder, so a standby acquires on its next attempt instead of waiting out the lease.
        const released: Lease = {
          ...lease,
          spec: { ...lease.spec, holderIdentity: undefined, leaseDurationSeconds: 1, renewTime: microTime() },
        };
        await kubeRequest(opts.kc, {
          method: "PUT",
          path: `${path}/${opts.name}`,
          body: released,
          timeoutMs: 5_000,
        });
        log.info("released leadership");
      } catch (err) {
        log.warn({ err: String(err) }, "could not release lease");
      }
    },
  };
}
