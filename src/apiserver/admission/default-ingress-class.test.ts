import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { MemoryStore } from '../../store/memory/memory-store.js';
import { createApiServer, type ApiServer } from '../server.js';
import { call } from '../testing.js';

const admin = () => ({ name: 'admin', groups: ['system:masters'] });
const INGRESSES = '/apis/networking.k8s.io/v1/namespaces/default/ingresses';
const CLASSES = '/apis/networking.k8s.io/v1/ingressclasses';
const ingress = (name: string, spec: Record<string, unknown> = {}, annotations?: Record<string, string>) => ({
  apiVersion: 'networking.k8s.io/v1',
  kind: 'Ingress',
  metadata: { name, ...(annotations ? { annotations } : {}) },
  spec: { defaultBackend: { service: { name: 'web', port: { number: 80 } } }, ...spec },
});
const cls = (name: string, isDefault: boolean) => ({
  apiVersion: 'networking.k8s.io/v1',
  kind: 'IngressClass',
  metadata: { name, ...(isDefault ? { annotations: { 'ingressclass.kubernetes.io/is-default-class': 'true' } } : {}) },
  spec: { controller: 'example.com/ingress' },
});
const classOf = async (api: ApiServer, body: unknown) => {
  const r = await call(api, 'POST', INGRESSES, { body });
  assert.equal(r.code, 201, r.body);
  return r.json<{ spec: { ingressClassName?: string } }>().spec.ingressClassName;
};

describe('admission: DefaultIngressClass', () => {
  let api: ApiServer;
  let store: MemoryStore;
  before(async () => {
    store = new MemoryStore();
    api = createApiServer({ store, authenticate: admin });
    await api.init();
  });
  after(async () => (await api.close(), await store.close()));

  it('leaves an Ingress alone while no class is the default', async () => {
    assert.equal((await call(api, 'POST', CLASSES, { body: cls('other', false) })).code, 201);
    assert.equal(await classOf(api, ingress('i0')), undefined);
  });

  it('gives an Ingress without a class the default class, and keeps explicit ones and the legacy annotation', async () => {
    assert.equal((await call(api, 'POST', CLASSES, { body: cls('tugboat', true) })).code, 201);
    assert.equal(await classOf(api, ingress('i1')), 'tugboat');
    assert.equal(await classOf(api, ingress('i2', { ingressClassName: 'other' })), 'other');
    assert.equal(await classOf(api, ingress('i3', {}, { 'kubernetes.io/ingress.class': 'nginx' })), undefined);
  });
});
