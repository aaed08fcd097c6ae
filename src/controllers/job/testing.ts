// A deterministic little cluster for reconcile tests of the job and cronjob controllers: a FakeClient holds the
// objects, sync() copies them into fake informers (calling handlers as a watch would), and helpers play kubelet.
import { FakeClient, FakeInformerFactory } from '../../client/fake.js';
import type { KubeObject } from '../../api/object.js';
import type { ResourceRef, WorkQueue } from '../../client/types.js';
import { keyOf } from '../../client/types.js';
import { FakeClock } from '../../util/clock.js';
import { RecordedEvents } from '../common/events.js';
import { podsRef } from '../common/resources.js';
import type { Pod } from '../common/types.js';
import { cronJobsRef, jobsRef, metaTime } from './types.js';

/** A queue that records what was added, for asserting requeues. */
export class NoteQueue implements WorkQueue {
  added: string[] = [];
  delayed: { key: string; ms: number }[] = [];
  add(k: string) {
    this.added.push(k);
  }
  addAfter(k: string, ms: number) {
    this.delayed.push({ key: k, ms });
  }
  addRateLimited(k: string) {
    this.added.push(k);
  }
  forget() {}
  async get() {
    return undefined;
  }
  done() {}
  shutDown() {}
  get length() {
    return this.added.length;
  }
  /** The shortest delay asked for since the last call, then forgets them. */
  takeDelay(): number | undefined {
    const ms = this.delayed.map((d) => d.ms);
    this.delayed = [];
    return ms.length ? Math.min(...ms) : undefined;
  }
}

export class World {
  readonly clock = new FakeClock(Date.UTC(2026, 0, 1, 12, 0, 0));
  readonly client = new FakeClient();
  readonly informers = new FakeInformerFactory();
  readonly events = new RecordedEvents();
  readonly queue = new NoteQueue();
  private readonly refs: ResourceRef[] = [podsRef, jobsRef, cronJobsRef];

  constructor() {
    this.client.now = () => this.clock.now();
  }

  /** Copies the fake's objects into the informers, as watch events would. */
  sync(): void {
    for (const res of this.refs) {
      const inf = this.informers.informer(res);
      const live = new Map(this.client.all(res).map((o) => [keyOf(o), o]));
      for (const o of inf.list()) if (!live.has(keyOf(o))) inf.delete(o);
      for (const [k, o] of live) {
        const cur = inf.get(o.metadata?.namespace, o.metadata?.name ?? '');
        if (!cur) inf.add(o);
        else if (cur.metadata?.resourceVersion !== o.metadata?.resourceVersion) inf.update(o);
        void k;
      }
    }
  }

  pods(ns = 'default'): Pod[] {
    return this.client.all<Pod>(podsRef, ns);
  }

  async create<T extends KubeObject>(res: ResourceRef, obj: T): Promise<T> {
    const o = await this.client.create(res, 'default', obj);
    this.sync();
    return o;
  }

  /** Plays kubelet: the pod runs, or ends with exit code 0 (Succeeded) or another (Failed). */
  async setPod(name: string, how: 'running' | 'ready' | number): Promise<void> {
    const p = this.client.peek<Pod>(podsRef, 'default', name)!;
    const now = metaTime(this.clock.now());
    const c = p.spec?.containers[0]?.name ?? 'c';
    let status: Pod['status'];
    if (how === 'running' || how === 'ready')
      status = { phase: 'Running', conditions: [{ type: 'Ready', status: how === 'ready' ? 'True' : 'False', lastTransitionTime: now }], containerStatuses: [{ name: c, image: 'i', imageID: '', ready: how === 'ready', restartCount: 0, state: { running: { startedAt: now } } }] };
    else
      status = {
        phase: how === 0 ? 'Succeeded' : 'Failed',
        containerStatuses: [{ name: c, image: 'i', imageID: '', ready: false, restartCount: 0, state: { terminated: { exitCode: how, finishedAt: now, reason: how === 0 ? 'Completed' : 'Error' } } }],
      };
    await this.client.update(podsRef, 'default', { ...p, status }, { subresource: 'status' });
    this.sync();
  }

  /** Plays kubelet for pods being deleted: they go once nothing holds them (finalizers stay honoured). */
  async reapDeleted(): Promise<void> {
    for (const p of this.pods()) {
      if (!p.metadata?.deletionTimestamp) continue;
      if ((p.metadata.finalizers ?? []).length === 0) continue;
      // Terminating pods end up Failed (killed), as a kubelet reports them.
      if (p.status?.phase !== 'Failed' && p.status?.phase !== 'Succeeded')
        await this.client.update(podsRef, 'default', { ...p, status: { ...p.status, phase: 'Failed' } }, { subresource: 'status' });
    }
    this.sync();
  }
}
