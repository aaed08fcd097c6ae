import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { KubeObject } from '../api/object.js';
import { FakeClock } from '../util/clock.js';
import { LeaderElector, microTime } from './leader.js';
import { leases } from './resources.js';
import { startTestApi, type TestApi } from './testing.js';

/** Moves the fake clock in small steps, letting in-process I/O run, until cond holds (real-time deadline). */
async function advanceUntil(clock: FakeClock, cond: () => boolean, stepMs = 250, deadlineMs = 5000): Promise<number> {
  const start = clock.now().getTime();
  const deadline = Date.now() + deadlineMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    clock.advance(stepMs);
    await new Promise((r) => setTimeout(r, 1));
  }
  return clock.now().getTime() - start;
}

function candidate(t: TestApi, clock: FakeClock, identity: string, opts: { releaseOnCancel?: boolean; name?: string } = {}) {
  const ac = new AbortController();
  const state = { leading: false, started: 0, stopped: 0 };
  const elector = new LeaderElector({
    client: t.client,
    name: opts.name ?? 'controllers',
    identity,
    clock,
    signal: ac.signal,
    releaseOnCancel: opts.releaseOnCancel,
    onStartedLeading: async (signal) => {
      state.leading = true;
      state.started++;
      await new Promise<void>((r) => signal.addEventListener('abort', () => r(), { once: true }));
      state.leading = false;
    },
    onStoppedLeading: () => state.stopped++,
  });
  const done = elector.run();
  return { elector, state, stop: async () => (ac.abort(), await done) };
}

describe('leader election over a Lease', () => {
  let t: TestApi;
  before(async () => (t = await startTestApi()));
  after(async () => t.close());

  it('formats MicroTime', () => assert.equal(microTime(new Date(Date.UTC(2026, 0, 2, 3, 4, 5, 678))), '2026-01-02T03:04:05.678000Z'));

  it('one of two wins; the other takes over after the first stops renewing', async () => {
    const clock = new FakeClock();
    const a = candidate(t, clock, 'a', { releaseOnCancel: false });
    await advanceUntil(clock, () => a.state.leading);
    const b = candidate(t, clock, 'b');
    // b keeps trying for well under the lease duration and must not win
    await advanceUntil(clock, () => b.elector.currentLeader() === 'a');
    for (let i = 0; i < 10; i++) {
      clock.advance(1000);
      await new Promise((r) => setTimeout(r, 2));
    }
    assert.equal(b.state.leading, false);
    assert.equal(a.state.leading, true);
    let lease = await t.client.get<KubeObject & { spec: Record<string, unknown> }>(leases, 'kube-system', 'controllers');
    assert.equal(lease.spec['holderIdentity'], 'a');
    assert.equal(lease.spec['leaseDurationSeconds'], 15);
    assert.equal(lease.spec['leaseTransitions'], 0);

    // a stops without releasing: b must wait out the lease (15 s as b observed it) and then take over
    await a.stop();
    assert.equal(a.state.stopped, 1);
    const took = await advanceUntil(clock, () => b.state.leading, 500);
    assert.ok(took >= 12_000 && took <= 20_000, `took over after ${took} ms`);
    lease = await t.client.get(leases, 'kube-system', 'controllers');
    assert.equal(lease.spec['holderIdentity'], 'b');
    assert.equal(lease.spec['leaseTransitions'], 1);

    // b releases on stop: a new candidate takes over at its first try
    await b.stop();
    assert.equal(b.state.leading, false);
    const c = candidate(t, clock, 'c');
    const quick = await advanceUntil(clock, () => c.state.leading, 250);
    assert.ok(quick <= 2500, `took over after ${quick} ms`);
    await c.stop();
  });

  it('steps down when it can no longer renew', async () => {
    const clock = new FakeClock();
    const a = candidate(t, clock, 'a', { name: 'renew-test' });
    await advanceUntil(clock, () => a.state.leading);
    // Someone else overwrites the lease: the next renew sees another holder and a stops leading.
    const lease = await t.client.get<KubeObject & { spec: Record<string, unknown> }>(leases, 'kube-system', 'renew-test');
    await t.client.update(leases, 'kube-system', { ...lease, spec: { ...lease.spec, holderIdentity: 'intruder', renewTime: microTime(clock.now()) } });
    await advanceUntil(clock, () => a.state.stopped === 1);
    assert.equal(a.state.leading, false);
    assert.equal(a.elector.isLeader(), false);
    await a.stop();
  });
});
