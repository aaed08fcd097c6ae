// The scheduling queue (kube-scheduler's PriorityQueue): activeQ ordered by priority then arrival, backoffQ for
// pods waiting out their backoff (1 s doubling to 10 s), and the unschedulable pods, which move back only when
// a cluster event one of their rejecting plugins registered happens, or after 5 minutes as a safety net.
import type { Clock } from '../util/clock.js';
import { KeyedHeap } from './heap.js';
import type { PodInfo } from './pod-info.js';
import { eventMatches, type ClusterEvent, type EventRegistration, type Plugin } from './types.js';

export interface QueuedPod {
  info: PodInfo;
  /** When it entered the queue (orders equal priorities: first come, first served). */
  timestamp: number;
  attempts: number;
  /** When it last failed (backoff counts from here). */
  lastFailure: number;
  /** Plugins that rejected it last time; empty means any event may help. */
  unschedulablePlugins: Set<string>;
  /** The scheduling cycle in which it was popped. */
  cycle: number;
}

export interface QueueOptions {
  clock: Clock;
  plugins: readonly Plugin[];
  initialBackoffMs?: number;
  maxBackoffMs?: number;
  /** How long a pod may sit unschedulable before it is retried anyway (kube-scheduler: 5 minutes). */
  unschedulableTimeoutMs?: number;
}

export type QueueLocation = 'active' | 'backoff' | 'unschedulable' | 'inflight' | undefined;

const byPriority = (a: QueuedPod, b: QueuedPod) =>
  a.info.priority !== b.info.priority ? a.info.priority > b.info.priority : a.timestamp < b.timestamp;

export class SchedulingQueue {
  private readonly clock: Clock;
  private readonly events = new Map<string, EventRegistration[]>();
  private readonly initialBackoff: number;
  private readonly maxBackoff: number;
  private readonly unschedulableTimeout: number;
  private active = new KeyedHeap<QueuedPod>((q) => q.info.key, byPriority);
  private backoff = new KeyedHeap<QueuedPod>(
    (q) => q.info.key,
    (a, b) => this.backoffUntil(a) < this.backoffUntil(b),
  );
  private unschedulable = new Map<string, QueuedPod>();
  private inflight = new Map<string, QueuedPod>();
  private waiters: ((q: QueuedPod | undefined) => void)[] = [];
  private closed = false;
  private cycle = 0;
  /** The cycle of the last move request: pods that fail in a cycle at or before it go to backoff, not limbo. */
  private moveRequestCycle = -1;

  constructor(o: QueueOptions) {
    this.clock = o.clock;
    for (const p of o.plugins) this.events.set(p.name, p.events?.() ?? []);
    this.initialBackoff = o.initialBackoffMs ?? 1000;
    this.maxBackoff = o.maxBackoffMs ?? 10_000;
    this.unschedulableTimeout = o.unschedulableTimeoutMs ?? 5 * 60_000;
  }

  private now(): number {
    return this.clock.now().getTime();
  }

  /** 1 s, 2 s, 4 s, 8 s, 10 s, 10 s... after the last failure. */
  backoffDuration(attempts: number): number {
    let d = this.initialBackoff;
    for (let i = 1; i < attempts && d < this.maxBackoff; i++) d *= 2;
    return Math.min(d, this.maxBackoff);
  }

  backoffUntil(q: QueuedPod): number {
    return q.attempts === 0 ? 0 : q.lastFailure + this.backoffDuration(q.attempts);
  }

  private isBackingOff(q: QueuedPod): boolean {
    return this.backoffUntil(q) > this.now();
  }

  where(key: string): QueueLocation {
    if (this.active.has(key)) return 'active';
    if (this.backoff.has(key)) return 'backoff';
    if (this.unschedulable.has(key)) return 'unschedulable';
    if (this.inflight.has(key)) return 'inflight';
    return undefined;
  }

  get length(): number {
    return this.active.size + this.backoff.size + this.unschedulable.size;
  }

  stats(): { active: number; backoff: number; unschedulable: number; inflight: number } {
    return { active: this.active.size, backoff: this.backoff.size, unschedulable: this.unschedulable.size, inflight: this.inflight.size };
  }

  private toActive(q: QueuedPod): void {
    const w = this.waiters.shift();
    if (w) {
      this.popped(q);
      w(q);
    } else this.active.push(q);
  }

  private popped(q: QueuedPod): void {
    q.cycle = ++this.cycle;
    this.inflight.set(q.info.key, q);
  }

  /** A new pending pod, or an update of one we already hold (in which case it keeps its place and history). */
  add(info: PodInfo): void {
    if (this.closed) return;
    const key = info.key;
    const existing = this.active.get(key) ?? this.backoff.get(key) ?? this.unschedulable.get(key) ?? this.inflight.get(key);
    if (existing) {
      existing.info = info;
      if (this.active.has(key)) this.active.push(existing);
      else if (this.backoff.has(key)) this.backoff.push(existing);
      return;
    }
    this.toActive({ info, timestamp: this.now(), attempts: 0, lastFailure: 0, unschedulablePlugins: new Set(), cycle: 0 });
  }

