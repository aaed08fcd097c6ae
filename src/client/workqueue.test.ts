import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ApiError } from '../api/errors.js';
import { FakeClock } from '../util/clock.js';
import { backoffDelay, createWorkQueue, runWorkers } from './workqueue.js';

const tick = () => new Promise<void>((r) => setImmediate(r));

describe('backoffDelay', () => {
  const cases: [number, number][] = [
    [0, 5],
    [1, 10],
    [2, 20],
    [10, 5120],
    [17, 655_360],
    [18, 1_000_000],
    [5000, 1_000_000],
  ];
  for (const [n, want] of cases) it(`retry ${n} waits ${want} ms`, () => assert.equal(backoffDelay(n, 5, 1_000_000), want));
});

describe('KeyQueue', () => {
  it('de-duplicates keys waiting to be processed', async () => {
    const q = createWorkQueue();
    q.add('a');
    q.add('b');
    q.add('a');
    assert.equal(q.length, 2);
    assert.equal(await q.get(), 'a');
    assert.equal(await q.get(), 'b');
    assert.equal(q.length, 0);
  });

  it('re-queues a key added while processing only after done, never handing it to two workers', async () => {
    const q = createWorkQueue();
    q.add('a');
    const k = await q.get();
    q.add('a');
    q.add('a');
    assert.equal(q.length, 0, 'held back while processing');
    q.done(k!);
    assert.equal(q.length, 1);
    assert.equal(await q.get(), 'a');
    q.done('a');
    assert.equal(q.length, 0);
  });

  it('wakes a waiting get', async () => {
    const q = createWorkQueue();
    const p = q.get();
    q.add('x');
    assert.equal(await p, 'x');
  });

  it('addAfter waits on the clock, keeping the earliest time per key', async () => {
    const clock = new FakeClock();
    const q = createWorkQueue({ clock });
    q.addAfter('k', 100);
    q.addAfter('k', 50);
    q.addAfter('k', 500);
    clock.advance(49);
    await tick();
    assert.equal(q.length, 0);
    clock.advance(1);
    await tick();
    assert.equal(q.length, 1);
    clock.advance(1000);
    await tick();
    assert.equal(q.length, 1, 'the later adds were folded into the earliest');
  });

  it('backs off per key and forget resets it', async () => {
    const clock = new FakeClock();
    const q = createWorkQueue({ clock });
    const when: number[] = [];
    for (let i = 0; i < 4; i++) {
      const t0 = clock.now().getTime();
      q.addRateLimited('k');
      while (q.length === 0) {
        clock.advance(1);
        await tick();
      }
      when.push(clock.now().getTime() - t0);
      q.done((await q.get())!);
    }
    assert.deepEqual(when, [5, 10, 20, 40]);
    assert.equal(q.numRequeues('k'), 4);
    q.forget('k');
    assert.equal(q.numRequeues('k'), 0);
  });

  it('drains on shutDown, then answers undefined and drops delayed adds', async () => {
    const clock = new FakeClock();
    const q = createWorkQueue({ clock });
    q.add('a');
    q.addAfter('later', 10);
    const waiting = createWorkQueue();
    const pending = waiting.get();
    waiting.shutDown();
    assert.equal(await pending, undefined);
    q.shutDown();
    assert.equal(await q.get(), 'a');
    assert.equal(await q.get(), undefined);
    clock.advance(100);
    await tick();
    assert.equal(q.length, 0);
    q.add('b');
    assert.equal(q.length, 0);
  });
});

describe('runWorkers', () => {
  it('forgets on success, backs off on error, requeues conflicts, stops on abort', async () => {
    const clock = new FakeClock();
    const q = createWorkQueue({ clock });
    const ac = new AbortController();
    const calls: string[] = [];
    let fails = 2;
    const running = runWorkers(
      q,
      async (key) => {
        calls.push(key);
        if (key === 'bad' && fails-- > 0) throw new Error('boom');
        if (key === 'conflict' && calls.filter((c) => c === 'conflict').length === 1) {
          throw new ApiError(409, 'Conflict', 'the object has been modified');
        }
      },
      { workers: 2, signal: ac.signal },
    );
    q.add('ok');
    q.add('bad');
    q.add('conflict');
    await tick();
    assert.equal(q.numRequeues('ok'), 0);
    assert.equal(q.numRequeues('bad'), 1);
    for (let i = 0; i < 50; i++) {
      clock.advance(5);
      await tick();
    }
    assert.deepEqual(calls.filter((c) => c === 'bad').length, 3);
    assert.equal(q.numRequeues('bad'), 0, 'forgotten after success');
    assert.equal(calls.filter((c) => c === 'conflict').length, 2);
    ac.abort();
    await running;
    q.add('after');
    assert.equal(q.length, 0);
  });
});
