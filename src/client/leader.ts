// Leader election over a coordination.k8s.io/v1 Lease, as client-go's leaderelection does it:
//   - a candidate reads the Lease every retry period; it takes it when nobody holds it, when it was released
//     (empty holder), or when the holder has not renewed for leaseDurationSeconds *as observed locally* (the time
//     we last saw the record change, not the renewTime written by another machine's clock).
//   - the leader renews every retry period; when renewals have failed for renewDeadline (shorter than the lease
//     duration, so it stops before anyone else may start) or it sees another holder, it steps down.
//   - writes carry the resourceVersion read, so two candidates racing for one Lease cannot both win (409).
import { ApiError } from '../api/errors.js';
import type { KubeObject } from '../api/object.js';
import { realClock, type Clock } from '../util/clock.js';
import { silentLogger, type Logger } from '../util/logger.js';
import { leases } from './resources.js';
import type { Client } from './types.js';

export interface LeaderElectionOptions {
  client: Client;
  /** Default kube-system. */
  namespace?: string;
  name: string;
  identity: string;
  clock?: Clock;
  logger?: Logger;
  signal: AbortSignal;
  /** Default 15. */
  leaseDurationSeconds?: number;
  /** Default 10 s. */
  renewDeadlineMs?: number;
  /** Default 2 s. */
  retryPeriodMs?: number;
  /** Clear the holder when the signal aborts, so another candidate takes over at once (default true). */
  releaseOnCancel?: boolean;
  /** Runs while this process leads; its signal aborts when leadership is lost or the outer signal aborts. */
  onStartedLeading(signal: AbortSignal): void | Promise<void>;
  onStoppedLeading?(): void;
  /** Called when the observed holder changes (including to ourselves). */
  onNewLeader?(identity: string): void;
}

interface LeaseSpec {
  holderIdentity?: string;
  leaseDurationSeconds?: number;
  acquireTime?: string;
  renewTime?: string;
  leaseTransitions?: number;
}

type Lease = KubeObject & { spec?: LeaseSpec };

