// The disruption controller writes budget status over the real API, and the eviction hook refuses (429) an
// eviction that would break the budget once it has spent the disruptions allowed.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { ApiError } from '../../api/errors.js';
import { createInformerFactory } from '../../client/informer-factory.js';
import type { RestClient } from '../../client/rest.js';
import { eventually, startTestApi, type TestApi } from '../../client/testing.js';
import { realClock } from '../../util/clock.js';
import { silentLogger } from '../../util/logger.js';
import { DisruptionController, PDB_REF } from './controller.js';
import { evictionChecker } from './eviction.js';
import type { PodDisruptionBudget } from './types.js';

const PODS = { group: '', version: 'v1', resource: 'pods', namespaced: true };

describe('disruption controller and eviction hook', () => {
  let t: TestApi;
  let client: RestClient;
  let done: Promise<void>;
  const ac = new AbortController();
  before(async () => {
    let check: ((pod: never) => Promise<void>) | undefined;
    t = await startTestApi({ hooks: { checkEviction: (pod) => check!(pod as never) } });
    client = t.client;
    check = evictionChecker(client);
    const c = new DisruptionController({ client, informers: createInformerFactory({ client, logger: silentLogger }), clock: realClock, logger: silentLogger, signal: ac.signal });
    done = c.run(ac.signal);
  });
  after(async () => {
    ac.abort();
    await done;
    await t.close();
  });

  it('keeps status and refuses an eviction past the budget', async () => {
    for (const name of ['p1', 'p2', 'p3']) {
      await client.create(PODS, 'default', { apiVersion: 'v1', kind: 'Pod', metadata: { name, labels: { app: 'web' } }, spec: { nodeName: 'n1', containers: [{ name: 'c', image: 'i' }] } });
      await client.patch(PODS, 'default', name, 'merge', { status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] } }, { subresource: 'status' });
    }
    await client.create(PDB_REF, 'default', { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name: 'web' }, spec: { minAvailable: 2, selector: { matchLabels: { app: 'web' } } } });
    const pdb = await eventually(async () => {
      const b = await client.get<PodDisruptionBudget>(PDB_REF, 'default', 'web');
      return b.status?.currentHealthy === 3 ? b : undefined;
    }, 'status');
    assert.deepEqual([pdb.status?.desiredHealthy, pdb.status?.expectedPods, pdb.status?.disruptionsAllowed], [2, 3, 1]);
    assert.equal(pdb.status?.conditions?.[0]?.reason, 'SufficientPods');

    const evict = (name: string) => client.createSubresource(PODS, 'default', name, 'eviction', { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name, namespace: 'default' } });
    await evict('p1');
    const spent = await client.get<PodDisruptionBudget>(PDB_REF, 'default', 'web');
    assert.equal(spent.status?.disruptionsAllowed, 0);
    assert.ok(spent.status?.disruptedPods?.['p1']);
    const err = (await evict('p2').then(() => undefined, (e: unknown) => e)) as ApiError | undefined;
    assert.equal(err?.code, 429);
    assert.equal(err?.message, "Cannot evict pod as it would violate the pod's disruption budget.");
    assert.equal(err?.details?.causes?.[0]?.reason, 'DisruptionBudget');
  });
});
