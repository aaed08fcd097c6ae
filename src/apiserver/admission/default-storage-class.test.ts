import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { MemoryStore } from '../../store/memory/memory-store.js';
import { createApiServer, type ApiServer } from '../server.js';
import { call } from '../testing.js';

const admin = () => ({ name: 'admin', groups: ['system:masters'] });
const PVCS = '/api/v1/namespaces/default/persistentvolumeclaims';
const CLASSES = '/apis/storage.k8s.io/v1/storageclasses';
const claim = (name: string, spec: Record<string, unknown> = {}, annotations?: Record<string, string>) => ({
  apiVersion: 'v1',
  kind: 'PersistentVolumeClaim',
  metadata: { name, ...(annotations ? { annotations } : {}) },
  spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } }, ...spec },
});
const cls = (name: string, isDefault: boolean) => ({
  apiVersion: 'storage.k8s.io/v1',
  kind: 'StorageClass',
  metadata: { name, ...(isDefault ? { annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' } } : {}) },
  provisioner: 'example.com/p',
});
const className = async (api: ApiServer, body: unknown) => {
  const r = await call(api, 'POST', PVCS, { body });
  assert.equal(r.code, 201, r.body);
  return r.json<{ spec: { storageClassName?: string } }>().spec.storageClassName;
};

describe('admission: DefaultStorageClass', () => {
  let api: ApiServer;
  let store: MemoryStore;
  before(async () => {
    store = new MemoryStore();
    api = createApiServer({ store, authenticate: admin });
    await api.init();
  });
  after(async () => (await api.close(), await store.close()));

  it('leaves a claim alone while no class is the default', async () => {
    assert.equal((await call(api, 'POST', CLASSES, { body: cls('plain', false) })).code, 201);
    assert.equal(await className(api, claim('c0')), undefined);
  });

  it('gives a claim without storageClassName the default class', async () => {
    assert.equal((await call(api, 'POST', CLASSES, { body: cls('local-path', true) })).code, 201);
    assert.equal(await className(api, claim('c1')), 'local-path');
  });

  it('keeps an explicit class, an explicit "" and the beta annotation', async () => {
    assert.equal(await className(api, claim('c2', { storageClassName: 'plain' })), 'plain');
    assert.equal(await className(api, claim('c3', { storageClassName: '' })), '');
    assert.equal(await className(api, claim('c4', {}, { 'volume.beta.kubernetes.io/storage-class': 'plain' })), undefined);
  });

  it('does not touch a claim on update', async () => {
    const r = await call(api, 'PUT', `${PVCS}/c0`, { body: { ...claim('c0'), metadata: { name: 'c0', resourceVersion: undefined } } });
    assert.equal(r.code, 200, r.body);
    assert.equal(r.json<{ spec: { storageClassName?: string } }>().spec.storageClassName, undefined, r.body);
  });

  it('picks the newest default when several are marked', async () => {
    await new Promise((r) => setTimeout(r, 1100)); // creationTimestamp has second precision
    assert.equal((await call(api, 'POST', CLASSES, { body: cls('fast', true) })).code, 201);
    assert.equal(await className(api, claim('c5')), 'fast');
  });
});
