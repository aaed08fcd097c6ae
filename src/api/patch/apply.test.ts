import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiError } from '../errors.js';
import type { KubeObject } from '../object.js';
import { recordUpdate, serverSideApply } from './apply.js';
import { builtinPatchMeta } from './meta.js';

const meta = builtinPatchMeta('Deployment');
const T0 = '2025-01-01T00:00:00Z';
const T1 = '2025-01-01T00:01:00.500Z';

function config(o: { replicas?: number; image?: string; labels?: Record<string, string>; containers?: unknown[] } = {}): KubeObject {
  const spec: Record<string, unknown> = {
    selector: { matchLabels: { app: 'web' } },
    template: {
      metadata: { labels: { app: 'web' } },
      spec: { containers: o.containers ?? [{ name: 'nginx', image: o.image ?? 'nginx:1.25', ports: [{ containerPort: 80 }] }] },
    },
  };
  if (o.replicas !== undefined) spec['replicas'] = o.replicas;
  return { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'default', labels: o.labels ?? { app: 'web' } }, spec };
}

/** The stored object as the server would keep it after a write (uid and friends added). */
const stored = (o: KubeObject): KubeObject => ({ ...o, metadata: { ...o.metadata, uid: 'u1', resourceVersion: '5', creationTimestamp: T0 } });

const apply = (live: KubeObject | undefined, applied: KubeObject, manager = 'kubectl', force = false, now = T1) =>
  serverSideApply({ live, applied, manager, force, now, meta });

test('apply create: object and FieldsV1 as Kubernetes writes them', () => {
  const r = apply(undefined, config({ replicas: 2 }), 'kubectl', false, T0);
  assert.equal(r.changed, true);
  assert.equal((r.object.spec as any).replicas, 2);
  assert.deepEqual(r.managedFields, [
    {
      manager: 'kubectl',
      operation: 'Apply',
      apiVersion: 'apps/v1',
      time: T0,
      fieldsType: 'FieldsV1',
      fieldsV1: {
        'f:metadata': { 'f:labels': { 'f:app': {} } },
        'f:spec': {
          'f:replicas': {},
          'f:selector': {},
          'f:template': {
            'f:metadata': { 'f:labels': { 'f:app': {} } },
            'f:spec': {
              'f:containers': {
                'k:{"name":"nginx"}': {
                  '.': {},
                  'f:image': {},
                  'f:name': {},
                  'f:ports': { 'k:{"containerPort":80,"protocol":"TCP"}': { '.': {}, 'f:containerPort': {} } },
                },
              },
            },
          },
        },
      },
    },
  ]);
  assert.deepEqual(r.object.metadata?.managedFields, r.managedFields);
});

test('re-apply of the same configuration changes nothing and keeps the time', () => {
  const first = apply(undefined, config({ replicas: 2 }), 'kubectl', false, T0);
  const again = apply(stored(first.object), config({ replicas: 2 }));
  assert.equal(again.changed, false);
  assert.equal(again.managedFields[0]?.time, T0);
  assert.deepEqual(again.managedFields, first.managedFields);
});

test('apply over an Update owner: conflict with Kubernetes message and cause', () => {
  const created = recordUpdate({ old: undefined, updated: config({ replicas: 1 }), manager: 'kubectl-client-side-apply', now: T0, meta });
  assert.throws(
    () => apply(stored(created.object), config({ replicas: 3 })),
    (e: unknown) => {
      assert.ok(e instanceof ApiError);
      assert.equal(e.code, 409);
      assert.equal(e.reason, 'Conflict');
      assert.equal(e.message, 'Apply failed with 1 conflict: conflict with "kubectl-client-side-apply" using apps/v1: .spec.replicas');
      assert.deepEqual(e.details?.causes, [
        { reason: 'FieldManagerConflict', message: 'conflict with "kubectl-client-side-apply" using apps/v1', field: '.spec.replicas' },
      ]);
      return true;
    },
  );
});

test('same values are shared, not conflicting', () => {
  const created = recordUpdate({ old: undefined, updated: config({ replicas: 1 }), manager: 'kubectl-client-side-apply', now: T0, meta });
  const r = apply(stored(created.object), config({ replicas: 1 }));
  assert.equal(r.changed, false);
  const csa = r.managedFields.find((e) => e.manager === 'kubectl-client-side-apply');
  assert.ok((csa?.fieldsV1 as any)['f:spec']['f:replicas'], 'still co-owned');
});

