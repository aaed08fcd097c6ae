import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { poll } from './poll.js';

describe('poll', () => {
  it('returns the first truthy value, taking throws and falsy values as "not yet"', async () => {
    const answers: (() => number | false | undefined)[] = [() => undefined, () => false, () => { throw new Error('down'); }, () => 0, () => 7];
    let calls = 0;
    const v = await poll('seven', async () => answers[calls++]!(), { ms: 5_000, everyMs: 1 });
    assert.equal(v, 7);
    assert.equal(calls, 5);
  });

  it('times out naming what, the last error and the detail', async () => {
    let calls = 0;
    await assert.rejects(
      poll('never', async () => {
        calls++;
        throw new Error('still down');
      }, { ms: 50, everyMs: 10, detail: () => 'server said hi' }),
      /^Error: timed out after 50 ms waiting for never: Error: still down\nserver said hi$/,
    );
    assert.ok(calls >= 2, `${calls} calls`);
  });

  it('looks once more at the deadline, and once at all with ms 0', async () => {
    let calls = 0;
    assert.equal(await poll('now', async () => ++calls === 1 && 'yes', { ms: 0 }), 'yes');
    const t0 = Date.now();
    calls = 0;
    await assert.rejects(poll('late', async () => (calls++, undefined), { ms: 120, everyMs: 1_000 }), /timed out after 120 ms waiting for late$/);
    assert.equal(calls, 2, 'one call at the start, one at the deadline');
    assert.ok(Date.now() - t0 < 600, 'the pause is cut to the deadline');
  });
});
