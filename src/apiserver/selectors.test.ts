import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ApiError } from '../api/errors.js';
import { matchLabels, parseLabelSelector } from './selectors.js';

const fails = (s: string, message: string) =>
  assert.throws(() => parseLabelSelector(s), (e: unknown) => e instanceof ApiError && e.code === 400 && e.message === message, s);

test('label selectors parse and match', () => {
  const r = parseLabelSelector('a=b,c!=d,e in (x, y),f notin (z),g,!h');
  assert.equal(r.length, 6);
  assert.ok(matchLabels(r, { a: 'b', e: 'y', g: '' }));
  assert.ok(!matchLabels(r, { a: 'b', e: 'y', g: '', h: '1' }));
});

test('label selectors refuse what labels.Parse refuses, in its words', () => {
  fails('a in (x y)', "unable to parse requirement: found 'y', expected: ',' or ')'");
  const key = 'k'.repeat(70);
  fails(`${key}=v`, `unable to parse requirement: key: Invalid value: "${key}": name part must be no more than 63 characters`);
  fails(`a=${'v'.repeat(64)}`, `unable to parse requirement: values[0][a]: Invalid value: "${'v'.repeat(64)}": must be no more than 63 characters`);
});
