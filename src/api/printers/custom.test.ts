import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../object.js';
import { customResourcePrinter, evaluatePath, parseColumnPath } from './custom.js';

const now = new Date('2025-06-01T12:00:00Z');
const ago = (s: number): string => new Date(now.getTime() - s * 1000).toISOString();

const crontab: KubeObject = {
  apiVersion: 'stable.example.com/v1',
  kind: 'CronTab',
  metadata: { name: 'my-cron', creationTimestamp: ago(600) },
  spec: { cronSpec: '* * * * */5', image: 'my-cron-image', replicas: 3, tags: ['a', 'b'], 'dotted.key': 'x' },
  status: { conditions: [{ type: 'Synced', status: 'False' }, { type: 'Ready', status: 'True' }], lastRun: ago(30) },
};

test('JSONPath subset', () => {
  const at = (p: string): unknown[] => evaluatePath(crontab, parseColumnPath(p)!);
  assert.deepEqual(at('.spec.replicas'), [3]);
  assert.deepEqual(at('.spec.tags[1]'), ['b']);
  assert.deepEqual(at('.spec.tags[*]'), ['a', 'b']);
  assert.deepEqual(at(".spec['dotted.key']"), ['x']);
  assert.deepEqual(at('.status.conditions[?(@.type=="Ready")].status'), ['True']);
  assert.deepEqual(at('.spec.missing'), []);
  assert.equal(parseColumnPath('spec.replicas'), undefined);
});

test('additionalPrinterColumns become columns and typed cells', () => {
  const p = customResourcePrinter([
    { name: 'Spec', type: 'string', jsonPath: '.spec.cronSpec' },
    { name: 'Replicas', type: 'integer', jsonPath: '.spec.replicas' },
    { name: 'Ready', type: 'string', jsonPath: '.status.conditions[?(@.type=="Ready")].status' },
    { name: 'Last Run', type: 'date', jsonPath: '.status.lastRun' },
    { name: 'Image', type: 'string', jsonPath: '.spec.image', priority: 1 },
    { name: 'Missing', type: 'string', jsonPath: '.spec.nothing' },
  ]);
  assert.deepEqual(p.columns.map((c) => `${c.name}:${c.type}:${c.priority}`), ['Name:string:0', 'Spec:string:0', 'Replicas:integer:0', 'Ready:string:0', 'Last Run:date:0', 'Image:string:1', 'Missing:string:0']);
  assert.deepEqual(p.cells(crontab, now), ['my-cron', '* * * * */5', 3, 'True', '30s', 'my-cron-image', null]);
});

test('a CRD without columns prints NAME and AGE', () => {
  const p = customResourcePrinter();
  assert.deepEqual(p.columns.map((c) => c.name), ['Name', 'Age']);
  assert.deepEqual(p.cells(crontab, now), ['my-cron', '10m']);
});
