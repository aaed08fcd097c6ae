import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiError } from '../errors.js';
import { builtinPatchMeta, noPatchMeta } from './meta.js';
import { applyStrategicMergePatch } from './strategic.js';

const meta = builtinPatchMeta('Deployment');
const names = (list: any[]) => list.map((c) => c.name);

const live = () => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', labels: { app: 'web' }, finalizers: ['a.example.com/x', 'b.example.com/y'] },
  spec: {
    replicas: 1,
    strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } },
    template: {
      metadata: { labels: { app: 'web' } },
      spec: {
        containers: [
          { name: 'nginx', image: 'nginx:1.25', ports: [{ containerPort: 80, protocol: 'TCP' }], env: [{ name: 'A', value: '1' }] },
          { name: 'injected', image: 'proxy:1' },
          { name: 'sidecar', image: 'busybox' },
        ],
        tolerations: [{ key: 'k', operator: 'Exists' }],
      },
    },
  },
});

const tpl = (d: any) => d.spec.template.spec;

const cases: { name: string; patch: unknown; check: (d: any) => void; lookup?: typeof meta }[] = [
  {
    name: 'kubectl patch -p replicas',
    patch: { spec: { replicas: 3 } },
    check: (d) => {
      assert.equal(d.spec.replicas, 3);
      assert.equal(tpl(d).containers.length, 3);
    },
  },
  {
    name: 'kubectl set image merges containers by name',
    patch: { spec: { template: { spec: { containers: [{ name: 'sidecar', image: 'busybox:1.36' }] } } } },
    check: (d) => {
      assert.deepEqual(names(tpl(d).containers), ['nginx', 'injected', 'sidecar']);
      assert.equal(tpl(d).containers[2].image, 'busybox:1.36');
      assert.equal(tpl(d).containers[0].image, 'nginx:1.25');
    },
  },
  {
    name: 'kubectl label adds and null removes',
    patch: { metadata: { labels: { tier: 'front', app: null } } },
    check: (d) => assert.deepEqual(d.metadata.labels, { tier: 'front' }),
  },
  {
    name: 'kubectl apply second run: $setElementOrder with a $patch delete',
    patch: {
      metadata: { annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{}' } },
      spec: {
        template: {
          spec: {
            '$setElementOrder/containers': [{ name: 'nginx' }],
            containers: [{ name: 'nginx', image: 'nginx:1.27' }, { $patch: 'delete', name: 'sidecar' }],
          },
        },
      },
    },
    check: (d) => {
      // The server-only container keeps its place; the deleted one goes.
      assert.deepEqual(names(tpl(d).containers), ['nginx', 'injected']);
      assert.equal(tpl(d).containers[0].image, 'nginx:1.27');
      assert.deepEqual(tpl(d).containers[0].ports, [{ containerPort: 80, protocol: 'TCP' }]);
      assert.equal(d.metadata.annotations['kubectl.kubernetes.io/last-applied-configuration'], '{}');
    },
  },
  {
    name: '$setElementOrder alone reorders',
    patch: { spec: { template: { spec: { '$setElementOrder/containers': [{ name: 'sidecar' }, { name: 'injected' }, { name: 'nginx' }] } } } },
    check: (d) => assert.deepEqual(names(tpl(d).containers), ['sidecar', 'injected', 'nginx']),
  },
  {
    name: '$setElementOrder with a new container in the middle',
    patch: {
      spec: {
        template: {
          spec: {
            '$setElementOrder/containers': [{ name: 'nginx' }, { name: 'new' }, { name: 'sidecar' }],
            containers: [{ name: 'new', image: 'new:1' }],
          },
        },
      },
    },
    check: (d) => assert.deepEqual(names(tpl(d).containers), ['nginx', 'new', 'injected', 'sidecar']),
  },
  {
    name: 'env merges by name, ports by containerPort',
    patch: {
      spec: {
        template: {
          spec: {
            containers: [{ name: 'nginx', env: [{ name: 'B', value: '2' }, { name: 'A', value: 'x' }], ports: [{ containerPort: 443 }] }],
          },
        },
      },
    },
    check: (d) => {
      const c = tpl(d).containers[0];
      // The patch's order wins over the live order (normalizeElementOrder).
      assert.deepEqual(c.env, [{ name: 'B', value: '2' }, { name: 'A', value: 'x' }]);
      // Without $setElementOrder a new item lands before the server-only ones, as in Kubernetes.
      assert.deepEqual(c.ports.map((p: any) => p.containerPort), [443, 80]);
    },
  },
  {
    name: 'lists without a strategy are replaced (tolerations)',
    patch: { spec: { template: { spec: { tolerations: [{ key: 'z', operator: 'Exists' }] } } } },
    check: (d) => assert.deepEqual(tpl(d).tolerations, [{ key: 'z', operator: 'Exists' }]),
  },
  {
    name: '$retainKeys: switching to Recreate drops rollingUpdate',
    patch: { spec: { strategy: { $retainKeys: ['type'], type: 'Recreate', rollingUpdate: null } } },
    check: (d) => assert.deepEqual(d.spec.strategy, { type: 'Recreate' }),
  },
  {
    name: '$deleteFromPrimitiveList/finalizers',
    patch: { metadata: { '$deleteFromPrimitiveList/finalizers': ['a.example.com/x'] } },
    check: (d) => assert.deepEqual(d.metadata.finalizers, ['b.example.com/y']),
  },
  {
    name: 'primitive merge list is a union',
    patch: { metadata: { finalizers: ['c.example.com/z', 'a.example.com/x'] } },
    // Patch items in patch order; the server-only item slots in after those it followed live.
    check: (d) => assert.deepEqual(d.metadata.finalizers, ['c.example.com/z', 'a.example.com/x', 'b.example.com/y']),
  },
  {
    name: '$setElementOrder with $deleteFromPrimitiveList (kubectl apply on finalizers)',
    patch: { metadata: { '$setElementOrder/finalizers': ['b.example.com/y'], '$deleteFromPrimitiveList/finalizers': ['a.example.com/x'] } },
    check: (d) => assert.deepEqual(d.metadata.finalizers, ['b.example.com/y']),
  },
  {
    name: '$patch: replace on a map',
    patch: { metadata: { labels: { $patch: 'replace', only: 'this' } } },
    check: (d) => assert.deepEqual(d.metadata.labels, { only: 'this' }),
  },
  {
    name: '$patch: replace in a list',
    patch: { spec: { template: { spec: { containers: [{ $patch: 'replace' }, { name: 'solo', image: 's' }] } } } },
    check: (d) => assert.deepEqual(tpl(d).containers, [{ name: 'solo', image: 's' }]),
  },
  {
    name: '$patch: delete on a map empties it',
    patch: { spec: { strategy: { $patch: 'delete' } } },
    check: (d) => assert.deepEqual(d.spec.strategy, {}),
  },
  {
    name: 'without metadata every list is replaced (custom resources)',
    patch: { spec: { template: { spec: { containers: [{ name: 'x' }] } } } },
    lookup: noPatchMeta,
    check: (d) => assert.deepEqual(tpl(d).containers, [{ name: 'x' }]),
  },
  {
    name: 'new subtrees drop nulls and directives',
    patch: { spec: { paused: true, selector: { matchLabels: { app: 'web', gone: null } } } },
    check: (d) => {
      assert.equal(d.spec.paused, true);
      assert.deepEqual(d.spec.selector, { matchLabels: { app: 'web' } });
    },
  },
];

for (const c of cases) {
  test(`strategic merge: ${c.name}`, () => {
    const doc = live();
    c.check(applyStrategicMergePatch(doc, c.patch, c.lookup ?? meta));
    assert.deepEqual(doc, live(), 'input untouched');
  });
}

const failures: { name: string; patch: unknown; code: number; message: string }[] = [
  {
    name: 'missing merge key',
    patch: { spec: { template: { spec: { containers: [{ image: 'x' }] } } } },
    code: 400, // Kubernetes: 500; we answer the client's mistake with a 4xx
    message: 'map: map[image:x] does not contain declared merge key: name',
  },
  { name: 'bad $retainKeys', patch: { spec: { strategy: { $retainKeys: 'type' } } }, code: 400, message: 'invalid patch format of retainKeys' },
  { name: 'field outside $retainKeys', patch: { spec: { strategy: { $retainKeys: ['type'], rollingUpdate: {} } } }, code: 400, message: 'invalid patch format of retainKeys' },
  { name: 'unknown $patch', patch: { spec: { $patch: 'frob' } }, code: 400, message: 'unknown patch type: frob in map: map[$patch:frob]' },
  { name: 'patch is a list', patch: [], code: 400, message: 'json: cannot unmarshal array into Go value of type map[string]interface {}' },
];
for (const c of failures) {
  test(`strategic merge error: ${c.name}`, () => {
    assert.throws(
      () => applyStrategicMergePatch(live(), c.patch, meta),
      (e: unknown) => e instanceof ApiError && e.code === c.code && e.message === c.message,
    );
  });
}
