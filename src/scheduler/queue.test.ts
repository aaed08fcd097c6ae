// The scheduling queue with a fake clock: ordering, backoff, and event-driven retries.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FakeClock } from '../util/clock.js';
import { clusterEvent } from './events.js';
import { SchedulingQueue } from './queue.js';
import { newFramework } from './registry.js';
import { podInfo } from './testing.js';
import { Action } from './types.js';

const plugins = newFramework({}).plugins;
const mk = (clock = new FakeClock()) => ({ clock, q: new SchedulingQueue({ clock, plugins }) });

describe('SchedulingQueue', () => {
  it('pops by priority, then first come first served', async () => {
    const { q, clock } = mk();
    q.add(podInfo('low', { priority: 1 }));
    clock.advance(1);
    q.add(podInfo('high', { priority: 10 }));
    clock.advance(1);
    q.add(podInfo('low2', { priority: 1 }));
    const order = [];
    for (let i = 0; i < 3; i++) order.push((await q.pop())!.info.name);
    assert.deepEqual(order, ['high', 'low', 'low2']);
  });

  it('backoff doubles from 1 s to a 10 s cap', () => {
    const { q } = mk();
    assert.deepEqual([1, 2, 3, 4, 5, 6].map((n) => q.backoffDuration(n)), [1000, 2000, 4000, 8000, 10000, 10000]);
  });

  it('an unschedulable pod waits for a relevant event, not a timer', async () => {
    const { q, clock } = mk();
    q.add(podInfo('p'));
    const qp = (await q.pop())!;
    q.addUnschedulable(qp, new Set(['NodeResourcesFit']));
    assert.equal(q.where('default/p'), 'unschedulable');
    clock.advance(60_000);
    q.flushBackoff();
    assert.equal(q.where('default/p'), 'unschedulable');
    // A condition change (heartbeat) is irrelevant to NodeResourcesFit...
    assert.equal(q.onEvent(clusterEvent('Node', Action.UpdateNodeCondition, 'Update')), 0);
    assert.equal(q.onEvent(clusterEvent('AssignedPod', Action.Add, 'Add')), 0);
    // ...a deleted pod frees resources.
    assert.equal(q.onEvent(clusterEvent('AssignedPod', Action.Delete, 'Delete')), 1);
    assert.equal(q.where('default/p'), 'active');
  });

  it('a pod moved during its backoff waits in backoffQ', async () => {
    const { q, clock } = mk();
    q.add(podInfo('p'));
    const qp = (await q.pop())!;
    q.addUnschedulable(qp, new Set(['TaintToleration']));
    q.onEvent(clusterEvent('Node', Action.Add, 'Add'));
    assert.equal(q.where('default/p'), 'backoff');
    clock.advance(999);
    q.flushBackoff();
    assert.equal(q.where('default/p'), 'backoff');
    clock.advance(1);
    q.flushBackoff();
    assert.equal(q.where('default/p'), 'active');
  });

  it('an event during the cycle sends the failed pod to backoff (the event may have helped)', async () => {
    const { q } = mk();
    q.add(podInfo('p'));
    const qp = (await q.pop())!;
    q.onEvent(clusterEvent('Node', Action.Add, 'Add'));
    q.addUnschedulable(qp, new Set(['NodeResourcesFit']));
    assert.equal(q.where('default/p'), 'backoff');
  });

  it('flushes pods unschedulable for 5 minutes', async () => {
    const { q, clock } = mk();
    q.add(podInfo('p'));
    q.addUnschedulable((await q.pop())!, new Set(['NodeAffinity']));
    clock.advance(4 * 60_000);
    q.flushUnschedulableLeftover();
    assert.equal(q.where('default/p'), 'unschedulable');
    clock.advance(60_000);
    q.flushUnschedulableLeftover();
    assert.equal(q.where('default/p'), 'active');
  });

  it('run() flushes on the clock and stops on abort', async () => {
    const { q, clock } = mk();
    const ac = new AbortController();
    const running = q.run(ac.signal);
    q.add(podInfo('p'));
    q.addBackoff((await q.pop())!);
    clock.advance(1000);
    await new Promise((r) => setImmediate(r));
    assert.equal(q.where('default/p'), 'active');
    ac.abort();
    await running;
  });

  it('pop waits for a pod and resolves undefined on abort', async () => {
    const { q } = mk();
    const waiting = q.pop();
    q.add(podInfo('late'));
    assert.equal((await waiting)!.info.name, 'late');
    const ac = new AbortController();
    const w2 = q.pop(ac.signal);
    ac.abort();
    assert.equal(await w2, undefined);
  });
});
