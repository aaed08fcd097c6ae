// The job controller against the real in-process API server, with the scheduler and two simulated nodes: an
// Indexed Job of 10 completions, parallelism 3, where indexes 2 and 5 fail their first attempt. The controller
// is stopped and a new one started half way, as a controller-manager restart would; the job still finishes
// with every index counted once and no pod created twice.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { SharedInformerFactory } from '../../client/informer-factory.js';
import { eventually, startTestApi, type TestApi } from '../../client/testing.js';
import { startScheduler } from '../../scheduler/index.js';
import { startSimNodes, type SimNodes } from '../../sim/index.js';
import { COMPLETE_AFTER, FAIL_ONCE_INDEXES } from '../../sim/stages.js';
import { realClock } from '../../util/clock.js';
import { silentLogger } from '../../util/logger.js';
import { RecordedEvents } from '../common/events.js';
import { podsRef } from '../common/resources.js';
import type { Pod } from '../common/types.js';
import { startJobController } from './index.js';
import { COMPLETION_INDEX, jobsRef, type Job } from './types.js';

const NS = 'default';

describe('Indexed job on simulated nodes', () => {
  let t: TestApi;
  let sim: SimNodes;
  const infra = new AbortController();
  const events = new RecordedEvents();
  let controller: { stop: AbortController; done: Promise<void> } | undefined;

  const startController = () => {
    const stop = new AbortController();
    const informers = new SharedInformerFactory({ client: t.client, logger: silentLogger });
    const done = startJobController({ client: t.client, informers, clock: realClock, logger: silentLogger, signal: stop.signal, recorder: events, backoffBaseMs: 200 });
    controller = { stop, done };
  };

  before(async () => {
    t = await startTestApi();
    sim = await startSimNodes({ client: t.client, informers: new SharedInformerFactory({ client: t.client, logger: silentLogger }), clock: realClock, logger: silentLogger, signal: infra.signal, count: 2 });
    await startScheduler({ client: t.client, informers: new SharedInformerFactory({ client: t.client, logger: silentLogger }), clock: realClock, logger: silentLogger, signal: infra.signal });
    startController();
  });

  after(async () => {
    controller?.stop.abort();
    await controller?.done;
    infra.abort();
    await sim.done;
    await t.close();
  });

  it('completes 0-9 with two indexes retried once, across a controller restart', async () => {
    await t.client.create<Job>(jobsRef, NS, {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name: 'idx' },
      spec: {
        completions: 10,
        parallelism: 3,
        completionMode: 'Indexed',
        backoffLimitPerIndex: 1,
        template: {
          metadata: { annotations: { [COMPLETE_AFTER]: '300ms', [FAIL_ONCE_INDEXES]: '2,5' } },
          spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox' }] },
        },
      },
    });
    let maxActive = 0;
    const pods = async () => (await t.client.list<Pod>(podsRef, NS)).items;
    // Half way: a new controller with empty memory takes over.
    await eventually(async () => {
      const j = await t.client.get<Job>(jobsRef, NS, 'idx');
      maxActive = Math.max(maxActive, j.status?.active ?? 0);
      return (j.status?.succeeded ?? 0) >= 4 ? j : undefined;
    }, 'four indexes done', 20_000);
    controller!.stop.abort();
    await controller!.done;
    startController();
    const done = await eventually(async () => {
      const j = await t.client.get<Job>(jobsRef, NS, 'idx');
      maxActive = Math.max(maxActive, j.status?.active ?? 0);
      return j.status?.conditions?.some((c) => c.type === 'Complete' && c.status === 'True') ? j : undefined;
    }, 'Complete', 30_000);
    assert.equal(done.status?.completedIndexes, '0-9');
    assert.equal(done.status?.failedIndexes, '');
    assert.equal(done.status?.succeeded, 10);
    assert.equal(done.status?.failed, 2);
    assert.deepEqual(done.status?.uncountedTerminatedPods, {});
    assert.ok(maxActive <= 3, `active never above parallelism (saw ${maxActive})`);
    const all = await pods();
    const perIndex = new Map<string, string[]>();
    for (const p of all) perIndex.set(p.metadata!.annotations![COMPLETION_INDEX]!, [...(perIndex.get(p.metadata!.annotations![COMPLETION_INDEX]!) ?? []), p.status?.phase ?? '']);
    for (let i = 0; i < 10; i++) assert.deepEqual(perIndex.get(String(i))?.sort(), i === 2 || i === 5 ? ['Failed', 'Succeeded'] : ['Succeeded'], `index ${i}`);
    assert.ok(all.every((p) => !(p.metadata?.finalizers ?? []).length), 'every finalizer released');
    assert.deepEqual(done.status?.conditions?.map((c) => c.type), ['SuccessCriteriaMet', 'Complete']);
  });
});
