import assert from 'node:assert/strict';
import { it } from 'node:test';
import { nextBackoff, shouldRestart } from './pod-state.js';

it('doubles CrashLoopBackOff from 10 s to 5 min', () => {
  const seq: number[] = [];
  let ms = 0;
  for (let i = 0; i < 8; i++) seq.push((ms = nextBackoff(ms)));
  assert.deepEqual(seq, [10_000, 20_000, 40_000, 80_000, 160_000, 300_000, 300_000, 300_000]);
});

it('restarts per restartPolicy', () => {
  const cases: [policy: string | undefined, code: number, init: boolean, want: boolean][] = [
    [undefined, 0, false, true],
    ['Always', 1, false, true],
    ['OnFailure', 0, false, false],
    ['OnFailure', 2, false, true],
    ['Never', 2, false, false],
    ['Always', 0, true, false],
    ['Always', 1, true, true],
    ['Never', 1, true, false],
  ];
  for (const [p, c, i, want] of cases) assert.equal(shouldRestart(p, c, i), want, `${p} ${c} ${i}`);
});
