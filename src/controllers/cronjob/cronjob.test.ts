// The CronJob controller over an hour of an every-minute schedule on a fake clock, once per concurrency policy,
// with jobs that take 90 s; plus missed runs after downtime, the starting deadline, suspend and history limits.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { silentLogger } from '../../util/logger.js';
import { World } from '../job/testing.js';
import { CRONJOB_SCHEDULED_TIMESTAMP, cronJobsRef, finishedCondition, jobsRef, metaTime, type CronJob, type Job } from '../job/types.js';
import { CronJobController } from './controller.js';

function newCronJob(spec: Partial<NonNullable<CronJob['spec']>> = {}): CronJob {
  return {
    apiVersion: 'batch/v1',
    kind: 'CronJob',
    metadata: { name: 'hello' },
    spec: {
      schedule: '* * * * *',
      concurrencyPolicy: 'Allow',
      suspend: false,
      successfulJobsHistoryLimit: 3,
      failedJobsHistoryLimit: 1,
      jobTemplate: { metadata: { labels: { app: 'hello' } }, spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox' }] } } } },
      ...spec,
    },
  };
}

/** Runs `minutes` of wall time in 1 s steps: jobs finish `runSeconds` after they start; the controller runs when it asked to or a job changed. */
async function simulate(policy: 'Allow' | 'Forbid' | 'Replace', o: { minutes: number; runSeconds: number; spec?: Partial<NonNullable<CronJob['spec']>> }) {
  const w = new World();
  const c = new CronJobController({ client: w.client, informers: w.informers, clock: w.clock, logger: silentLogger, recorder: w.events, queue: w.queue, localTimeZone: 'UTC' });
  await w.create(cronJobsRef, newCronJob({ concurrencyPolicy: policy, ...o.spec }));
  const created = new Set<string>();
  let maxActive = 0;
  let due = w.clock.now().getTime();
  const step = async () => {
    await c.reconcile('default/hello');
    w.sync();
    const d = w.queue.takeDelay();
    if (d !== undefined) due = w.clock.now().getTime() + d;
  };
  for (let s = 0; s <= o.minutes * 60 + 1; s++) {
    let changed = false;
    for (const j of w.client.all<Job>(jobsRef, 'default')) {
      created.add(j.metadata!.name!);
      const started = Date.parse(j.metadata!.creationTimestamp!);
      if (!finishedCondition(j) && w.clock.now().getTime() - started >= o.runSeconds * 1000) {
        const now = metaTime(w.clock.now());
        await w.client.update(jobsRef, 'default', { ...j, status: { startTime: j.metadata!.creationTimestamp, completionTime: now, succeeded: 1, conditions: [{ type: 'Complete', status: 'True', lastTransitionTime: now }] } }, { subresource: 'status' });
        changed = true;
      }
    }
    w.sync();
    if (changed || w.clock.now().getTime() >= due) await step();
    const running = w.client.all<Job>(jobsRef, 'default').filter((j) => !finishedCondition(j)).length;
    maxActive = Math.max(maxActive, running);
    w.clock.advance(1000);
  }
  for (const j of w.client.all<Job>(jobsRef, 'default')) created.add(j.metadata!.name!);
  const cj = w.client.peek<CronJob>(cronJobsRef, 'default', 'hello')!;
  return { w, created, maxActive, cj, reasons: w.events.reasons() };
}

const count = (xs: string[], r: string) => xs.filter((x) => x === r).length;

describe('cronjob: an hour of an every-minute schedule, jobs taking 90 s', () => {
  it('Allow: one job a minute, runs overlap', async () => {
    const r = await simulate('Allow', { minutes: 60, runSeconds: 90 });
    assert.equal(r.created.size, 60);
    assert.equal(count(r.reasons, 'SuccessfulCreate'), 60);
    assert.equal(r.maxActive, 2);
    const minutes = [...r.created].map((n) => Number(n.slice('hello-'.length))).sort((a, b) => a - b);
    assert.equal(minutes[0], Date.UTC(2026, 0, 1, 12, 1) / 60000);
    assert.equal(minutes.at(-1), Date.UTC(2026, 0, 1, 13, 0) / 60000);
    assert.equal(r.cj.status?.lastScheduleTime, '2026-01-01T13:00:00Z');
    assert.ok(r.cj.status?.lastSuccessfulTime);
    // History: only the newest 3 finished jobs stay.
    const finished = r.w.client.all<Job>(jobsRef, 'default').filter((j) => finishedCondition(j));
    assert.ok(finished.length <= 3, `${finished.length} finished jobs kept`);
  });

  it('Forbid: never two at once; a skipped run starts late once the running one ends', async () => {
    const r = await simulate('Forbid', { minutes: 60, runSeconds: 90 });
    assert.equal(r.maxActive, 1);
    assert.ok(r.created.size >= 30 && r.created.size <= 41, `${r.created.size} jobs`);
    assert.ok(count(r.reasons, 'JobAlreadyActive') > 0);
    assert.equal(count(r.reasons, 'SuccessfulCreate'), r.created.size);
  });

  it('Replace: one job a minute, each replacing the one still running', async () => {
    const r = await simulate('Replace', { minutes: 60, runSeconds: 90 });
    assert.equal(r.created.size, 60);
    assert.equal(r.maxActive, 1);
    assert.ok(count(r.reasons, 'SuccessfulDelete') >= 59);
    assert.equal(r.cj.status?.active?.length, 1);
  });

  it('short jobs: SawCompletedJob for each and an empty active list between runs', async () => {
    const r = await simulate('Forbid', { minutes: 10, runSeconds: 20 });
    assert.equal(r.created.size, 10);
    // The last one (started at 12:10) is still running when the hour ends.
    assert.equal(count(r.reasons, 'SawCompletedJob'), 9);
    assert.equal(count(r.reasons, 'JobAlreadyActive'), 0);
  });
});

describe('cronjob: schedules and downtime', () => {
  const setup = (spec: Partial<NonNullable<CronJob['spec']>> = {}, created = '2026-01-01T12:00:00Z') => {
    const w = new World();
    const c = new CronJobController({ client: w.client, informers: w.informers, clock: w.clock, logger: silentLogger, recorder: w.events, queue: w.queue });
    const cj = newCronJob(spec);
    cj.metadata!.creationTimestamp = created;
    return { w, c, cj };
  };
  const jobs = (w: World) => w.client.all<Job>(jobsRef, 'default');

  it('after two hours down: one catch-up run (the latest) and TooManyMissedTimes', async () => {
    const { w, c, cj } = setup();
    await w.create(cronJobsRef, cj);
    w.clock.advance(2 * 3600_000 + 30_000);
    await c.reconcile('default/hello');
    assert.equal(jobs(w).length, 1);
    const j = jobs(w)[0]!;
    assert.equal(j.metadata?.name, `hello-${Date.UTC(2026, 0, 1, 14, 0) / 60000}`);
    assert.equal(j.metadata?.annotations?.[CRONJOB_SCHEDULED_TIMESTAMP], '2026-01-01T14:00:00Z');
    assert.equal(j.metadata?.ownerReferences?.[0]?.kind, 'CronJob');
    assert.deepEqual(j.metadata?.labels, { app: 'hello' });
    const ev = w.events.events.find((e) => e.reason === 'TooManyMissedTimes');
    assert.equal(ev?.message, 'too many missed start times. Set or decrease .spec.startingDeadlineSeconds or check clock skew');
    assert.equal(w.queue.takeDelay(), 30_100);
  });

  it('startingDeadlineSeconds: a run missed by more than the deadline is not started', async () => {
    const { w, c, cj } = setup({ startingDeadlineSeconds: 10 });
    await w.create(cronJobsRef, cj);
    w.clock.advance(60_000 + 25_000);
    await c.reconcile('default/hello');
    w.sync();
    assert.equal(jobs(w).length, 0);
    assert.ok(!w.events.reasons().includes('TooManyMissedTimes'));
    w.clock.advance(35_000 + 5_000);
    await c.reconcile('default/hello');
    assert.equal(jobs(w).length, 1, 'the 12:02 run, 5 s late, is within the deadline');
  });

  it('a time zone shifts the schedule and the timestamp annotation', async () => {
    const { w, c, cj } = setup({ schedule: '0 9 * * *', timeZone: 'Europe/Berlin' });
    await w.create(cronJobsRef, cj);
    await c.reconcile('default/hello');
    w.sync();
    // 12:00 UTC on 1 January: 09:00 in Berlin (08:00 UTC) is tomorrow.
    assert.equal(w.queue.takeDelay(), 20 * 3600_000 + 100);
    w.clock.advance(20 * 3600_000 + 100);
    await c.reconcile('default/hello');
    assert.equal(jobs(w)[0]?.metadata?.annotations?.[CRONJOB_SCHEDULED_TIMESTAMP], '2026-01-02T09:00:00+01:00');
  });

  it('suspend: nothing starts; resuming starts only the latest missed run', async () => {
    const { w, c, cj } = setup({ suspend: true });
    await w.create(cronJobsRef, cj);
    w.clock.advance(5 * 60_000 + 1000);
    await c.reconcile('default/hello');
    w.sync();
    assert.equal(jobs(w).length, 0);
    await w.client.patch(cronJobsRef, 'default', 'hello', 'merge', { spec: { suspend: false } });
    w.sync();
    await c.reconcile('default/hello');
    assert.deepEqual(jobs(w).map((j) => j.metadata?.name), [`hello-${Date.UTC(2026, 0, 1, 12, 5) / 60000}`]);
  });

  it('a restart after creating the job but before writing status: the job is listed, not created twice', async () => {
    const { w, c, cj } = setup();
    await w.create(cronJobsRef, cj);
    w.clock.advance(61_000);
    w.client.prependReactor('update', 'cronjobs', () => {
      throw new Error('connection reset');
    });
    await assert.rejects(c.reconcile('default/hello'));
    (w.client as unknown as { reactors: unknown[] }).reactors.length = 0;
    w.sync();
    const fresh = new CronJobController({ client: w.client, informers: w.informers, clock: w.clock, logger: silentLogger, recorder: w.events, queue: w.queue });
    await fresh.reconcile('default/hello');
    w.sync();
    assert.equal(jobs(w).length, 1);
    assert.equal(w.client.peek<CronJob>(cronJobsRef, 'default', 'hello')?.status?.active?.length, 1);
    await fresh.reconcile('default/hello');
    assert.equal(jobs(w).length, 1);
  });

  it('a deleted active job: MissingJob', async () => {
    const { w, c, cj } = setup();
    await w.create(cronJobsRef, cj);
    w.clock.advance(61_000);
    await c.reconcile('default/hello');
    w.sync();
    await w.client.delete(jobsRef, 'default', jobs(w)[0]!.metadata!.name!);
    w.sync();
    await c.reconcile('default/hello');
    assert.ok(w.events.reasons().includes('MissingJob'));
    assert.deepEqual(w.client.peek<CronJob>(cronJobsRef, 'default', 'hello')?.status?.active ?? [], []);
  });
});
