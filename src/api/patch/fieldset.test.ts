import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FieldSet, pathString } from './fieldset.js';
import { serverSideApply } from './apply.js';
import { builtinPatchMeta } from './meta.js';

test('FieldsV1 round trip keeps members and "." markers', () => {
  const v1 = {
    'f:metadata': { 'f:finalizers': { '.': {}, 'v:"a/b"': {} }, 'f:labels': { '.': {}, 'f:app': {} } },
    'f:spec': { 'f:containers': { 'k:{"name":"x"}': { '.': {}, 'f:image': {} } } },
  };
  const s = FieldSet.fromFieldsV1(v1);
  assert.deepEqual(s.toFieldsV1(), v1);
  assert.equal(s.has(['f:metadata', 'f:labels']), true);
  assert.equal(s.has(['f:spec']), false);
});

test('set algebra', () => {
  const a = new FieldSet().insert(['f:spec', 'f:replicas']).insert(['f:spec', 'f:paused']);
  const b = new FieldSet().insert(['f:spec', 'f:replicas']);
  assert.deepEqual(a.difference(b).paths(), [['f:spec', 'f:paused']]);
  assert.deepEqual(a.intersection(b).paths(), [['f:spec', 'f:replicas']]);
  assert.equal(a.difference(a).empty(), true);
});

const paths: [string[], string][] = [
  [['f:spec', 'f:replicas'], '.spec.replicas'],
  [['f:spec', 'f:containers', 'k:{"name":"nginx"}', 'f:image'], '.spec.containers[name="nginx"].image'],
  [['f:spec', 'f:ports', 'k:{"port":80,"protocol":"TCP"}'], '.spec.ports[port=80,protocol="TCP"]'],
  [['f:metadata', 'f:finalizers', 'v:"x/y"'], '.metadata.finalizers[="x/y"]'],
  [['f:args', 'i:2'], '.args[2]'],
];
for (const [p, want] of paths) test(`pathString ${want}`, () => assert.equal(pathString(p), want));

test('apply: finalizers are a set (v:), status ignored when asked', () => {
  const r = serverSideApply({
    live: undefined,
    applied: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', finalizers: ['a/b'] }, data: { k: 'v' }, status: { x: 1 } },
    manager: 'm',
    now: '2025-01-01T00:00:00Z',
    meta: builtinPatchMeta('ConfigMap'),
    ignore: [['status']],
  });
  assert.deepEqual(r.managedFields[0]?.fieldsV1, { 'f:data': { 'f:k': {} }, 'f:metadata': { 'f:finalizers': { 'v:"a/b"': {} } } });
});
