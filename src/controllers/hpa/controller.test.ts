import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KubeObject } from '../../api/object.js';
import type { Client, ObjectList, ResourceRef } from '../../client/types.js';
import { FakeClock } from '../../util/clock.js';
import { silentLogger } from '../../util/logger.js';
import { RecordedEvents } from '../common/events.js';
import { RecordingQueue, StaticInformerFactory } from '../common/testing.js';
import { HpaController } from './controller.js';
import { hpaRef, type Hpa } from './types.js';

/** A cluster of one Deployment behind /scale, its pods and their PodMetrics; records scale and status writes. */
class FakeCluster {
  replicas = 1;
  cpuPerPod = '200m';
  scaleWrites: number[] = [];
  statuses: NonNullable<Hpa['status']>[] = [];
  constructor(private readonly clock: FakeClock) {}
  private pods(): KubeObject[] {
    return Array.from({ length: this.replicas }, (_, i) => ({
      metadata: { name: `web-${i}`, namespace: 'default', labels: { app: 'web' } },
      spec: { containers: [{ name: 'c', resources: { requests: { cpu: '100m' } } }] },
      status: { phase: 'Running', startTime: '2025-01-01T00:00:00Z', conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: '2025-01-01T00:00:00Z' }] },
    }));
  }
  client(): Client {
    const self = this;
    const fail = () => {
      throw new Error('not used');
    };
    return {
      async get<T extends KubeObject>(res: ResourceRef, _ns: string | undefined, name: string, opts?: { subresource?: string }): Promise<T> {
        assert.equal(opts?.subresource, 'scale');
        assert.equal(res.resource, 'deployments');
        return { kind: 'Scale', metadata: { name, namespace: 'default' }, spec: { replicas: self.replicas }, status: { replicas: self.replicas, selector: 'app=web' } } as unknown as T;
      },
      async list<T extends KubeObject>(res: ResourceRef): Promise<ObjectList<T>> {
        if (res.resource === 'pods' && res.group === '') return { metadata: {}, items: self.pods() as T[] };
        const ts = new Date(self.clock.now().getTime() - 1000).toISOString().replace(/\.\d+Z$/, 'Z');
        const items = self.pods().map((p) => ({ metadata: p.metadata, timestamp: ts, window: '15s', containers: [{ name: 'c', usage: { cpu: self.cpuPerPod, memory: '10Mi' } }] }));
        return { metadata: {}, items: items as unknown as T[] };
      },
      async update<T extends KubeObject>(res: ResourceRef, _ns: string | undefined, obj: T, opts?: { subresource?: string }): Promise<T> {
        if (opts?.subresource === 'scale') {
          self.replicas = (obj as unknown as { spec: { replicas: number } }).spec.replicas;
          self.scaleWrites.push(self.replicas);
        } else {
          assert.equal(res.resource, 'horizontalpodautoscalers');
          self.statuses.push(structuredClone((obj as Hpa).status!));
        }
        return obj;
      },
      watch: fail,
      create: fail,
      patch: fail,
      delete: fail,
      createSubresource: fail,
    };
  }
}

function setup(spec: Partial<NonNullable<Hpa['spec']>> = {}, apiVersion = 'autoscaling/v2') {
  const clock = new FakeClock(Date.UTC(2026, 0, 1));
  const cluster = new FakeCluster(clock);
  const informers = new StaticInformerFactory();
  const events = new RecordedEvents();
  const queue = new RecordingQueue();
  const c = new HpaController({ client: cluster.client(), informers, clock, logger: silentLogger, recorder: events, queue });
  const hpa: Hpa = {
    apiVersion,
    kind: 'HorizontalPodAutoscaler',
    metadata: { name: 'web', namespace: 'default' },
    spec: {
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' },
      minReplicas: 1,
      maxReplicas: 10,
      metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 50 } } }],
      ...spec,
    },
  };
  informers.informer<Hpa>(hpaRef).set(hpa);
  const lastStatus = () => cluster.statuses[cluster.statuses.length - 1]!;
  /** Syncs as the periodic resync would, with the status written last time in the cache. */
  const sync = async () => {
    await c.reconcile('default/web');
    const cur = informers.informer<Hpa>(hpaRef).get('default', 'web')!;
    if (cluster.statuses.length) informers.informer<Hpa>(hpaRef).set({ ...cur, status: lastStatus() });
  };
  return { clock, cluster, events, queue, sync, lastStatus };
}

