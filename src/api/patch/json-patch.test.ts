import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiError } from '../errors.js';
import { applyJsonPatch } from './json-patch.js';
import { applyMergePatch } from './merge-patch.js';

const deploy = () => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', labels: { app: 'web' } },
  spec: { replicas: 1, template: { spec: { containers: [{ name: 'nginx', image: 'nginx:1.25' }] } } },
});

const ok: { name: string; ops: unknown[]; check: (d: any) => void }[] = [
  { name: 'replace replicas (kubectl patch --type json)', ops: [{ op: 'replace', path: '/spec/replicas', value: 3 }], check: (d) => assert.equal(d.spec.replicas, 3) },
  { name: 'add label with escaped key', ops: [{ op: 'add', path: '/metadata/labels/app.kubernetes.io~1name', value: 'x' }], check: (d) => assert.equal(d.metadata.labels['app.kubernetes.io/name'], 'x') },
  { name: 'append with -', ops: [{ op: 'add', path: '/spec/template/spec/containers/-', value: { name: 'side', image: 'busybox' } }], check: (d) => assert.equal(d.spec.template.spec.containers[1].name, 'side') },
  { name: 'insert at index 0', ops: [{ op: 'add', path: '/spec/template/spec/containers/0', value: { name: 'first' } }], check: (d) => assert.deepEqual(d.spec.template.spec.containers.map((c: any) => c.name), ['first', 'nginx']) },
  { name: 'remove label', ops: [{ op: 'remove', path: '/metadata/labels/app' }], check: (d) => assert.deepEqual(d.metadata.labels, {}) },
  { name: 'test then replace', ops: [{ op: 'test', path: '/spec/replicas', value: 1 }, { op: 'replace', path: '/spec/template/spec/containers/0/image', value: 'nginx:1.27' }], check: (d) => assert.equal(d.spec.template.spec.containers[0].image, 'nginx:1.27') },
  { name: 'move', ops: [{ op: 'move', from: '/metadata/labels/app', path: '/metadata/labels/tier' }], check: (d) => assert.deepEqual(d.metadata.labels, { tier: 'web' }) },
  { name: 'copy', ops: [{ op: 'copy', from: '/metadata/labels', path: '/metadata/annotations' }], check: (d) => assert.deepEqual(d.metadata.annotations, { app: 'web' }) },
];

for (const c of ok) {
  test(`json patch: ${c.name}`, () => {
    const doc = deploy();
    const out = applyJsonPatch(doc, c.ops);
    c.check(out);
    assert.deepEqual(doc, deploy(), 'input untouched');
  });
}

const bad: { name: string; ops: unknown; code: number; cause?: string }[] = [
  { name: 'test fails', ops: [{ op: 'test', path: '/spec/replicas', value: 5 }], code: 422, cause: 'testing value /spec/replicas failed: test failed' },
  { name: 'remove missing', ops: [{ op: 'remove', path: '/spec/affinity' }], code: 422, cause: 'remove operation does not apply: doc is missing path: "/spec/affinity": missing value' },
  { name: 'add under missing parent', ops: [{ op: 'add', path: '/spec/a/b', value: 1 }], code: 422 },
  { name: 'replace missing', ops: [{ op: 'replace', path: '/spec/paused', value: true }], code: 422 },
  { name: 'unknown op', ops: [{ op: 'frobnicate', path: '/spec' }], code: 422, cause: 'Unexpected kind: frobnicate' },
  { name: 'not a list', ops: { op: 'add' }, code: 400 },
];

for (const c of bad) {
  test(`json patch error: ${c.name}`, () => {
    assert.throws(
      () => applyJsonPatch(deploy(), c.ops),
      (e: unknown) => {
        assert.ok(e instanceof ApiError);
        assert.equal(e.code, c.code);
        if (c.code === 422) {
          assert.equal(e.reason, 'Invalid');
          assert.equal(e.message, 'the server rejected our request due to an error in our request');
        }
        if (c.cause) assert.equal(e.cause, c.cause);
        return true;
      },
    );
  });
}

test('json patch: failing op leaves nothing half-applied', () => {
  const doc = deploy();
  assert.throws(() => applyJsonPatch(doc, [{ op: 'replace', path: '/spec/replicas', value: 9 }, { op: 'test', path: '/x', value: 1 }]));
  assert.equal(doc.spec.replicas, 1);
});

const merges: { name: string; patch: unknown; want: (d: any) => void }[] = [
  { name: 'kubectl patch --type merge replicas', patch: { spec: { replicas: 3 } }, want: (d) => assert.equal(d.spec.replicas, 3) },
  { name: 'null deletes', patch: { metadata: { labels: { app: null } } }, want: (d) => assert.deepEqual(d.metadata.labels, {}) },
  { name: 'lists replace', patch: { spec: { template: { spec: { containers: [{ name: 'x' }] } } } }, want: (d) => assert.deepEqual(d.spec.template.spec.containers, [{ name: 'x' }]) },
  { name: 'new nested objects', patch: { metadata: { annotations: { a: 'b' } } }, want: (d) => assert.deepEqual(d.metadata.annotations, { a: 'b' }) },
];
for (const c of merges) {
  test(`merge patch: ${c.name}`, () => c.want(applyMergePatch(deploy(), c.patch)));
}
test('merge patch: non-object patch is a bad request', () => {
  assert.throws(() => applyMergePatch(deploy(), [1]), (e: unknown) => e instanceof ApiError && e.code === 400);
});
