import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SyncRunner } from './sync-runner.js';

const tick = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('sync runner', () => {
  it('runs a lone request at once and coalesces a burst into one more sync', async () => {
    let syncs = 0;
    const r = new SyncRunner({ sync: async () => void syncs++, minIntervalMs: 20, retryMs: 50, onError: () => undefined });
    r.request();
    await r.waitSynced();
    assert.equal(syncs, 1);
    for (let i = 0; i < 50; i++) r.request();
    await r.waitSynced();
    assert.equal(syncs, 2);
    await r.stop();
  });

  it('keeps waiters until a sync that started after their request succeeds, retrying failures', async () => {
    let calls = 0;
    const errors: unknown[] = [];
    const r = new SyncRunner({
      sync: async () => {
        calls++;
        if (calls === 1) throw new Error('nft busy');
      },
      minIntervalMs: 5,
      retryMs: 30,
      onError: (e) => errors.push(e),
    });
    r.request();
    let done = false;
    const waiting = r.waitSynced().then(() => (done = true));
    await tick(15);
    assert.equal(done, false);
    assert.equal(errors.length, 1);
    await waiting;
    assert.equal(calls, 2);
    await r.stop();
  });

  it('stop waits for the sync in flight and releases waiters', async () => {
    let finished = false;
    const r = new SyncRunner({ sync: async () => { await tick(20); finished = true; }, minIntervalMs: 5, retryMs: 5, onError: () => undefined });
    r.request();
    await tick(2);
    await r.stop();
    assert.equal(finished, true);
    r.request();
    await r.waitSynced(); // released by stop: no hang
  });
});
