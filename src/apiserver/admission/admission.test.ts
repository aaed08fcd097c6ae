import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { MemoryStore } from '../../store/memory/memory-store.js';
import { createApiServer, type ApiServer } from '../server.js';
import { call } from '../testing.js';

const admin = () => ({ name: 'admin', groups: ['system:masters'] });
const PODS = '/api/v1/namespaces/default/pods';
const pod = (name: string, spec: Record<string, unknown> = {}) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name },
  spec: { containers: [{ name: 'c', image: 'nginx' }], ...spec },
});

async function server(admission?: { defaultTolerationSeconds?: number; requireServiceAccount?: boolean }) {
  const store = new MemoryStore();
  const api = createApiServer({ store, authenticate: admin, admission });
  await api.init();
  return { api, store, close: async () => (await api.close(), await store.close()) };
}

describe('admission', () => {
  let api: ApiServer;
  let close: () => Promise<void>;
  before(async () => ({ api, close } = await server({ defaultTolerationSeconds: 120 })));
  after(() => close());

  it('adds the not-ready and unreachable tolerations with the configured seconds', async () => {
    const r = await call(api, 'POST', PODS, { body: pod('t1', { tolerations: [{ key: 'gpu', operator: 'Exists', effect: 'NoSchedule' }] }) });
    assert.equal(r.code, 201, r.body);
    assert.deepEqual(r.json<{ spec: { tolerations: unknown[] } }>().spec.tolerations, [
      { key: 'gpu', operator: 'Exists', effect: 'NoSchedule' },
      { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 120 },
      { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 120 },
    ]);
  });

  it('keeps a pod\'s own not-ready toleration and treats an empty key as tolerating both', async () => {
    const own = await call(api, 'POST', PODS, { body: pod('t2', { tolerations: [{ key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 5 }] }) });
    const tol = own.json<{ spec: { tolerations: { key: string; tolerationSeconds: number }[] } }>().spec.tolerations;
    assert.deepEqual(tol.map((t) => [t.key, t.tolerationSeconds]), [['node.kubernetes.io/not-ready', 5], ['node.kubernetes.io/unreachable', 120]]);
    const all = await call(api, 'POST', PODS, { body: pod('t3', { tolerations: [{ operator: 'Exists' }] }) });
    assert.deepEqual(all.json<{ spec: { tolerations: unknown[] } }>().spec.tolerations, [{ operator: 'Exists' }]);
  });

  it('defaults the service account and mounts the kube-api-access volume in every container', async () => {
    const r = await call(api, 'POST', PODS, { body: pod('sa1', { initContainers: [{ name: 'i', image: 'busybox' }] }) });
    assert.equal(r.code, 201, r.body);
    const spec = r.json<{ spec: Record<string, any> }>().spec;
    assert.equal(spec['serviceAccountName'], 'default');
    const vol = spec['volumes'][0];
    assert.match(vol.name, /^kube-api-access-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
    assert.deepEqual(vol.projected.sources, [
      { serviceAccountToken: { expirationSeconds: 3607, path: 'token' } },
      { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
      { downwardAPI: { items: [{ path: 'namespace', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } }] } },
    ]);
    assert.equal(vol.projected.defaultMode, 420);
    for (const c of [...spec['initContainers'], ...spec['containers']]) {
      assert.deepEqual(c.volumeMounts, [{ name: vol.name, readOnly: true, mountPath: '/var/run/secrets/kubernetes.io/serviceaccount' }]);
    }
  });

  it('mounts nothing when the pod or its service account turns automounting off', async () => {
    const off = await call(api, 'POST', PODS, { body: pod('sa2', { automountServiceAccountToken: false }) });
    assert.equal(off.json<{ spec: Record<string, unknown> }>().spec['volumes'], undefined);
    await call(api, 'POST', '/api/v1/namespaces/default/serviceaccounts', { body: { metadata: { name: 'quiet' }, automountServiceAccountToken: false } });
    const quiet = await call(api, 'POST', PODS, { body: pod('sa3', { serviceAccountName: 'quiet' }) });
    assert.equal(quiet.json<{ spec: Record<string, unknown> }>().spec['volumes'], undefined);
  });

  it('sets priority 0 and PreemptLowerPriority without a class, the class value with one', async () => {
    const r = await call(api, 'POST', PODS, { body: pod('p1') });
    const spec = r.json<{ spec: Record<string, unknown> }>().spec;
    assert.equal(spec['priority'], 0);
    assert.equal(spec['preemptionPolicy'], 'PreemptLowerPriority');
    const crit = await call(api, 'POST', PODS, { body: pod('p2', { priorityClassName: 'system-node-critical' }) });
    assert.equal(crit.code, 201, crit.body);
    assert.equal(crit.json<{ spec: Record<string, unknown> }>().spec['priority'], 2000001000);
  });

  it('refuses an unknown class and a priority that disagrees with the class', async () => {
    const unknown = await call(api, 'POST', PODS, { body: pod('p3', { priorityClassName: 'nope' }) });
    assert.equal(unknown.code, 403);
    assert.equal(unknown.json()['message'], 'pods "p3" is forbidden: no PriorityClass with name nope was found');
    const given = await call(api, 'POST', PODS, { body: pod('p4', { priority: 7 }) });
    assert.equal(given.code, 403);
    assert.equal(given.json()['message'], 'pods "p4" is forbidden: the integer value of priority (7) must not be provided in pod spec; priority admission controller computed 0 from the given PriorityClass name');
  });

  it('uses the global default class and allows only one', async () => {
    const pc = (name: string, value: number) => ({ apiVersion: 'scheduling.k8s.io/v1', kind: 'PriorityClass', metadata: { name }, value, globalDefault: true, preemptionPolicy: 'Never' });
    assert.equal((await call(api, 'POST', '/apis/scheduling.k8s.io/v1/priorityclasses', { body: pc('low', 10) })).code, 201);
    const second = await call(api, 'POST', '/apis/scheduling.k8s.io/v1/priorityclasses', { body: pc('other', 20) });
    assert.equal(second.code, 403);
    assert.equal(second.json()['message'], 'priorityclasses.scheduling.k8s.io "other" is forbidden: PriorityClass low is already marked as default. Only one default can exist');
    const r = await call(api, 'POST', PODS, { body: pod('p5') });
    const spec = r.json<{ spec: Record<string, unknown> }>().spec;
    assert.deepEqual([spec['priorityClassName'], spec['priority'], spec['preemptionPolicy']], ['low', 10, 'Never']);
    await call(api, 'DELETE', '/apis/scheduling.k8s.io/v1/priorityclasses/low');
  });

  it('keeps priority on an update that leaves it out', async () => {
    const r = await call(api, 'POST', PODS, { body: pod('u1', { priorityClassName: 'system-cluster-critical' }) });
    const stored = r.json<{ metadata: Record<string, unknown>; spec: Record<string, unknown> }>();
    const next = structuredClone(stored);
    delete next.spec['priority'];
    delete next.spec['preemptionPolicy'];
    next.metadata['labels'] = { a: 'b' };
    const u = await call(api, 'PUT', `${PODS}/u1`, { body: next });
    assert.equal(u.code, 200, u.body);
    assert.equal(u.json<{ spec: Record<string, unknown> }>().spec['priority'], 2000000000);
  });

  it('fills container resources from the namespace LimitRange', async () => {
    const lr = { apiVersion: 'v1', kind: 'LimitRange', metadata: { name: 'lr' }, spec: { limits: [{ type: 'Container', default: { cpu: '500m', memory: '256Mi' }, defaultRequest: { cpu: '100m' } }] } };
    assert.equal((await call(api, 'POST', '/api/v1/namespaces/default/limitranges', { body: lr })).code, 201);
    try {
      const r = await call(api, 'POST', PODS, { body: pod('lr1', { containers: [{ name: 'c', image: 'nginx', resources: { limits: { memory: '1Gi' } } }] }) });
      assert.equal(r.code, 201, r.body);
      const o = r.json<{ metadata: { annotations: Record<string, string> }; spec: { containers: { resources: unknown }[] } }>();
      assert.deepEqual(o.spec.containers[0]!.resources, { limits: { memory: '1Gi', cpu: '500m' }, requests: { cpu: '100m', memory: '1Gi' } });
      assert.equal(o.metadata.annotations['kubernetes.io/limit-ranger'], 'LimitRanger plugin set: cpu request for container c; cpu limit for container c');
    } finally {
      await call(api, 'DELETE', '/api/v1/namespaces/default/limitranges/lr');
    }
  });

  it('has the system priority classes from the start', async () => {
    const r = await call(api, 'GET', '/apis/scheduling.k8s.io/v1/priorityclasses/system-node-critical');
    assert.equal(r.code, 200);
    assert.equal(r.json()['value'], 2000001000);
  });
});

describe('admission: strict service account lookup', () => {
  it('refuses a pod whose service account does not exist', async () => {
    const s = await server({ requireServiceAccount: true });
    try {
      const r = await call(s.api, 'POST', PODS, { body: pod('x', { serviceAccountName: 'robot' }) });
      assert.equal(r.code, 403);
      assert.equal(r.json()['message'], 'pods "x" is forbidden: error looking up service account default/robot: serviceaccount "robot" not found');
      await call(s.api, 'POST', '/api/v1/namespaces/default/serviceaccounts', { body: { metadata: { name: 'robot' } } });
      assert.equal((await call(s.api, 'POST', PODS, { body: pod('x', { serviceAccountName: 'robot' }) })).code, 201);
    } finally {
      await s.close();
    }
  });

  it('waits a little for the default service account (the controller makes it)', async () => {
    const s = await server({ requireServiceAccount: true });
    try {
      setTimeout(() => void call(s.api, 'POST', '/api/v1/namespaces/default/serviceaccounts', { body: { metadata: { name: 'default' } } }), 250);
      const r = await call(s.api, 'POST', PODS, { body: pod('y') });
      assert.equal(r.code, 201, r.body);
    } finally {
      await s.close();
    }
  });
});
