// Event recording as client-go's recorder does it for core/v1 Events:
//   - the Event is named <object name>.<hex nanoseconds> in the object's namespace ('default' for cluster-scoped
//     objects), with involvedObject, reason, message, type, source, first/lastTimestamp and count;
//   - the same (object, type, reason, message, source) seen again within 10 minutes bumps count and lastTimestamp
//     on the existing Event with a patch instead of creating a new one, so `kubectl describe` shows "x5 over 2m";
//   - recording never throws into the caller and never blocks it: writes are queued, failures logged and dropped.
import { ApiError } from '../api/errors.js';
import type { KubeObject } from '../api/object.js';
import { realClock, type Clock } from '../util/clock.js';
import { silentLogger, type Logger } from '../util/logger.js';
import { events } from './resources.js';
import type { Client } from './types.js';

export type EventType = 'Normal' | 'Warning';

export interface ObjectReference {
  apiVersion?: string;
  kind?: string;
  namespace?: string;
  name?: string;
  uid?: string;
  resourceVersion?: string;
  fieldPath?: string;
}

export interface EventRecorder {
  /** Records an event about obj (an object or a reference to one). Returns at once; never throws. */
  event(obj: KubeObject | ObjectReference, type: EventType, reason: string, message: string): void;
}

export interface EventRecorderOptions {
  client: Client;
  /** source.component, e.g. 'deployment-controller', 'default-scheduler', 'kubelet'. */
  component: string;
  /** source.host (the node name for node agents). */
  host?: string;
  clock?: Clock;
  logger?: Logger;
  /** How long an event can be merged into (default 10 minutes). */
  aggregateWindowMs?: number;
  /** Events remembered for merging (default 4096). */
  cacheSize?: number;
}

export function referenceOf(obj: KubeObject | ObjectReference): ObjectReference {
  if ('metadata' in obj && obj.metadata && typeof obj.metadata === 'object') {
    const o = obj as KubeObject;
    return {
      apiVersion: o.apiVersion,
      kind: o.kind,
      namespace: o.metadata?.namespace,
      name: o.metadata?.name,
      uid: o.metadata?.uid,
      resourceVersion: o.metadata?.resourceVersion,
    };
  }
  return obj as ObjectReference;
}

/** metav1.Time: RFC 3339 to the second. */
export function metaTime(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** What makes two events the same event (client-go's getEventKey). */
export function eventKey(ref: ObjectReference, type: string, reason: string, message: string, component: string, host = ''): string {
  return [component, host, ref.kind, ref.namespace, ref.name, ref.uid, ref.apiVersion, ref.fieldPath, type, reason, message].join('\u0000');
}

interface Seen {
  name: string;
  namespace: string;
  count: number;
  firstTimestamp: string;
  lastSeenMs: number;
}

export class ClientEventRecorder implements EventRecorder {
  private readonly clock: Clock;
  private readonly log: Logger;
  private readonly window: number;
  private readonly cacheSize: number;
  private readonly seen = new Map<string, Seen>();
  private chain: Promise<void> = Promise.resolve();
  private lastNanos = 0n;

  constructor(private readonly o: EventRecorderOptions) {
    this.clock = o.clock ?? realClock;
    this.log = (o.logger ?? silentLogger).child('events');
    this.window = o.aggregateWindowMs ?? 10 * 60_000;
    this.cacheSize = o.cacheSize ?? 4096;
  }

  event(obj: KubeObject | ObjectReference, type: EventType, reason: string, message: string): void {
    try {
      const ref = referenceOf(obj);
      const now = this.clock.now();
      this.chain = this.chain.then(() => this.write(ref, type, reason, message, now)).catch((e: unknown) => {
        this.log.warn('dropped event', { reason, object: `${ref.kind}/${ref.name}`, err: e instanceof Error ? e.message : String(e) });
      });
    } catch (e) {
      this.log.warn('dropped event', { reason, err: String(e) });
    }
  }

  /** Resolves when every event recorded so far is written (or dropped). For tests and shutdown. */
  flush(): Promise<void> {
    return this.chain;
  }

  private async write(ref: ObjectReference, type: EventType, reason: string, message: string, now: Date): Promise<void> {
    const key = eventKey(ref, type, reason, message, this.o.component, this.o.host);
    const nowMs = now.getTime();
    const ts = metaTime(now);
    const prev = this.seen.get(key);
    if (prev && nowMs - prev.lastSeenMs <= this.window) {
      const count = prev.count + 1;
      try {
        await this.o.client.patch(events, prev.namespace, prev.name, 'merge', { count, lastTimestamp: ts, message });
        this.remember(key, { ...prev, count, lastSeenMs: nowMs });
        return;
      } catch (e) {
        // The Event was deleted (TTL, namespace cleanup): start a new one.
        if (!(e instanceof ApiError && e.code === 404)) throw e;
      }
    }
    const namespace = ref.namespace || 'default';
    const name = `${ref.name ?? 'unknown'}.${this.nanos(nowMs).toString(16)}`;
    const involvedObject: ObjectReference = {};
    for (const [k, v] of Object.entries(ref)) if (v !== undefined && v !== '') (involvedObject as Record<string, string>)[k] = v;
    const ev: KubeObject = {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name, namespace },
      involvedObject,
      reason,
      message,
      type,
      source: this.o.host ? { component: this.o.component, host: this.o.host } : { component: this.o.component },
      firstTimestamp: ts,
      lastTimestamp: ts,
      count: 1,
      reportingComponent: this.o.component,
      reportingInstance: this.o.host ?? '',
    };
    await this.o.client.create(events, namespace, ev);
    this.remember(key, { name, namespace, count: 1, firstTimestamp: ts, lastSeenMs: nowMs });
  }

  /** Unix nanoseconds, strictly increasing so two events in one millisecond get different names. */
  private nanos(ms: number): bigint {
    let n = BigInt(ms) * 1_000_000n;
    if (n <= this.lastNanos) n = this.lastNanos + 1n;
    this.lastNanos = n;
    return n;
  }

  private remember(key: string, s: Seen): void {
    this.seen.delete(key);
    this.seen.set(key, s);
    while (this.seen.size > this.cacheSize) {
      const oldest = this.seen.keys().next().value;
      if (oldest === undefined) break;
      this.seen.delete(oldest);
    }
  }
}

export function createEventRecorder(o: EventRecorderOptions): ClientEventRecorder {
  return new ClientEventRecorder(o);
}

/** Drops everything: for parts that run without events. */
export const nullEventRecorder: EventRecorder = { event: () => {} };