describe('HpaController', () => {
  it('scales up by the usage ratio within the default limit, with Kubernetes events, status and conditions', async () => {
    const t = setup();
    t.cluster.cpuPerPod = '300m'; // 300% of 50%: 6 wanted, 4 allowed (max(2x, 4))
    await t.sync();
    assert.deepEqual(t.cluster.scaleWrites, [4]);
    assert.deepEqual(t.events.events.map((e) => `${e.reason}: ${e.message}`), ['SuccessfulRescale: New size: 4; reason: cpu resource utilization (percentage of request) above target']);
    const s = t.lastStatus();
    assert.equal(s.currentReplicas, 1);
    assert.equal(s.desiredReplicas, 4);
    assert.ok(s.lastScaleTime);
    assert.deepEqual(s.currentMetrics, [{ type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: 300, averageValue: '300m' } } }]);
    assert.deepEqual(
      s.conditions?.map((c) => `${c.type}=${c.status} ${c.reason}`),
      ['AbleToScale=True SucceededRescale', 'ScalingActive=True ValidMetricFound', 'ScalingLimited=True ScaleUpLimit'],
    );
    assert.deepEqual(t.queue.delayed, [{ key: 'default/web', ms: 15_000 }]);
  });

  it('holds a scale-down for the stabilization window, then scales down', async () => {
    const t = setup({ behavior: { scaleDown: { stabilizationWindowSeconds: 60 } } });
    t.cluster.cpuPerPod = '300m';
    await t.sync(); // 1 -> 5 (+4 pods or +100%: the larger)
    assert.deepEqual(t.cluster.scaleWrites, [5]);
    t.cluster.cpuPerPod = '10m';
    const counts: number[] = [];
    for (let i = 0; i < 6; i++) {
      t.clock.advance(15_000);
      await t.sync();
      counts.push(t.cluster.replicas);
    }
    // at +15..45 s the recommendation of 6 from t=0 is inside the 60 s window; at +60 s it has left it
    assert.deepEqual(counts, [5, 5, 5, 1, 1, 1]);
    assert.equal(t.events.events.at(-1)?.message, 'New size: 1; reason: All metrics below target');
    const held = t.cluster.statuses.find((s) => s.conditions?.some((c) => c.reason === 'ScaleDownStabilized'));
    assert.ok(held, 'ScaleDownStabilized condition while held');
  });

  it('within the tolerance nothing changes', async () => {
    const t = setup();
    t.cluster.cpuPerPod = '54m';
    await t.sync();
    assert.deepEqual(t.cluster.scaleWrites, []);
    assert.equal(t.lastStatus().desiredReplicas, 1);
  });

  it('reads a v1 object and reports its CPU utilization in the v1 field too', async () => {
    const t = setup({ metrics: undefined, targetCPUUtilizationPercentage: 80 } as never, 'autoscaling/v1');
    t.cluster.cpuPerPod = '100m';
    await t.sync();
    assert.deepEqual(t.cluster.scaleWrites, [2]);
    assert.equal(t.lastStatus().currentCPUUtilizationPercentage, 100);
  });

  it('reports missing metrics as Kubernetes does', async () => {
    const t = setup({ metrics: [{ type: 'Pods', pods: { metric: { name: 'qps' }, target: { type: 'AverageValue', averageValue: '1' } } }] });
    await t.sync();
    assert.deepEqual(t.cluster.scaleWrites, []);
    const active = t.lastStatus().conditions?.find((c) => c.type === 'ScalingActive');
    assert.equal(active?.reason, 'FailedGetPodsMetric');
    assert.match(active?.message ?? '', /^the HPA was unable to compute the replica count: unable to get metric qps/);
    assert.deepEqual(t.events.reasons(), ['FailedGetPodsMetric', 'FailedComputeMetricsReplicas']);
  });
});
