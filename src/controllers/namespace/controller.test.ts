// Namespace deletion empties the namespace (pods on a simulated node included) and the namespace goes; the
// service account controller gives every namespace its `default` account and makes it again when deleted.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createInformerFactory } from '../../client/informer-factory.js';
import { eventually, gone, startTestApi, type TestApi } from '../../client/testing.js';
import { startSimNodes, type SimNodes } from '../../sim/index.js';
import { realClock } from '../../util/clock.js';
import { silentLogger } from '../../util/logger.js';
import { ServiceAccountController } from '../serviceaccount/controller.js';
import { namespaceConditions } from './conditions.js';
import { NamespaceController } from './controller.js';

const NS = { group: '', version: 'v1', resource: 'namespaces', namespaced: false };
const CM = { group: '', version: 'v1', resource: 'configmaps', namespaced: true };
const SA = { group: '', version: 'v1', resource: 'serviceaccounts', namespaced: true };
const PODS = { group: '', version: 'v1', resource: 'pods', namespaced: true };
const DEPLOY = { group: 'apps', version: 'v1', resource: 'deployments', namespaced: true };


describe('namespace conditions', () => {
  it('say what remains', () => {
    const c = namespaceConditions({ remaining: new Map([['pods.', 2], ['configmaps.', 1]]), finalizers: new Map([['example.com/hold', 1]]), failures: [] });
    assert.deepEqual(
      c.map((x) => [x.type, x.status, x.reason]),
      [
        ['NamespaceDeletionDiscoveryFailure', 'False', 'ResourcesDiscovered'],
        ['NamespaceDeletionGroupVersionParsingFailure', 'False', 'ParsedGroupVersions'],
        ['NamespaceDeletionContentFailure', 'False', 'ContentDeleted'],
        ['NamespaceContentRemaining', 'True', 'SomeResourcesRemain'],
        ['NamespaceFinalizersRemaining', 'True', 'SomeFinalizersRemain'],
      ],
    );
    assert.equal(c[3]?.message, 'Some resources are remaining: configmaps. has 1 resource instances, pods. has 2 resource instances');
    assert.equal(c[4]?.message, 'Some content in the namespace has finalizers remaining: example.com/hold in 1 resource instances');
  });
});

describe('namespace and service account controllers', () => {
  let t: TestApi;
  let sim: SimNodes;
  let done: Promise<unknown>;
  const ac = new AbortController();
  before(async () => {
    t = await startTestApi();
    const deps = { client: t.client, informers: createInformerFactory({ client: t.client, logger: silentLogger }), clock: realClock, logger: silentLogger, signal: ac.signal };
    sim = await startSimNodes({ ...deps, count: 1 });
    done = Promise.all([new NamespaceController({ ...deps, recheckMs: 50 }).run(ac.signal), new ServiceAccountController(deps).run(ac.signal), sim.done]);
  });
  after(async () => {
    ac.abort();
    await done;
    await t.close();
  });

  it('gives namespaces a default ServiceAccount, again after a delete', async () => {
    await eventually(() => t.client.get(SA, 'default', 'default'), 'default/default');
    await t.client.create(NS, undefined, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team' } });
    const first = await eventually(() => t.client.get(SA, 'team', 'default'), 'team/default');
    await t.client.delete(SA, 'team', 'default');
    const again = await eventually(async () => {
      const sa = await t.client.get(SA, 'team', 'default');
      return sa.metadata?.uid !== first.metadata?.uid ? sa : undefined;
    }, 'recreated');
    assert.ok(again);
  });

  it('empties a deleted namespace, then lets it go', async () => {
    await t.client.create(NS, undefined, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'doomed' } });
    await eventually(() => t.client.get(SA, 'doomed', 'default'), 'doomed/default');
    await t.client.create(CM, 'doomed', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c1' }, data: { a: '1' } });
    await t.client.create(PODS, 'doomed', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'bound' }, spec: { nodeName: 'sim-0', containers: [{ name: 'c', image: 'i' }] } });
    await t.client.create(PODS, 'doomed', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'pending' }, spec: { containers: [{ name: 'c', image: 'i' }] } });
    await t.client.create(DEPLOY, 'doomed', {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'd' },
      spec: { replicas: 0, selector: { matchLabels: { a: 'b' } }, template: { metadata: { labels: { a: 'b' } }, spec: { containers: [{ name: 'c', image: 'i' }] } } },
    });
    await eventually(async () => ((await t.client.get(PODS, 'doomed', 'bound')).status as { phase?: string } | undefined)?.phase === 'Running' || undefined, 'bound pod running');
    await t.client.delete(NS, undefined, 'doomed');
    await eventually(() => gone(t.client.get(NS, undefined, 'doomed')), 'namespace gone');
    for (const ref of [CM, PODS, DEPLOY, SA]) assert.equal((await t.client.list(ref, 'doomed')).items.length, 0, ref.resource);
  });
});
