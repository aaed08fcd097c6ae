import assert from 'node:assert/strict';
import { it } from 'node:test';
import { expandVars } from './expand.js';

it('expands $(VAR) as Kubernetes does', () => {
  const env: Record<string, string> = { A: 'x', B: 'y' };
  const look = (n: string) => env[n];
  const cases: [string, string][] = [
    ['$(A)', 'x'],
    ['pre-$(A)-$(B)', 'pre-x-y'],
    ['$(MISSING)', '$(MISSING)'],
    ['$$(A)', '$(A)'],
    ['$$', '$'],
    ['$A', '$A'],
    ['$(A', '$(A'],
    ['tail$', 'tail$'],
  ];
  for (const [input, want] of cases) assert.equal(expandVars(input, look), want, input);
});
