import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { silentLogger } from '../../util/logger.js';
import { podsRef } from '../common/resources.js';
import type { Pod } from '../common/types.js';
import { backoffDelayMs } from './backoff.js';
import { JobController } from './controller.js';
import { formatIndexes, parseIndexes } from './indexes.js';
import { World } from './testing.js';
import { COMPLETION_INDEX, jobsRef, TRACKING_FINALIZER, type Job } from './types.js';

function newJob(name: string, spec: Partial<NonNullable<Job['spec']>> = {}): Job {
  const uid = `uid-${name}`;
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name, uid },
    spec: {
      parallelism: 1,
      completions: 1,
      backoffLimit: 6,
      completionMode: 'NonIndexed',
      selector: { matchLabels: { 'batch.kubernetes.io/controller-uid': uid } },
      template: { metadata: { labels: { 'batch.kubernetes.io/controller-uid': uid, 'job-name': name } }, spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox' }] } },
      ...spec,
    },
  };
}

function setup(o: { backoffBaseMs?: number } = {}) {
  const w = new World();
  const c = new JobController({ client: w.client, informers: w.informers, clock: w.clock, logger: silentLogger, recorder: w.events, queue: w.queue, backoffBaseMs: o.backoffBaseMs });
  const job = (name = 'pi') => w.client.peek<Job>(jobsRef, 'default', name)!;
  const run = async (name = 'pi') => {
    await c.reconcile(`default/${name}`);
    w.sync();
    // A second pass settles what the first wrote (as the update events would trigger).
    await c.reconcile(`default/${name}`);
    w.sync();
  };
  const cond = (name = 'pi') => (job(name).status?.conditions ?? []).filter((x) => x.status === 'True').map((x) => `${x.type}:${x.reason}`);
  const live = () => w.pods().filter((p) => !p.metadata?.deletionTimestamp && p.status?.phase !== 'Succeeded' && p.status?.phase !== 'Failed');
  return { w, c, job, run, cond, live };
}

describe('job status arithmetic', () => {
  const idx: [number[], string][] = [
    [[], ''],
    [[0], '0'],
    [[0, 1, 2], '0-2'],
    [[5, 1, 3, 2, 9], '1-3,5,9'],
    [[0, 1, 2, 3, 4, 5, 6, 7, 8, 9], '0-9'],
  ];
  for (const [xs, s] of idx) {
    it(`indexes ${s || '(none)'}`, () => {
      assert.equal(formatIndexes(xs), s);
      assert.deepEqual([...parseIndexes(s)].sort((a, b) => a - b), [...new Set(xs)].sort((a, b) => a - b));
    });
  }
  it('drops indexes beyond completions when parsing', () => assert.deepEqual([...parseIndexes('1-3,8', 3)], [1, 2]));
  const backoff: [number, number][] = [
    [0, 0],
    [1, 10_000],
    [2, 20_000],
    [3, 40_000],
    [6, 320_000],
    [7, 360_000],
    [60, 360_000],
  ];
  for (const [n, ms] of backoff) it(`backoff after ${n} failures is ${ms} ms`, () => assert.equal(backoffDelayMs(n, { baseMs: 10_000, maxMs: 360_000 }), ms));
});