/** Kubernetes MicroTime: RFC 3339 with microseconds. */
export function microTime(d: Date): string {
  return d.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

type Attempt = 'acquired' | 'held-by-other' | 'failed';

export class LeaderElector {
  private readonly clock: Clock;
  private readonly log: Logger;
  private readonly ns: string;
  private readonly durationMs: number;
  private observedKey = '';
  private observedAt = 0;
  private leader = '';
  private leading = false;

  constructor(private readonly o: LeaderElectionOptions) {
    this.clock = o.clock ?? realClock;
    this.log = (o.logger ?? silentLogger).child('leader');
    this.ns = o.namespace ?? 'kube-system';
    this.durationMs = (o.leaseDurationSeconds ?? 15) * 1000;
  }

  isLeader(): boolean {
    return this.leading;
  }

  /** The holder last observed ('' when none). */
  currentLeader(): string {
    return this.leader;
  }

  /** Campaigns, leads, and campaigns again after losing the lease, until the signal aborts. */
  async run(): Promise<void> {
    const { signal } = this.o;
    const retry = this.o.retryPeriodMs ?? 2000;
    const renewDeadline = this.o.renewDeadlineMs ?? 10_000;
    while (!signal.aborted) {
      while (!signal.aborted && (await this.tryAcquireOrRenew()) !== 'acquired') await this.sleep(retry);
      if (signal.aborted) break;
      this.leading = true;
      this.log.info('became leader', { lease: `${this.ns}/${this.o.name}`, identity: this.o.identity });
      const lead = new AbortController();
      const onAbort = () => lead.abort();
      signal.addEventListener('abort', onAbort, { once: true });
      const work = Promise.resolve()
        .then(() => this.o.onStartedLeading(lead.signal))
        .catch((e: unknown) => this.log.error('leader work failed', { err: e instanceof Error ? (e.stack ?? e.message) : String(e) }));
      let lastRenew = this.clock.now().getTime();
      while (!signal.aborted) {
        await this.sleep(retry);
        if (signal.aborted) break;
        const r = await this.tryAcquireOrRenew();
        if (r === 'acquired') lastRenew = this.clock.now().getTime();
        else if (r === 'held-by-other' || this.clock.now().getTime() - lastRenew >= renewDeadline) {
          this.log.warn('lost leadership', { lease: `${this.ns}/${this.o.name}`, identity: this.o.identity });
          break;
        }
      }
      this.leading = false;
      lead.abort();
      signal.removeEventListener('abort', onAbort);
      await work;
      try {
        this.o.onStoppedLeading?.();
      } catch (e) {
        this.log.error('onStoppedLeading failed', { err: String(e) });
      }
      if (signal.aborted && (this.o.releaseOnCancel ?? true)) await this.release();
    }
  }

  /** One step of client-go's tryAcquireOrRenew. */
  async tryAcquireOrRenew(): Promise<Attempt> {
    const { client, name, identity } = this.o;
    const now = this.clock.now();
    const spec: LeaseSpec = {
      holderIdentity: identity,
      leaseDurationSeconds: this.durationMs / 1000,
      acquireTime: microTime(now),
      renewTime: microTime(now),
      leaseTransitions: 0,
    };
    try {
      let lease: Lease;
      try {
        lease = await client.get<Lease>(leases, this.ns, name);
      } catch (e) {
        if (!(e instanceof ApiError && e.code === 404)) throw e;
        await client.create<Lease>(leases, this.ns, { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name, namespace: this.ns }, spec });
        this.observe(spec, now);
        return 'acquired';
      }
      const old = lease.spec ?? {};
      this.observe(old, now);
      const holder = old.holderIdentity ?? '';
      const duration = (old.leaseDurationSeconds ?? this.durationMs / 1000) * 1000;
      if (holder && holder !== identity && this.observedAt + duration > now.getTime()) return 'held-by-other';
      if (holder === identity) {
        spec.acquireTime = old.acquireTime ?? spec.acquireTime;
        spec.leaseTransitions = old.leaseTransitions ?? 0;
      } else spec.leaseTransitions = (old.leaseTransitions ?? 0) + 1;
      await client.update<Lease>(leases, this.ns, { ...lease, spec });
      this.observe(spec, now);
      return 'acquired';
    } catch (e) {
      // 409 (someone else wrote first) or an unreachable server: try again next period.
      this.log.debug('lease attempt failed', { err: e instanceof Error ? e.message : String(e) });
      return 'failed';
    }
  }

  /** Clears the holder so a candidate need not wait out the lease. */
  private async release(): Promise<void> {
    try {
      const lease = await this.o.client.get<Lease>(leases, this.ns, this.o.name);
      if (lease.spec?.holderIdentity !== this.o.identity) return;
      const now = microTime(this.clock.now());
      await this.o.client.update<Lease>(leases, this.ns, {
        ...lease,
        spec: { ...lease.spec, holderIdentity: '', leaseDurationSeconds: 1, renewTime: now, acquireTime: now },
      });
    } catch (e) {
      this.log.warn('could not release the lease', { err: e instanceof Error ? e.message : String(e) });
    }
  }

  private observe(spec: LeaseSpec, now: Date): void {
    const key = `${spec.holderIdentity ?? ''}|${spec.renewTime ?? ''}|${spec.leaseTransitions ?? 0}`;
    if (key !== this.observedKey) {
      this.observedKey = key;
      this.observedAt = now.getTime();
    }
    const holder = spec.holderIdentity ?? '';
    if (holder !== this.leader) {
      this.leader = holder;
      if (holder) this.o.onNewLeader?.(holder);
    }
  }

  private sleep(ms: number): Promise<void> {
    return this.clock.sleep(ms, this.o.signal).catch(() => {});
  }
}

/** Runs onStartedLeading while this process holds the Lease; resolves after the signal aborts. */
export async function runAsLeader(o: LeaderElectionOptions): Promise<void> {
  await new LeaderElector(o).run();
}
