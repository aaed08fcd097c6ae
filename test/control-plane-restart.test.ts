// Controllers and the scheduler survive a server restart mid-rollout (issue 5): a `tug server --sim-nodes 3`
// child process on sqlite rolls a Deployment of 10 replicas; while old and new pods are both running the process
// is killed (SIGKILL, then in a second rollout SIGTERM) and started again on the same data dir and port. The new
// leader must finish the rollout from what is stored, with no duplicate pods: a pod watcher that lives across
// the restarts checks at every event that there are never more than replicas + maxSurge pods, and at the end
// there are exactly `replicas` pods, all of the new template, one ReplicaSet at full size and the others at 0.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { deployments, replicasets } from '../src/client/index.js';
import type { KubeObject } from '../src/api/object.js';
import { restartableCluster } from './support/tug-cluster.js';
import { isActive, isReady, templateHash, watchPods, type PodWatcher } from './support/pod-watcher.js';
import { poll } from './support/poll.js';

const NS = 'default';
const REPLICAS = 10;
const MAX_SURGE = 3;
const MAX_UNAVAILABLE = 2;

interface Workload extends KubeObject {
  spec?: { replicas?: number; template?: { spec?: { containers?: { name: string; image?: string }[] } } };
  status?: { replicas?: number; updatedReplicas?: number; availableReplicas?: number; readyReplicas?: number; observedGeneration?: number };
}

const manifest = (image: string) => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'big', namespace: NS },
  spec: {
    replicas: REPLICAS,
    selector: { matchLabels: { app: 'big' } },
    strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: MAX_SURGE, maxUnavailable: MAX_UNAVAILABLE } },
    template: {
      // Slow enough readiness that the rollout takes a few seconds and can be interrupted halfway.
      metadata: { labels: { app: 'big' }, annotations: { 'sim.tugboat.dev/ready-after': '700ms' } },
      spec: { containers: [{ name: 'app', image }] },
    },
  },
});

const eventually = <T>(fn: () => Promise<T | undefined>, ms: number, what: string): Promise<T> => poll(what, fn, { ms, everyMs: 150 });

describe('the control plane survives a restart mid-rollout', { concurrency: 1 }, () => {
  const cluster = restartableCluster({ simNodes: 3 });
  let watcher: PodWatcher;

  before(async () => {
    await cluster.start();
    await cluster.api.create(deployments, NS, manifest('nginx:1.25'));
    await eventually(async () => {
      const d = await cluster.api.get<Workload>(deployments, NS, 'big');
      return d.status?.availableReplicas === REPLICAS && d.status.updatedReplicas === REPLICAS ? true : undefined;
    }, 30_000, 'first rollout');
    watcher = await watchPods({
      kubeconfig: cluster.server.kubeconfig,
      namespace: NS,
      labelSelector: 'app=big',
      check: (ps) => {
        const active = ps.filter(isActive).length;
        return active > REPLICAS + MAX_SURGE ? `${active} pods > ${REPLICAS} + maxSurge ${MAX_SURGE}` : undefined;
      },
    });
  });

  after(async () => {
    await watcher?.stop();
    await cluster.stop();
  });

  /** Starts a rollout to image, kills the server once old and new pods both run, starts it again, waits for the end. */
  async function interruptedRollout(image: string, signal: NodeJS.Signals, t: { diagnostic(m: string): void }): Promise<void> {
    const before = new Set((await cluster.api.list<Workload>(replicasets, NS, { labelSelector: 'app=big' })).items.map((r) => r.metadata?.name));
    await cluster.api.patch(deployments, NS, 'big', 'strategic', { spec: { template: { spec: { containers: [{ name: 'app', image }] } } } });
    const imageOf = (p: { spec?: { containers: { image?: string }[] } }) => p.spec?.containers[0]?.image;
    await watcher.until(
      (ps) => {
        const active = ps.filter(isActive);
        const fresh = active.filter((p) => imageOf(p) === image).length;
        return fresh >= 4 && active.length - fresh >= 3;
      },
      30_000,
      'old and new pods both running',
    );
    const mid = watcher.current().filter(isActive);
    t.diagnostic(`${signal} with ${mid.filter((p) => imageOf(p) === image).length} new and ${mid.filter((p) => imageOf(p) !== image).length} old pods`);
    const exit = await cluster.server.stop(signal);
    assert.equal(exit.signal ?? 'exit', signal === 'SIGKILL' ? 'SIGKILL' : 'exit', cluster.server.output());
    if (signal === 'SIGTERM') assert.equal(exit.code, 0, cluster.server.output());

    const restarted = Date.now();
    await cluster.start();
    await eventually(
      async () => {
        const d = await cluster.api.get<Workload>(deployments, NS, 'big');
        const s = d.status;
        return (s?.observedGeneration ?? 0) >= (d.metadata?.generation ?? 0) &&
          s?.updatedReplicas === REPLICAS &&
          s.availableReplicas === REPLICAS &&
          s.replicas === REPLICAS
          ? true
          : undefined;
      },
      60_000,
      'rollout finished after the restart',
    );
    t.diagnostic(`rollout finished ${Date.now() - restarted} ms after the restart began`);

    // Exactly `replicas` pods, all of the new template, once the old ones are gone.
    await watcher.until((ps) => ps.length === REPLICAS && ps.every((p) => isActive(p) && isReady(p) && imageOf(p) === image), 30_000, 'only new pods');
    const rsList = (await cluster.api.list<Workload>(replicasets, NS, { labelSelector: 'app=big' })).items;
    const hashes = new Set(watcher.current().map(templateHash));
    assert.equal(hashes.size, 1);
    const fresh = rsList.filter((r) => !before.has(r.metadata?.name));
    assert.equal(fresh.length, 1, `one new ReplicaSet, got ${rsList.map((r) => r.metadata?.name).join(', ')}`);
    const [newRs] = fresh;
    assert.equal(newRs!.metadata?.labels?.['pod-template-hash'], [...hashes][0]);
    assert.equal(newRs!.spec?.replicas, REPLICAS);
    assert.equal(newRs!.status?.replicas, REPLICAS);
    for (const old of rsList.filter((r) => r !== newRs)) {
      assert.equal(old.spec?.replicas, 0, `old ReplicaSet ${old.metadata?.name} scaled to 0`);
      assert.equal(old.status?.replicas ?? 0, 0, `old ReplicaSet ${old.metadata?.name} has no pods`);
    }
    assert.deepEqual(watcher.violations, [], `more than replicas + maxSurge pods at some moment (${watcher.events} events)`);
  }

  it('SIGKILL mid-rollout: the restarted server finishes it without duplicate pods', async (t) => {
    await interruptedRollout('nginx:1.26', 'SIGKILL', t);
  });

  it('SIGTERM mid-rollout: the same', async (t) => {
    await interruptedRollout('nginx:1.27', 'SIGTERM', t);
  });
});