describe('job reconcile', () => {
  it('runs completions with parallelism, tracking each pod once through its finalizer', async () => {
    const { w, job, run, cond, live } = setup();
    await w.create(jobsRef, newJob('pi', { completions: 3, parallelism: 2 }));
    await run();
    assert.equal(live().length, 2);
    for (const p of w.pods()) {
      assert.deepEqual(p.metadata?.finalizers, [TRACKING_FINALIZER]);
      assert.equal(p.metadata?.ownerReferences?.[0]?.kind, 'Job');
      assert.match(p.metadata?.name ?? '', /^pi-/);
    }
    assert.equal(job().status?.active, 2);
    assert.ok(job().status?.startTime);
    const [a] = live();
    await w.setPod(a!.metadata!.name!, 0);
    await run();
    assert.equal(job().status?.succeeded, 1);
    assert.deepEqual(job().status?.uncountedTerminatedPods, {});
    assert.deepEqual(w.client.peek<Pod>(podsRef, 'default', a!.metadata!.name!)?.metadata?.finalizers ?? [], []);
    assert.equal(live().length, 2, 'a replacement for the finished pod');
    for (const p of live()) await w.setPod(p.metadata!.name!, 0);
    await run();
    assert.equal(job().status?.succeeded, 3);
    assert.deepEqual(cond(), ['SuccessCriteriaMet:CompletionsReached', 'Complete:CompletionsReached']);
    assert.ok(job().status?.completionTime);
    assert.equal(w.pods().length, 3);
    assert.ok(w.events.reasons().includes('Completed'));
  });

  it('counts a pod once when the controller restarts between recording it and removing its finalizer', async () => {
    const { w, job, run } = setup();
    await w.create(jobsRef, newJob('pi', { completions: 2 }));
    await run();
    const [p] = w.pods();
    await w.setPod(p!.metadata!.name!, 0);
    // The finalizer patch fails (the controller "dies" after writing uncounted).
    w.client.prependReactor('patch', 'pods', () => {
      throw new Error('connection reset');
    });
    const first = new JobController({ client: w.client, informers: w.informers, clock: w.clock, logger: silentLogger, queue: w.queue });
    await assert.rejects(first.reconcile('default/pi'));
    w.sync();
    assert.deepEqual(job().status?.uncountedTerminatedPods?.succeeded, [p!.metadata!.uid]);
    assert.equal(job().status?.succeeded ?? 0, 0);
    (w.client as unknown as { reactors: unknown[] }).reactors.length = 0;
    // A fresh controller (new memory) picks up from the status.
    await run();
    await run();
    assert.equal(job().status?.succeeded, 1);
    assert.deepEqual(job().status?.uncountedTerminatedPods, {});
  });

  it('Indexed: one pod per index with the index annotation, label, env and hostname', async () => {
    const { w, job, run, cond, live } = setup();
    await w.create(jobsRef, newJob('idx', { completionMode: 'Indexed', completions: 3, parallelism: 2, template: { ...newJob('idx').spec!.template, spec: { ...newJob('idx').spec!.template.spec!, subdomain: 'workers' } } }));
    await run('idx');
    const byIndex = new Map(live().map((p) => [p.metadata?.annotations?.[COMPLETION_INDEX], p]));
    assert.deepEqual([...byIndex.keys()].sort(), ['0', '1']);
    const p1 = byIndex.get('1')!;
    assert.match(p1.metadata?.name ?? '', /^idx-1-/);
    assert.equal(p1.metadata?.labels?.[COMPLETION_INDEX], '1');
    assert.equal(p1.spec?.hostname, 'idx-1');
    assert.equal(p1.spec?.subdomain, 'workers');
    assert.deepEqual(p1.spec?.containers[0]?.env, [{ name: 'JOB_COMPLETION_INDEX', valueFrom: { fieldRef: { fieldPath: `metadata.annotations['${COMPLETION_INDEX}']` } } }]);
    await w.setPod(p1.metadata!.name!, 0);
    await run('idx');
    assert.equal(job('idx').status?.completedIndexes, '1');
    assert.deepEqual(live().map((p) => p.metadata?.annotations?.[COMPLETION_INDEX]).sort(), ['0', '2']);
    for (const p of live()) await w.setPod(p.metadata!.name!, 0);
    await run('idx');
    assert.equal(job('idx').status?.completedIndexes, '0-2');
    assert.equal(job('idx').status?.succeeded, 3);
    assert.deepEqual(cond('idx'), ['SuccessCriteriaMet:CompletionsReached', 'Complete:CompletionsReached']);
  });

  it('waits out the failure backoff, then fails past backoffLimit', async () => {
    const { w, job, run, cond, live } = setup({ backoffBaseMs: 10_000 });
    await w.create(jobsRef, newJob('pi', { backoffLimit: 1 }));
    await run();
    await w.setPod(live()[0]!.metadata!.name!, 1);
    w.queue.takeDelay();
    await run();
    assert.equal(job().status?.failed, 1);
    assert.equal(live().length, 0, 'no new pod during the backoff');
    assert.equal(w.queue.takeDelay(), 10_000);
    w.clock.advance(10_000);
    await run();
    assert.equal(live().length, 1);
    await w.setPod(live()[0]!.metadata!.name!, 1);
    await run();
    assert.equal(job().status?.failed, 2);
    assert.deepEqual(cond(), ['FailureTarget:BackoffLimitExceeded', 'Failed:BackoffLimitExceeded']);
    assert.equal(job().status?.conditions?.find((c) => c.type === 'Failed')?.message, 'Job has reached the specified backoff limit');
    assert.ok(!job().status?.completionTime);
  });

  it('activeDeadlineSeconds: running pods are stopped and counted, the job fails with DeadlineExceeded', async () => {
    const { w, job, run, cond, live } = setup();
    await w.create(jobsRef, newJob('pi', { activeDeadlineSeconds: 30, parallelism: 2, completions: 4 }));
    await run();
    assert.equal(live().length, 2);
    assert.equal(w.queue.takeDelay(), 30_000);
    w.clock.advance(30_000);
    await run();
    assert.deepEqual(cond(), ['FailureTarget:DeadlineExceeded']);
    await w.reapDeleted();
    await run();
    assert.deepEqual(cond(), ['FailureTarget:DeadlineExceeded', 'Failed:DeadlineExceeded']);
    assert.equal(job().status?.failed, 2);
    assert.equal(job().status?.active ?? 0, 0);
  });

  it('suspend deletes running pods without counting them; resume starts again', async () => {
    const { w, job, run, cond, live } = setup();
    await w.create(jobsRef, newJob('pi', { parallelism: 2, completions: 2 }));
    await run();
    assert.equal(live().length, 2);
    await w.client.patch(jobsRef, 'default', 'pi', 'merge', { spec: { suspend: true } });
    w.sync();
    await run();
    assert.equal(w.pods().length, 0, 'released first, so deleted at once');
    assert.deepEqual(cond(), ['Suspended:JobSuspended']);
    assert.equal(job().status?.failed ?? 0, 0);
    await w.client.patch(jobsRef, 'default', 'pi', 'merge', { spec: { suspend: false } });
    w.sync();
    w.clock.advance(5000);
    await run();
    assert.equal(live().length, 2);
    assert.equal(job().status?.conditions?.find((c) => c.type === 'Suspended')?.reason, 'JobResumed');
    assert.deepEqual(w.events.reasons().filter((r) => r === 'Suspended' || r === 'Resumed'), ['Suspended', 'Resumed']);
  });

  it('podFailurePolicy: Ignore does not count, FailJob fails at once with the rule message', async () => {
    const { w, job, run, cond, live } = setup({ backoffBaseMs: 1 });
    await w.create(
      jobsRef,
      newJob('pi', {
        podFailurePolicy: {
          rules: [
            { action: 'Ignore', onExitCodes: { operator: 'In', values: [42] } },
            { action: 'FailJob', onExitCodes: { containerName: 'c', operator: 'In', values: [3] } },
          ],
        },
      }),
    );
    await run();
    await w.setPod(live()[0]!.metadata!.name!, 42);
    await run();
    assert.equal(job().status?.failed ?? 0, 0);
    assert.equal(live().length, 1, 'replaced');
    const victim = live()[0]!.metadata!.name!;
    await w.setPod(victim, 3);
    await run();
    assert.deepEqual(cond(), ['FailureTarget:PodFailurePolicy', 'Failed:PodFailurePolicy']);
    assert.equal(job().status?.conditions?.find((c) => c.type === 'Failed')?.message, `Container c for pod default/${victim} failed with exit code 3 matching FailJob rule at index 1`);
    assert.equal(job().status?.failed, 1);
  });

  it('backoffLimitPerIndex: a failing index is retried with its failure count, then marked failed', async () => {
    const { w, job, run, cond, live } = setup({ backoffBaseMs: 1000 });
    await w.create(jobsRef, newJob('idx', { completionMode: 'Indexed', completions: 2, parallelism: 2, backoffLimitPerIndex: 1, backoffLimit: 2147483647 }));
    await run('idx');
    const p0 = () => live().find((p) => p.metadata?.annotations?.[COMPLETION_INDEX] === '0');
    assert.equal(p0()?.metadata?.annotations?.['batch.kubernetes.io/job-index-failure-count'], '0');
    await w.setPod(p0()!.metadata!.name!, 1);
    await run('idx');
    assert.equal(p0(), undefined, 'index 0 waits out its backoff');
    w.clock.advance(1000);
    await run('idx');
    assert.equal(p0()?.metadata?.annotations?.['batch.kubernetes.io/job-index-failure-count'], '1');
    await w.setPod(p0()!.metadata!.name!, 1);
    const p1 = live().find((p) => p.metadata?.annotations?.[COMPLETION_INDEX] === '1')!;
    await w.setPod(p1.metadata!.name!, 0);
    await run('idx');
    assert.equal(job('idx').status?.failedIndexes, '0');
    assert.equal(job('idx').status?.completedIndexes, '1');
    assert.deepEqual(cond('idx'), ['FailureTarget:FailedIndexes', 'Failed:FailedIndexes']);
  });

  it('ttlSecondsAfterFinished deletes the job (foreground) once expired', async () => {
    const { w, run, live } = setup();
    await w.create(jobsRef, newJob('pi', { ttlSecondsAfterFinished: 5 }));
    await run();
    await w.setPod(live()[0]!.metadata!.name!, 0);
    await run();
    assert.equal(w.queue.takeDelay(), 5000);
    w.clock.advance(5000);
    await run();
    const del = w.client.actions.find((a) => a.verb === 'delete' && a.resource === 'jobs');
    assert.equal((del?.body as { propagationPolicy?: string })?.propagationPolicy, 'Foreground');
  });

  it('releases the finalizer of pods whose job is gone', async () => {
    const { w, c, live } = setup();
    await w.create(jobsRef, newJob('pi'));
    await c.reconcile('default/pi');
    w.sync();
    const p = live()[0]!;
    await w.client.delete(jobsRef, 'default', 'pi');
    await w.client.delete(podsRef, 'default', p.metadata!.name!);
    w.sync();
    assert.ok(w.queue.added.includes(`orphan:default/${p.metadata!.name}`));
    await c.reconcile(`orphan:default/${p.metadata!.name}`);
    assert.equal(w.pods().length, 0);
  });
});
