// The controller manager dies in the middle of a DaemonSet rollout, a StatefulSet rolling update and a CronJob
// run (issue 9): a `tug server --no-agent --sim-nodes 3` child on sqlite is SIGKILLed mid-way and started again
// on the same data dir and port, and the new leader must finish from what is stored. A pod watcher that lives
// across the restarts checks an invariant at every event, and the end state is checked by exact names:
// - DaemonSet: never two live pods on one node; at the end one pod per node, all of the new template.
// - StatefulSet: only ordinals 0..n-1 ever, never two down at once; at the end each once, all at the new revision.
// - CronJob: killed just before a scheduled minute and started after it, then killed again while that Job's pod
//   runs: exactly one Job for the minute (job names encode it), with exactly one pod, and it completes. The
//   schedule names that one minute of the hour, so no other start can blur the count.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { KubeObject } from '../src/api/object.js';
import { cronjobs, daemonsets, jobs, nodes, statefulsets } from '../src/client/index.js';
import { isActive, isReady, watchPods, type PodWatcher, type WatchedPod } from './support/pod-watcher.js';
import { poll } from './support/poll.js';
import { restartableCluster } from './support/tug-cluster.js';

const NS = 'default';
const SIM = 'sim.tugboat.dev';

type Obj = KubeObject & { spec?: any; status?: any };

const eventually = <T>(fn: () => Promise<T | undefined | false>, ms: number, what: string): Promise<T> => poll(what, fn, { ms, everyMs: 150 });

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const imageOf = (p: WatchedPod) => p.spec?.containers[0]?.image;

