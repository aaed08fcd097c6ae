import assert from 'node:assert/strict';
import { test } from 'node:test';
import { canonicalQuantity, Quantity } from './quantity.js';

test('canonical forms match Kubernetes', () => {
  const cases: Array<[string | number, string]> = [
    ['100m', '100m'],
    ['0.5', '500m'],
    [0.5, '500m'],
    ['1', '1'],
    [2, '2'],
    ['1000', '1k'],
    ['1500', '1500'],
    ['1.5k', '1500'],
    ['1Gi', '1Gi'],
    ['1024Mi', '1Gi'],
    ['1536Mi', '1536Mi'],
    ['1.5Gi', '1536Mi'],
    ['0.5Ki', '512'],
    ['1e3', '1e3'],
    ['1E3', '1e3'],
    ['12e2', '1200'],
    ['0', '0'],
    ['0Gi', '0'],
    ['-1Gi', '-1Gi'],
    ['1M', '1M'],
    ['128974848', '128974848'],
    ['129e6', '129e6'],
    ['123Mi', '123Mi'],
    ['0.1m', '100u'], ['0.1n', '1n'],
    ['1n', '1n'],
  ];
  for (const [input, want] of cases) assert.equal(Quantity.must(input).toString(), want, `${input}`);
});

test('rejects what apimachinery rejects', () => {
  for (const bad of ['', 'abc', '1Gb', '1.2.3', ' 1', '1 ', 'Gi', '--1', '1e', '1ki']) assert.equal(Quantity.parse(bad), undefined, bad);
  assert.equal(canonicalQuantity('nope'), 'nope');
});

test('compare and milli values', () => {
  assert.equal(Quantity.must('1Gi').cmp(Quantity.must('1073741824')), 0);
  assert.equal(Quantity.must('500m').cmp(Quantity.must('1')), -1);
  assert.equal(Quantity.must('2').cmp(Quantity.must('1900m')), 1);
  assert.equal(Quantity.must('250m').milliValue(), 250);
  assert.equal(Quantity.must('1.5').value(), 2);
  assert.equal(Quantity.must('1Ki').value(), 1024);
  assert.equal(Quantity.must('1k').add(Quantity.must('500')).toString(), '1500');
});