test('force takes the conflicting field over', () => {
  const created = recordUpdate({ old: undefined, updated: config({ replicas: 1 }), manager: 'kubectl-client-side-apply', now: T0, meta });
  const r = apply(stored(created.object), config({ replicas: 3 }), 'kubectl', true);
  assert.equal((r.object.spec as any).replicas, 3);
  const csa = r.managedFields.find((e) => e.manager === 'kubectl-client-side-apply');
  assert.equal((csa?.fieldsV1 as any)['f:spec']['f:replicas'], undefined);
  const mine = r.managedFields.find((e) => e.manager === 'kubectl');
  assert.deepEqual((mine?.fieldsV1 as any)['f:spec']['f:replicas'], {});
  assert.equal(r.managedFields[0]?.operation, 'Apply', 'Apply entries sort first');
});

test('two conflicting managers: the multi-line message', () => {
  const a = apply(undefined, config({ replicas: 1 }), 'alpha', false, T0);
  const b = apply(stored(a.object), { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', labels: { app: 'web', tier: 'x' } } }, 'beta');
  assert.throws(
    () => apply(stored(b.object), config({ replicas: 5, labels: { app: 'web', tier: 'y' } }), 'gamma'),
    (e: unknown) =>
      e instanceof ApiError &&
      e.message === 'Apply failed with 2 conflicts: conflicts with "alpha":\n- .spec.replicas\nconflicts with "beta":\n- .metadata.labels.tier' &&
      e.details?.causes?.length === 2,
  );
});

test('fields dropped from the configuration are removed when nobody else owns them', () => {
  const first = apply(undefined, config({ replicas: 2, labels: { app: 'web', tier: 'front' } }), 'kubectl', false, T0);
  const second = apply(stored(first.object), config({ labels: { app: 'web' } }));
  assert.deepEqual(second.object.metadata?.labels, { app: 'web' });
  assert.equal((second.object.spec as any).replicas, undefined);
  const f = second.managedFields[0]?.fieldsV1 as any;
  assert.equal(f['f:spec']['f:replicas'], undefined);
});

test('a dropped field another manager also owns stays', () => {
  const first = apply(undefined, config({ labels: { app: 'web', tier: 'front' } }), 'kubectl', false, T0);
  const other = apply(stored(first.object), { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', labels: { tier: 'front' } } }, 'other');
  const second = apply(stored(other.object), config({ labels: { app: 'web' } }));
  assert.deepEqual(second.object.metadata?.labels, { app: 'web', tier: 'front' });
});

test('a container dropped from the configuration goes; server-only containers stay', () => {
  const two = [
    { name: 'nginx', image: 'nginx', ports: [{ containerPort: 80 }] },
    { name: 'sidecar', image: 'busybox' },
  ];
  const first = apply(undefined, config({ containers: two }), 'kubectl', false, T0);
  // A controller injects a container by Update.
  const injected = structuredClone(first.object) as any;
  injected.spec.template.spec.containers.push({ name: 'proxy', image: 'envoy' });
  const upd = recordUpdate({ old: stored(first.object), updated: stored(injected), manager: 'injector', now: T0, meta });
  const second = apply(stored(upd.object), config({ containers: [two[0]] }));
  assert.deepEqual((second.object.spec as any).template.spec.containers.map((c: any) => c.name), ['nginx', 'proxy']);
});

test('apply keeps live-only list items in place and adds new ones', () => {
  const first = apply(undefined, config(), 'kubectl', false, T0);
  const withEnv = config({ containers: [{ name: 'nginx', image: 'nginx:1.25', ports: [{ containerPort: 80 }, { containerPort: 443 }] }] });
  const r = apply(stored(first.object), withEnv);
  assert.deepEqual((r.object.spec as any).template.spec.containers[0].ports, [{ containerPort: 80 }, { containerPort: 443 }]);
});

test('managedFields in the applied configuration is a bad request', () => {
  const c = config();
  c.metadata!.managedFields = [];
  assert.throws(() => apply(undefined, c), (e: unknown) => e instanceof ApiError && e.code === 400 && e.message === 'metadata.managedFields must be nil');
});

test('an associative item without its key is a bad request', () => {
  assert.throws(() => apply(undefined, config({ containers: [{ image: 'x' }] })), (e: unknown) => e instanceof ApiError && e.code === 400 && /omits key field "name"/.test(e.message));
});

test('first apply to an object with no managedFields: before-first-apply owns the old values', () => {
  const legacy = stored(config({ replicas: 1 }));
  assert.throws(() => apply(legacy, config({ replicas: 4 })), (e: unknown) => e instanceof ApiError && /"before-first-apply" using apps\/v1: \.spec\.replicas/.test(e.message));
});

test('recordUpdate on create: Update entry with "." on maps and list items', () => {
  const r = recordUpdate({ old: undefined, updated: config({ replicas: 1 }), manager: 'kubectl-create', now: T0, meta });
  assert.deepEqual(r.managedFields, [
    {
      manager: 'kubectl-create',
      operation: 'Update',
      apiVersion: 'apps/v1',
      time: T0,
      fieldsType: 'FieldsV1',
      fieldsV1: {
        'f:metadata': { 'f:labels': { '.': {}, 'f:app': {} } },
        'f:spec': {
          'f:replicas': {},
          'f:selector': {},
          'f:template': {
            'f:metadata': { 'f:labels': { '.': {}, 'f:app': {} } },
            'f:spec': {
              'f:containers': {
                'k:{"name":"nginx"}': {
                  '.': {},
                  'f:image': {},
                  'f:name': {},
                  'f:ports': { 'k:{"containerPort":80,"protocol":"TCP"}': { '.': {}, 'f:containerPort': {} } },
                },
              },
            },
          },
        },
      },
    },
  ]);
});

test('recordUpdate: kubectl label adds an entry; changing an applied field takes it from the applier', () => {
  const first = apply(undefined, config({ replicas: 2 }), 'kubectl', false, T0);
  const labelled = structuredClone(first.object) as any;
  labelled.metadata.labels.tier = 'front';
  const l = recordUpdate({ old: stored(first.object), updated: stored(labelled), manager: 'kubectl-label', now: T1, meta });
  const entry = l.managedFields.find((e) => e.manager === 'kubectl-label');
  assert.deepEqual(entry?.fieldsV1, { 'f:metadata': { 'f:labels': { 'f:tier': {} } } });
  assert.equal(entry?.time, '2025-01-01T00:01:00Z');

  const scaled = structuredClone(l.object) as any;
  scaled.spec.replicas = 7;
  const s = recordUpdate({ old: stored(l.object), updated: stored(scaled), manager: 'kube-controller-manager', subresource: 'scale', now: T1, meta });
  const applier = s.managedFields.find((e) => e.manager === 'kubectl') as any;
  assert.equal(applier.fieldsV1['f:spec']['f:replicas'], undefined);
  const scaler = s.managedFields.find((e) => e.manager === 'kube-controller-manager');
  assert.equal(scaler?.subresource, 'scale');
  // The applier now conflicts on replicas with the scaler.
  assert.throws(
    () => apply(stored(s.object), config({ replicas: 2 })),
    (e: unknown) => e instanceof ApiError && e.message === 'Apply failed with 1 conflict: conflict with "kube-controller-manager" with subresource "scale" using apps/v1: .spec.replicas',
  );
});

test('recordUpdate: a write that changes nothing adds no entry', () => {
  const first = apply(undefined, config(), 'kubectl', false, T0);
  const r = recordUpdate({ old: stored(first.object), updated: stored(first.object), manager: 'noop', now: T1, meta });
  assert.equal(r.managedFields.length, 1);
  assert.equal(r.changed, false);
});

test('recordUpdate: a client may reset managedFields', () => {
  const first = apply(undefined, config(), 'kubectl', false, T0);
  const reset = structuredClone(first.object) as any;
  reset.metadata.managedFields = [{}];
  reset.metadata.labels.x = 'y';
  const r = recordUpdate({ old: stored(first.object), updated: stored(reset), manager: 'cleaner', now: T1, meta });
  assert.deepEqual(r.managedFields.map((e) => e.manager), ['cleaner']);
});