  /** The pending pod itself changed (labels, tolerations, resources...): an unschedulable one gets another try. */
  update(info: PodInfo): void {
    const q = this.unschedulable.get(info.key);
    if (!q) return this.add(info);
    q.info = info;
    this.unschedulable.delete(info.key);
    this.moveOut(q);
  }

  delete(key: string): void {
    this.active.delete(key);
    this.backoff.delete(key);
    this.unschedulable.delete(key);
    this.inflight.delete(key);
  }

  /** Waits for the highest-priority pod; undefined once closed or aborted. */
  pop(signal?: AbortSignal): Promise<QueuedPod | undefined> {
    const q = this.active.pop();
    if (q) {
      this.popped(q);
      return Promise.resolve(q);
    }
    if (this.closed || signal?.aborted) return Promise.resolve(undefined);
    return new Promise((resolve) => {
      const w = (x: QueuedPod | undefined) => {
        signal?.removeEventListener('abort', onAbort);
        resolve(x);
      };
      const onAbort = () => {
        this.waiters = this.waiters.filter((x) => x !== w);
        resolve(undefined);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiters.push(w);
    });
  }

  /** The cycle for this pod is over (bound, assumed, or put back). */
  done(key: string): void {
    this.inflight.delete(key);
  }

  /** The pod did not fit: park it until a relevant event (or backoff when one arrived while it was in flight). */
  addUnschedulable(q: QueuedPod, plugins: Set<string>): void {
    if (!this.inflight.has(q.info.key) || this.closed) return;
    this.inflight.delete(q.info.key);
    q.attempts++;
    q.lastFailure = this.now();
    q.unschedulablePlugins = plugins;
    if (this.moveRequestCycle >= q.cycle) this.backoff.push(q);
    else this.unschedulable.set(q.info.key, q);
  }

  /** An error (not a rejection), e.g. a failed bind: retry after backoff (unless it was queued again meanwhile). */
  addBackoff(q: QueuedPod): void {
    const at = this.where(q.info.key);
    if (this.closed || (at !== undefined && at !== 'inflight')) return;
    this.inflight.delete(q.info.key);
    q.attempts++;
    q.lastFailure = this.now();
    q.unschedulablePlugins = new Set();
    this.backoff.push(q);
  }

  private interested(q: QueuedPod, ev: ClusterEvent, oldObj: unknown, newObj: unknown): boolean {
    for (const name of q.unschedulablePlugins) {
      for (const reg of this.events.get(name) ?? []) {
        if (eventMatches(reg, ev) && (!reg.hint || reg.hint(q.info, oldObj, newObj))) return true;
      }
    }
    return false;
  }

  private moveOut(q: QueuedPod): void {
    if (this.isBackingOff(q)) this.backoff.push(q);
    else this.toActive(q);
  }

  /** A cluster event: unschedulable pods whose rejecting plugins care about it move to backoff or active. */
  onEvent(ev: ClusterEvent, oldObj?: unknown, newObj?: unknown): number {
    this.moveRequestCycle = this.cycle;
    let moved = 0;
    for (const [key, q] of this.unschedulable) {
      if (q.unschedulablePlugins.size > 0 && !this.interested(q, ev, oldObj, newObj)) continue;
      this.unschedulable.delete(key);
      this.moveOut(q);
      moved++;
    }
    return moved;
  }

  /** Backoff completed: to activeQ. Called every second by run(). */
  flushBackoff(): void {
    const now = this.now();
    for (;;) {
      const q = this.backoff.peek();
      if (!q || this.backoffUntil(q) > now) return;
      this.backoff.pop();
      this.toActive(q);
    }
  }

  /** Pods unschedulable for longer than the timeout get retried anyway. Called every 30 s by run(). */
  flushUnschedulableLeftover(): void {
    const now = this.now();
    for (const [key, q] of this.unschedulable) {
      if (now - q.lastFailure < this.unschedulableTimeout) continue;
      this.unschedulable.delete(key);
      this.moveOut(q);
    }
  }

  /** The periodic flushes, on the given clock, until the signal aborts. */
  async run(signal: AbortSignal): Promise<void> {
    let tick = 0;
    try {
      for (;;) {
        await this.clock.sleep(1000, signal);
        this.flushBackoff();
        if (++tick % 30 === 0) this.flushUnschedulableLeftover();
      }
    } catch {
      // aborted
    } finally {
      this.close();
    }
  }

  close(): void {
    this.closed = true;
    for (const w of this.waiters.splice(0)) w(undefined);
  }
}
