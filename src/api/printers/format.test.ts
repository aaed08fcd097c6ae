import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatLabelSelector, formatLabels, humanDuration, quantity, selectorString } from './format.js';
import { age, defaultPrinter } from './index.js';

test('humanDuration matches apimachinery', () => {
  const s = 1000;
  const cases: [number, string][] = [
    [-5 * s, '<invalid>'],
    [-1 * s, '0s'],
    [0, '0s'],
    [59 * s, '59s'],
    [119 * s, '119s'],
    [120 * s, '2m'],
    [150 * s, '2m30s'],
    [600 * s, '10m'],
    [179 * 60 * s, '179m'],
    [3 * 3600 * s, '3h'],
    [(3 * 3600 + 25 * 60) * s, '3h25m'],
    [8 * 3600 * s, '8h'],
    [47 * 3600 * s, '47h'],
    [(3 * 24 + 4) * 3600 * s, '3d4h'],
    [7 * 24 * 3600 * s, '7d'],
    [200 * 24 * 3600 * s, '200d'],
    [(2 * 365 + 10) * 24 * 3600 * s, '2y10d'],
    [9 * 365 * 24 * 3600 * s, '9y'],
  ];
  for (const [ms, want] of cases) assert.equal(humanDuration(ms), want, `${ms}ms`);
});

test('age of a missing timestamp is <unknown>', () => {
  const now = new Date('2025-06-01T12:00:00Z');
  assert.equal(age(undefined, now), '<unknown>');
  assert.equal(age('2025-06-01T11:55:00Z', now), '5m');
});

test('labels and selectors', () => {
  assert.equal(formatLabels({}), '<none>');
  assert.equal(formatLabels({ z: '1', a: '' }), 'a=,z=1');
  assert.equal(formatLabelSelector(undefined), '<none>');
  assert.equal(formatLabelSelector({}), '<none>');
  assert.equal(
    selectorString({ matchLabels: { tier: 'fe' }, matchExpressions: [{ key: 'env', operator: 'NotIn', values: ['prod', 'dev'] }, { key: 'app', operator: 'In', values: ['x'] }] }),
    'app in (x),env notin (dev,prod),tier=fe',
  );
});

test('quantities print canonically', () => {
  assert.equal(quantity('10Gi'), '10Gi');
  assert.equal(quantity('1024Mi'), '1Gi');
  assert.equal(quantity(undefined), '0');
});

test('default printer: NAME and CREATED AT as an RFC 3339 date', () => {
  assert.deepEqual(defaultPrinter.columns.map((c) => [c.name, c.type, c.format]), [['Name', 'string', 'name'], ['Created At', 'date', '']]);
  assert.deepEqual(defaultPrinter.cells({ metadata: { name: 'r', creationTimestamp: '2025-01-02T03:04:05Z' } }, new Date()), ['r', '2025-01-02T03:04:05Z']);
});

test('buildTable: metadata rows by default, whole objects or none on request, pod row conditions', async () => {
  const { buildTable, printerFor } = await import('./index.js');
  const now = new Date('2025-06-01T12:00:00Z');
  const done = { metadata: { name: 'job-x', namespace: 'ns', labels: { a: 'b' }, creationTimestamp: '2025-06-01T11:00:00Z' }, spec: { containers: [{ name: 'c' }] }, status: { phase: 'Succeeded' } };
  const pods = printerFor({ group: '', plural: 'pods' });
  const t = buildTable(pods, [done], { now, listMeta: { resourceVersion: '42' } });
  assert.equal(t.kind, 'Table');
  assert.equal(t.apiVersion, 'meta.k8s.io/v1');
  assert.deepEqual(t.metadata, { resourceVersion: '42' });
  assert.equal(t.columnDefinitions.length, 9);
  assert.deepEqual(t.rows[0]?.object, { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: done.metadata });
  assert.deepEqual(t.rows[0]?.conditions, [{ type: 'Completed', status: 'True', reason: 'Succeeded', message: 'The pod has completed successfully.' }]);
  assert.equal(buildTable(pods, [done], { now, includeObject: 'Object' }).rows[0]?.object, done);
  assert.equal(buildTable(pods, [done], { now, includeObject: 'None' }).rows[0]?.object, undefined);
  assert.deepEqual(buildTable(pods, [done], { now, noHeaders: true, apiVersion: 'meta.k8s.io/v1beta1' }).columnDefinitions, []);
});
