import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { MemoryStore } from '../store/memory/memory-store.js';
import { createApiServer, type ApiServer } from './server.js';
import { IN_FLIGHT_MS } from './service-address-claims.js';
import { call } from './testing.js';

const SVC = '/api/v1/namespaces/default/services';
const svc = (name: string, spec: Record<string, unknown> = {}) => ({ apiVersion: 'v1', kind: 'Service', metadata: { name }, spec: { ports: [{ port: 80 }], ...spec } });
const newApi = async (store: MemoryStore) => {
  const api = createApiServer({ store, authenticate: () => ({ name: 'admin', groups: [] }) });
  await api.init();
  return api;
};

describe('service addresses', () => {
  let store: MemoryStore;
  let api: ApiServer;
  let api2: ApiServer;
  before(async () => {
    store = new MemoryStore();
    api = await newApi(store);
    // A second API server over the same data, as two servers over one etcd: a distinct store object, so the
    // in-process serialization does not cover both and only the store's create-if-absent keeps them apart.
    const shared = new Proxy(store, { get: (t, k) => { const v = Reflect.get(t, k) as unknown; return typeof v === 'function' ? v.bind(t) : v; } });
    api2 = await newApi(shared);
  });
  after(async () => {
    await api.close();
    await api2.close();
    await store.close();
  });

  it('gives 50 concurrent creates on two servers 50 distinct ClusterIPs and NodePorts', async () => {
    const rs = await Promise.all(
      Array.from({ length: 50 }, (_, i) => call(i % 2 ? api : api2, 'POST', SVC, { body: svc(`s${i}`, { type: 'NodePort' }) })),
    );
    for (const r of rs) assert.equal(r.code, 201, r.body);
    const specs = rs.map((r) => r.json<{ spec: { clusterIP: string; ports: { nodePort: number }[] } }>().spec);
    assert.equal(new Set(specs.map((s) => s.clusterIP)).size, 50);
    assert.equal(new Set(specs.map((s) => s.ports[0]!.nodePort)).size, 50);
  });

  it('refuses a ClusterIP or NodePort already in use, in Kubernetes words', async () => {
    const a = (await call(api, 'POST', SVC, { body: svc('taken', { type: 'NodePort' }) })).json<{ spec: { clusterIP: string; ports: { nodePort: number }[] } }>().spec;
    const ip = await call(api2, 'POST', SVC, { body: svc('dup-ip', { clusterIP: a.clusterIP }) });
    assert.equal(ip.code, 422);
    assert.equal(ip.json()['message'], `Service "dup-ip" is invalid: spec.clusterIPs: Invalid value: []string{"${a.clusterIP}"}: failed to allocate IP ${a.clusterIP}: provided IP is already allocated`);
    const port = await call(api2, 'POST', SVC, { body: svc('dup-port', { type: 'NodePort', ports: [{ port: 80, nodePort: a.ports[0]!.nodePort }] }) });
    assert.equal(port.code, 422);
    assert.equal(port.json()['message'], `Service "dup-port" is invalid: spec.ports[0].nodePort: Invalid value: ${a.ports[0]!.nodePort}: provided port is already allocated`);
    const out = await call(api, 'POST', SVC, { body: svc('far', { clusterIP: '10.99.0.1' }) });
    assert.equal(out.json()['message'], 'Service "far" is invalid: spec.clusterIPs: Invalid value: []string{"10.99.0.1"}: failed to allocate IP 10.99.0.1: the provided IP (10.99.0.1) is not in the valid range. The range of valid IPs is 10.43.0.0/16');
  });

  it('frees an address when its service goes: the same IP can be asked for again', async () => {
    const ip = '10.43.200.7';
    assert.equal((await call(api, 'POST', SVC, { body: svc('fixed', { clusterIP: ip }) })).code, 201);
    assert.equal((await call(api, 'DELETE', `${SVC}/fixed`)).code, 200);
    // The claim is young: another service must wait until it counts as released...
    assert.equal((await call(api, 'POST', SVC, { body: svc('other', { clusterIP: ip }) })).code, 422);
    // ...but the same service asking again (delete and recreate) gets it at once.
    assert.equal((await call(api, 'POST', SVC, { body: svc('fixed', { clusterIP: ip }) })).code, 201);
    assert.equal((await call(api, 'DELETE', `${SVC}/fixed`)).code, 200);
    // Age the claim past the in-flight window: now anyone may take it.
    const key = `/registry/tugboat/serviceips/${ip}`;
    const kv = (await store.get(key))!;
    await store.update(key, JSON.stringify({ ...JSON.parse(kv.value), at: Date.now() - IN_FLIGHT_MS - 1 }), kv.modRevision);
    assert.equal((await call(api, 'POST', SVC, { body: svc('other', { clusterIP: ip }) })).code, 201);
  });

  it('claims nothing on a dry run', async () => {
    const r = await call(api, 'POST', `${SVC}?dryRun=All`, { body: svc('dry', { clusterIP: '10.43.201.1' }) });
    assert.equal(r.code, 201, r.body);
    assert.equal(await store.get('/registry/tugboat/serviceips/10.43.201.1'), undefined);
  });
});
