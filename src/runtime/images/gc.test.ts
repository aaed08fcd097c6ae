import { test } from 'node:test';
import assert from 'node:assert/strict';
import { planGc } from './gc.js';

const base = { capacity: 1000, inUse: new Set<string>(), highPercent: 85, lowPercent: 80, minAgeMs: 60_000, nowMs: 1_000_000 };
const images = [
  { id: 'old', bytes: 30, lastUsedMs: 100 },
  { id: 'mid', bytes: 30, lastUsedMs: 500_000 },
  { id: 'fresh', bytes: 500, lastUsedMs: 990_000 },
  { id: 'used', bytes: 500, lastUsedMs: 0 },
];

test('below the high threshold nothing is collected', () => {
  assert.deepEqual(planGc({ ...base, available: 200, images }), []);
});

test('above it, least recently used first down to the low threshold, never in use or too young', () => {
  // 90% used: 100 bytes to free to reach 80%. old + mid give 60; fresh is too young, used is in use.
  assert.deepEqual(planGc({ ...base, available: 100, images, inUse: new Set(['used']) }), ['old', 'mid']);
  // 86% used: 60 bytes to free: the oldest (500 bytes) alone is enough; without it, old and mid just are.
  assert.deepEqual(planGc({ ...base, available: 140, images }), ['used']);
  assert.deepEqual(planGc({ ...base, available: 140, images, inUse: new Set(['used']) }), ['old', 'mid']);
});