describe('the controller manager restarted mid-way through DaemonSet, StatefulSet and CronJob work', { concurrency: 1 }, () => {
  const cluster = restartableCluster({ simNodes: 3 });
  const watchers: PodWatcher[] = [];

  const watch = async (labelSelector: string, check: (ps: WatchedPod[]) => string | undefined) => {
    const w = await watchPods({ kubeconfig: cluster.server.kubeconfig, namespace: NS, labelSelector, check });
    watchers.push(w);
    return w;
  };

  before(async () => {
    await cluster.start();
  });

  after(async () => {
    for (const w of watchers) await w.stop();
    await cluster.stop();
  });

  it('DaemonSet rolling update: one pod per node, none lost or doubled', async (t) => {
    const nodeNames = (await cluster.api.list<Obj>(nodes, undefined)).items.map((n) => n.metadata!.name!).sort();
    assert.equal(nodeNames.length, 3);
    const ds = (image: string) => ({
      apiVersion: 'apps/v1',
      kind: 'DaemonSet',
      metadata: { name: 'agentd', namespace: NS },
      spec: {
        selector: { matchLabels: { app: 'agentd' } },
        updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1 } },
        template: {
          metadata: { labels: { app: 'agentd' }, annotations: { [`${SIM}/ready-after`]: '1500ms' } },
          spec: { containers: [{ name: 'd', image }] },
        },
      },
    });
    await cluster.api.create(daemonsets, NS, ds('agentd:1'));
    await eventually(async () => (await cluster.api.get<Obj>(daemonsets, NS, 'agentd')).status?.numberReady === 3, 20_000, 'first rollout');
    const w = await watch('app=agentd', (ps) => {
      const perNode = new Map<string, number>();
      for (const p of ps.filter(isActive)) perNode.set(p.spec?.nodeName ?? '', (perNode.get(p.spec?.nodeName ?? '') ?? 0) + 1);
      const twice = [...perNode].filter(([, n]) => n > 1).map(([node]) => node);
      return twice.length ? `two live pods on ${twice.join(', ')}` : undefined;
    });

    await cluster.api.patch(daemonsets, NS, 'agentd', 'strategic', { spec: { template: { spec: { containers: [{ name: 'd', image: 'agentd:2' }] } } } });
    await w.until((ps) => {
      const live = ps.filter(isActive);
      return live.some((p) => imageOf(p) === 'agentd:2') && live.filter((p) => imageOf(p) === 'agentd:1').length >= 2;
    }, 20_000, 'one node updated, two still old');
    t.diagnostic(`killed with ${w.current().filter((p) => isActive(p) && imageOf(p) === 'agentd:2').length} new pod(s)`);
    t.diagnostic(`back after ${await cluster.killAndRestart()} ms`);
    const back = Date.now();

    await eventually(async () => {
      const d = await cluster.api.get<Obj>(daemonsets, NS, 'agentd');
      const s = d.status ?? {};
      return s.observedGeneration >= (d.metadata?.generation ?? 0) && s.updatedNumberScheduled === 3 && s.numberAvailable === 3 && s.numberReady === 3 && s.desiredNumberScheduled === 3;
    }, 40_000, 'rollout finished after the restart');
    // Most of it is the dead leader's lease running out (15 s), as in Kubernetes.
    t.diagnostic(`rollout finished ${Date.now() - back} ms after the restart`);
    await w.until((ps) => ps.length === 3 && ps.every((p) => isActive(p) && isReady(p) && imageOf(p) === 'agentd:2'), 20_000, 'only new pods');
    assert.deepEqual(w.current().map((p) => p.spec?.nodeName).sort(), nodeNames, 'one pod per node');
    assert.deepEqual(w.violations, [], `${w.events} events`);
  });

  it('StatefulSet rolling update: ordinals 0..n-1 once each, never two down', async (t) => {
    const N = 4;
    const names = Array.from({ length: N }, (_, i) => `db-${i}`);
    const sts = {
      apiVersion: 'apps/v1',
      kind: 'StatefulSet',
      metadata: { name: 'db', namespace: NS },
      spec: {
        serviceName: 'db',
        replicas: N,
        selector: { matchLabels: { app: 'db' } },
        template: {
          metadata: { labels: { app: 'db' }, annotations: { [`${SIM}/ready-after`]: '1s' } },
          spec: { containers: [{ name: 'db', image: 'db:1' }] },
        },
      },
    };
    await cluster.api.create(statefulsets, NS, sts);
    await eventually(async () => (await cluster.api.get<Obj>(statefulsets, NS, 'db')).status?.readyReplicas === N, 30_000, 'first rollout');
    const w = await watch('app=db', (ps) => {
      const odd = ps.map((p) => p.metadata.name ?? '').filter((n) => !names.includes(n));
      if (odd.length) return `pods outside the ordinals: ${odd.join(', ')}`;
      const up = ps.filter(isActive).length;
      return up < N - 1 ? `only ${up} live pods` : undefined;
    });

    await cluster.api.patch(statefulsets, NS, 'db', 'strategic', { spec: { template: { spec: { containers: [{ name: 'db', image: 'db:2' }] } } } });
    await w.until((ps) => {
      const fresh = ps.filter((p) => isActive(p) && imageOf(p) === 'db:2').map((p) => p.metadata.name);
      return fresh.includes('db-3') && !fresh.includes('db-1') && !fresh.includes('db-0');
    }, 20_000, 'db-3 updated, db-0 and db-1 not yet');
    t.diagnostic(`killed with ${w.current().filter((p) => isActive(p) && imageOf(p) === 'db:2').map((p) => p.metadata.name).join(', ')} updated`);
    t.diagnostic(`back after ${await cluster.killAndRestart()} ms`);
    const back = Date.now();

    const done = await eventually(async () => {
      const s = await cluster.api.get<Obj>(statefulsets, NS, 'db');
      const st = s.status ?? {};
      return st.observedGeneration >= (s.metadata?.generation ?? 0) && st.updatedReplicas === N && st.readyReplicas === N && st.currentRevision === st.updateRevision && s;
    }, 40_000, 'rolling update finished after the restart');
    t.diagnostic(`rolling update finished ${Date.now() - back} ms after the restart`);
    await w.until((ps) => ps.length === N && ps.every((p) => isActive(p) && isReady(p) && imageOf(p) === 'db:2'), 20_000, 'only new pods');
    assert.deepEqual(w.current().map((p) => p.metadata.name).sort(), names);
    for (const p of w.current()) assert.equal(p.metadata.labels?.['controller-revision-hash'], done.status.updateRevision, p.metadata.name);
    assert.deepEqual(w.violations, [], `${w.events} events`);
  });

  it('CronJob: a start missed while down runs once after the restart and survives another kill mid-run', async (t) => {
    // A schedule that fires once an hour, at the coming minute (the one after when it is too close): the server
    // is killed just before it begins and started just after, so that start is missed and must be caught up.
    const toMinute = () => 60_000 - (Date.now() % 60_000);
    const minute = Math.floor(Date.now() / 60_000) + (toMinute() < 6_000 ? 2 : 1);
    const cj = {
      apiVersion: 'batch/v1',
      kind: 'CronJob',
      metadata: { name: 'tick', namespace: NS },
      spec: {
        schedule: `${minute % 60} * * * *`,
        timeZone: 'Etc/UTC',
        concurrencyPolicy: 'Forbid',
        jobTemplate: {
          spec: {
            template: {
              metadata: { labels: { app: 'tick' }, annotations: { [`${SIM}/complete-after`]: '6s' } },
              spec: { restartPolicy: 'Never', containers: [{ name: 't', image: 'busybox' }] },
            },
          },
        },
      },
    };
    await cluster.api.create(cronjobs, NS, cj);
    const w = await watch('app=tick', (ps) => {
      const byJob = new Map<string, number>();
      for (const p of ps) byJob.set(p.metadata.labels?.['job-name'] ?? '', (byJob.get(p.metadata.labels?.['job-name'] ?? '') ?? 0) + 1);
      const twice = [...byJob].filter(([, n]) => n > 1).map(([j]) => j);
      return twice.length ? `more than one pod for ${twice.join(', ')}` : undefined;
    });
    await sleep(Math.max(0, minute * 60_000 - Date.now() - 1_500));
    assert.deepEqual((await cluster.api.list<Obj>(jobs, NS)).items.filter((j) => j.metadata?.name?.startsWith('tick-')), [], 'no Job before the first scheduled minute');
    // Down across the minute: the new leader finds the missed start and runs it once.
    t.diagnostic(`down across the minute for ${await cluster.killAndRestart(minute * 60_000 - Date.now() + 1_000)} ms`);
    await w.until((ps) => ps.some((p) => p.status?.phase === 'Running'), 20_000, 'the caught-up Job\'s pod running');
    t.diagnostic(`killed again while ${w.current().map((p) => p.metadata.name).join(', ')} runs; back after ${await cluster.killAndRestart()} ms`);

    const job = await eventually(async () => {
      const j = await cluster.api.get<Obj>(jobs, NS, `tick-${minute}`);
      return j.status?.conditions?.some((c: { type: string; status: string }) => c.type === 'Complete' && c.status === 'True') && j;
    }, 30_000, `Job tick-${minute} complete`);
    assert.equal(job.status.succeeded, 1);
    assert.equal(job.status.failed ?? 0, 0);
    const all = (await cluster.api.list<Obj>(jobs, NS)).items.map((j) => j.metadata!.name!);
    assert.deepEqual(all.filter((n) => n.startsWith('tick-')), [`tick-${minute}`], 'one Job for the scheduled minute');
    assert.deepEqual(w.current().filter((p) => p.metadata.labels?.['job-name'] === `tick-${minute}`).length, 1, 'one pod for the Job');
    assert.deepEqual(w.violations, [], `${w.events} events`);
    const cron = await cluster.api.get<Obj>(cronjobs, NS, 'tick');
    assert.equal(cron.status?.lastScheduleTime, new Date(minute * 60_000).toISOString().replace('.000Z', 'Z'));
  });
});
