// The controller over the real API: slices and Endpoints follow pods becoming ready and going away, a
// selector-less service is left alone, a deleted service's Endpoints go, `kubernetes` points at the API server,
// and a settled service sees no further writes.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createInformerFactory } from '../../client/informer-factory.js';
import type { RestClient } from '../../client/rest.js';
import { eventually, gone, startTestApi, type TestApi } from '../../client/testing.js';
import { realClock } from '../../util/clock.js';
import { silentLogger } from '../../util/logger.js';
import { ENDPOINTS, ENDPOINT_SLICES, EndpointSliceController, PODS, SERVICES } from './controller.js';
import type { EndpointSlice, Endpoints } from './types.js';

describe('endpointslice controller', () => {
  let t: TestApi;
  let client: RestClient;
  let done: Promise<void>;
  const ac = new AbortController();
  before(async () => {
    t = await startTestApi();
    client = t.client;
    await client.create(SERVICES, 'default', {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'kubernetes' },
      spec: { clusterIP: '10.43.0.1', ports: [{ name: 'https', port: 443, targetPort: 6443 }] },
    });
    const c = new EndpointSliceController({
      client,
      informers: createInformerFactory({ client, logger: silentLogger }),
      clock: realClock,
      logger: silentLogger,
      signal: ac.signal,
      apiServer: { ip: '192.0.2.10' },
    });
    done = c.run(ac.signal);
  });
  after(async () => {
    ac.abort();
    await done;
    await t.close();
  });

  const slicesOf = async (name: string) =>
    (await client.list<EndpointSlice>(ENDPOINT_SLICES, 'default', { labelSelector: `kubernetes.io/service-name=${name}` })).items;

  async function addPod(name: string, ip: string, ready: boolean) {
    await client.create(PODS, 'default', {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name, labels: { app: 'web' } },
      spec: { nodeName: 'n1', containers: [{ name: 'c', image: 'i', ports: [{ name: 'http', containerPort: 8080 }] }] },
    });
    await client.patch(PODS, 'default', name, 'merge', { status: { phase: 'Running', podIP: ip, conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }] } }, { subresource: 'status' });
  }

  it('the kubernetes service points at the API server', async () => {
    const ep = await eventually(() => client.get<Endpoints>(ENDPOINTS, 'default', 'kubernetes'), 'kubernetes endpoints');
    assert.deepEqual(ep.subsets, [{ addresses: [{ ip: '192.0.2.10' }], ports: [{ name: 'https', port: 6443, protocol: 'TCP' }] }]);
    const s = await eventually(() => client.get<EndpointSlice>(ENDPOINT_SLICES, 'default', 'kubernetes'), 'kubernetes slice');
    assert.deepEqual(s.endpoints.map((e) => [e.addresses, e.conditions?.ready]), [[['192.0.2.10'], true]]);
  });

  it('follows pods: ready, unready, deleted; Endpoints mirrored; no writes once settled', async () => {
    await client.create(SERVICES, 'default', {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'web' },
      spec: { selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 'http' }] },
    });
    await addPod('w1', '10.42.0.11', true);
    await addPod('w2', '10.42.0.12', false);
    const slice = await eventually(async () => {
      const [s, ...rest] = await slicesOf('web');
      return s && rest.length === 0 && s.endpoints.length === 2 ? s : undefined;
    }, 'two endpoints');
    assert.match(slice.metadata?.name ?? '', /^web-/);
    assert.deepEqual(slice.ports, [{ name: 'http', port: 8080, protocol: 'TCP' }]);
    assert.deepEqual(slice.endpoints.map((e) => [e.addresses[0], e.conditions?.ready]), [['10.42.0.11', true], ['10.42.0.12', false]]);
    const ep = await eventually(async () => {
      const e = await client.get<Endpoints>(ENDPOINTS, 'default', 'web');
      return e.subsets?.[0]?.notReadyAddresses ? e : undefined;
    }, 'endpoints');
    assert.deepEqual(ep.subsets?.[0]?.addresses?.map((a) => a.ip), ['10.42.0.11']);
    assert.deepEqual(ep.subsets?.[0]?.notReadyAddresses?.map((a) => a.ip), ['10.42.0.12']);

    await client.patch(PODS, 'default', 'w2', 'merge', { status: { conditions: [{ type: 'Ready', status: 'True' }] } }, { subresource: 'status' });
    await eventually(async () => ((await slicesOf('web'))[0]?.endpoints.every((e) => e.conditions?.ready) ? true : undefined), 'both ready');
    await client.delete(PODS, 'default', 'w1', { gracePeriodSeconds: 0 });
    const after1 = await eventually(async () => {
      const s = await slicesOf('web');
      return s.length === 1 && s[0]!.endpoints.length === 1 ? s[0] : undefined;
    }, 'w1 gone');
    assert.equal(after1.endpoints[0]?.targetRef?.name, 'w2');
    // Settled: the slice keeps its name and resourceVersion.
    await new Promise((r) => setTimeout(r, 300));
    const again = await slicesOf('web');
    assert.deepEqual(again.map((s) => [s.metadata?.name, s.metadata?.resourceVersion]), [[after1.metadata?.name, after1.metadata?.resourceVersion]]);

    await client.delete(SERVICES, 'default', 'web');
    await eventually(() => gone(client.get(ENDPOINTS, 'default', 'web')), 'endpoints deleted');
    await eventually(async () => ((await slicesOf('web')).length === 0 ? true : undefined), 'slices deleted');
  });

  it('leaves a service without a selector to the user, mirroring its Endpoints into a slice', async () => {
    await client.create(SERVICES, 'default', { apiVersion: 'v1', kind: 'Service', metadata: { name: 'manual' }, spec: { ports: [{ port: 80 }] } });
    await client.create(ENDPOINTS, 'default', { apiVersion: 'v1', kind: 'Endpoints', metadata: { name: 'manual' }, subsets: [{ addresses: [{ ip: '10.42.9.9' }], notReadyAddresses: [{ ip: '10.42.9.10' }], ports: [{ port: 80 }] }] } as Endpoints);
    const s = await eventually(async () => (await slicesOf('manual'))[0], 'mirrored slice');
    assert.equal(s.metadata?.labels?.['endpointslice.kubernetes.io/managed-by'], 'endpointslicemirroring-controller.k8s.io');
    assert.deepEqual(s.endpoints.map((e) => [e.addresses[0], e.conditions?.ready]), [['10.42.9.9', true], ['10.42.9.10', false]]);
    assert.deepEqual(s.ports, [{ name: '', port: 80, protocol: 'TCP' }]);
    const ep = await client.get<Endpoints>(ENDPOINTS, 'default', 'manual');
    assert.equal(ep.subsets?.[0]?.addresses?.[0]?.ip, '10.42.9.9');
    // The user's change follows in place; their delete takes the slice away.
    await client.update(ENDPOINTS, 'default', { ...ep, subsets: [{ addresses: [{ ip: '10.42.9.11' }], ports: [{ port: 80 }] }] } as Endpoints);
    const moved = await eventually(async () => {
      const [m] = await slicesOf('manual');
      return m?.endpoints[0]?.addresses[0] === '10.42.9.11' ? m : undefined;
    }, 'mirror follows');
    assert.equal(moved.metadata?.name, s.metadata?.name);
    await client.delete(ENDPOINTS, 'default', 'manual');
    await eventually(async () => ((await slicesOf('manual')).length === 0 ? true : undefined), 'mirror gone');
  });
});
