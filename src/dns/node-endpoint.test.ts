import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestApi, type TestApi } from '../client/testing.js';
import { createInformerFactory } from '../client/informer-factory.js';
import { silentLogger } from '../util/logger.js';
import { ENDPOINT_SLICES, SERVICES } from './cluster-view.js';
import { ensureKubeDnsService } from './kube-dns-service.js';
import { DNS_MANAGED_BY, publishNodeEndpoint } from './node-endpoint.js';
import type { EndpointSlice, Service } from './types.js';

const until = async (what: string, fn: () => Promise<boolean>, ms = 5000) => {
  const end = Date.now() + ms;
  while (!(await fn())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
};

describe('kube-dns endpoint of a node', () => {
  let api: TestApi;
  const ac = new AbortController();
  before(async () => {
    api = await startTestApi();
  });
  after(async () => {
    ac.abort();
    await api.close();
  });

  it('makes the Service with the Local policy, and gives an existing one that policy', async () => {
    await ensureKubeDnsService(api.client, '10.43.0.10', silentLogger);
    const made = await api.client.get<Service>(SERVICES, 'kube-system', 'kube-dns');
    assert.equal(made.spec?.internalTrafficPolicy, 'Local');
    await api.client.patch(SERVICES, 'kube-system', 'kube-dns', 'merge', { spec: { internalTrafficPolicy: 'Cluster' } });
    await ensureKubeDnsService(api.client, '10.43.0.10', silentLogger);
    const fixed = await api.client.get<Service>(SERVICES, 'kube-system', 'kube-dns');
    assert.equal(fixed.spec?.internalTrafficPolicy, 'Local');
    assert.equal(fixed.spec?.clusterIP, '10.43.0.10');
  });

  it('publishes one ready endpoint with the Service port names, puts it back when changed or deleted, deletes it on close', async () => {
    const informers = createInformerFactory({ client: api.client, logger: silentLogger });
    const slices = informers.informer<EndpointSlice>(ENDPOINT_SLICES);
    await slices.start(ac.signal);
    const ep = publishNodeEndpoint({ client: api.client, slices, logger: silentLogger, nodeName: 'n1', ip: '10.42.238.1', port: 53 });
    await ep.published();
    const get = () => api.client.get<EndpointSlice>(ENDPOINT_SLICES, 'kube-system', 'kube-dns-n1');
    const s = await get();
    assert.equal(s.metadata?.labels?.['kubernetes.io/service-name'], 'kube-dns');
    assert.equal(s.metadata?.labels?.['endpointslice.kubernetes.io/managed-by'], DNS_MANAGED_BY);
    assert.deepEqual(s.endpoints, [{ addresses: ['10.42.238.1'], nodeName: 'n1', conditions: { ready: true, serving: true, terminating: false } }]);
    assert.deepEqual(s.ports?.map((p) => `${p.name} ${p.port}/${p.protocol}`), ['dns 53/UDP', 'dns-tcp 53/TCP']);

    await api.client.update(ENDPOINT_SLICES, 'kube-system', { ...s, endpoints: [{ addresses: ['10.42.9.9'], conditions: { ready: false } }] });
    await until('the endpoint put back', async () => (await get()).endpoints?.[0]?.addresses?.[0] === '10.42.238.1');
    await api.client.delete(ENDPOINT_SLICES, 'kube-system', 'kube-dns-n1');
    await until('the slice made again', async () => !!(await get().catch(() => undefined)));

    await ep.close();
    await assert.rejects(get(), (e: { reason?: string }) => e.reason === 'NotFound');
  });
});
