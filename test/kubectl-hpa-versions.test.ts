// One HorizontalPodAutoscaler, two views (issue 9): autoscaling/v2 is stored, autoscaling/v1 is converted on the
// way in and out, as kube-apiserver does. Real kubectl 1.27 and 1.33 against an in-process API server: what
// `kubectl autoscale` or a v1 manifest writes reads back through v2 (and the reverse), `kubectl get hpa` agrees in
// both versions, a v1 client's read-modify-write keeps every v2-only field (memory metric, behavior, conditions),
// and a status written through v2 shows in v1's currentCPUUtilizationPercentage.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { findTool, requireTool } from './support/require-tool.js';
import { kubectl, kubectlPath, startTugServer, type TugServer } from './support/tug-server.js';

const VERSIONS = (process.env.TUG_KUBECTL_VERSIONS ?? '1.27,1.33').split(',');
const NS = 'default';

type Hpa = { apiVersion: string; metadata: { annotations?: Record<string, string>; resourceVersion?: string; uid?: string }; spec: any; status?: any };

const cpu = (u: number) => ({ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: u } } });
const mem = { type: 'Resource', resource: { name: 'memory', target: { type: 'AverageValue', averageValue: '100Mi' } } };
// Fully spelled out, so defaulting adds nothing and the round trip can be compared as is.
const behavior = {
  scaleUp: { stabilizationWindowSeconds: 0, selectPolicy: 'Max', policies: [{ type: 'Pods', value: 2, periodSeconds: 15 }] },
  scaleDown: { stabilizationWindowSeconds: 10, selectPolicy: 'Max', policies: [{ type: 'Pods', value: 1, periodSeconds: 5 }] },
};

describe('HorizontalPodAutoscaler: autoscaling/v1 and v2 are views of one stored object', () => {
  let server: TugServer | undefined;
  const v = VERSIONS[VERSIONS.length - 1]!;

  const k = async (version: string, args: string[], input?: string) => {
    const r = await kubectl(version, args, { kubeconfig: server!.kubeconfig, ...(input ? { input } : {}) });
    assert.equal(r.code, 0, `kubectl ${args.join(' ')}: ${r.stderr}`);
    return r.stdout;
  };
  const get = async (version: 'v1' | 'v2', name: string): Promise<Hpa> => JSON.parse(await k(v, ['get', `horizontalpodautoscalers.${version}.autoscaling`, name, '-n', NS, '-o', 'json'])) as Hpa;

  before(async () => {
    if (!VERSIONS.some((x) => findTool(kubectlPath(x)))) return;
    server = await startTugServer();
    await k(v, ['apply', '-f', '-'], JSON.stringify({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: NS }, spec: { replicas: 1, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'nginx' }] } } } }));
  });
  after(async () => {
    await server?.stop();
  });

  it('kubectl autoscale: the same object through v1 and v2, and the same TARGETS in 1.27 and 1.33', async (t) => {
    if (!requireTool(t, kubectlPath(v), 'the Google Cloud SDK kubectl components')) return;
    assert.match(await k(v, ['autoscale', 'deployment', 'web', '--cpu-percent=60', '--min=2', '--max=7', '-n', NS]), /horizontalpodautoscaler.autoscaling\/web autoscaled/);
    const two = await get('v2', 'web');
    const one = await get('v1', 'web');
    assert.equal(two.apiVersion, 'autoscaling/v2');
    assert.equal(one.apiVersion, 'autoscaling/v1');
    assert.equal(one.metadata.uid, two.metadata.uid);
    assert.equal(one.metadata.resourceVersion, two.metadata.resourceVersion);
    assert.deepEqual(two.spec.metrics, [cpu(60)]);
    assert.equal(one.spec.targetCPUUtilizationPercentage, 60);
    assert.equal(one.spec.metrics, undefined);
    assert.deepEqual([one.spec.minReplicas, one.spec.maxReplicas], [2, 7]);
    assert.equal(one.metadata.annotations, undefined, 'nothing for the annotations to carry');
    for (const kv of VERSIONS) {
      if (!findTool(kubectlPath(kv))) continue;
      const row = (await k(kv, ['get', 'hpa', 'web', '-n', NS, '--no-headers'])).trim().split(/\s{2,}/);
      // The server prints the table (Kubernetes 1.30+ text), so every kubectl shows the same.
      assert.deepEqual(row.slice(0, 5), ['web', 'Deployment/web', 'cpu: <unknown>/60%', '2', '7'], `kubectl ${kv}`);
      // kubectl 1.33 expands the short name `hpa.v1.autoscaling` to the preferred version (it asks for v2, seen
      // with -v=6); the full resource name asks for v1 in every version.
      const forms = kv === '1.27' ? ['hpa.v1.autoscaling', 'horizontalpodautoscalers.v1.autoscaling'] : ['horizontalpodautoscalers.v1.autoscaling'];
      for (const form of forms) {
        const yaml = await k(kv, ['get', form, 'web', '-n', NS, '-o', 'yaml']);
        assert.match(yaml, /^apiVersion: autoscaling\/v1$/m, `kubectl ${kv} get ${form}`);
        assert.match(yaml, /^ {2}targetCPUUtilizationPercentage: 60$/m);
      }
    }
  });

  it('a v1 manifest is stored as v2; v1 without a target reads as 80% CPU', async (t) => {
    if (!requireTool(t, kubectlPath(v), 'the Google Cloud SDK kubectl components')) return;
    const manifest = { apiVersion: 'autoscaling/v1', kind: 'HorizontalPodAutoscaler', metadata: { name: 'plain', namespace: NS }, spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' }, maxReplicas: 3 } };
    await k(v, ['apply', '-f', '-'], JSON.stringify(manifest));
    const two = await get('v2', 'plain');
    assert.deepEqual(two.spec.metrics, [cpu(80)]);
    assert.equal(two.spec.minReplicas, 1);
    assert.equal((await get('v1', 'plain')).spec.targetCPUUtilizationPercentage, 80);
    // Applying the same v1 manifest again changes nothing.
    await k(v, ['apply', '-f', '-'], JSON.stringify(manifest));
    assert.equal((await get('v2', 'plain')).metadata.resourceVersion, two.metadata.resourceVersion);
  });

  it('v2-only fields survive a v1 read-modify-write; v2 status shows in v1', async (t) => {
    if (!requireTool(t, kubectlPath(v), 'the Google Cloud SDK kubectl components')) return;
    const hpa = { apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', metadata: { name: 'rich', namespace: NS }, spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' }, minReplicas: 1, maxReplicas: 6, metrics: [cpu(50), mem], behavior } };
    await k(v, ['create', '-f', '-'], JSON.stringify(hpa));
    const status = {
      currentReplicas: 2,
      desiredReplicas: 3,
      currentMetrics: [
        { type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: 45, averageValue: '45m' } } },
        { type: 'Resource', resource: { name: 'memory', current: { averageValue: '80Mi' } } },
      ],
      conditions: [{ type: 'AbleToScale', status: 'True', reason: 'ReadyForNewScale', message: 'recommended size matches current size', lastTransitionTime: '2025-01-01T00:00:00Z' }],
    };
    await k(v, ['patch', 'horizontalpodautoscalers.v2.autoscaling', 'rich', '-n', NS, '--subresource=status', '--type=merge', '-p', JSON.stringify({ status })]);

    const one = await get('v1', 'rich');
    assert.equal(one.spec.targetCPUUtilizationPercentage, 50);
    assert.equal(one.status.currentCPUUtilizationPercentage, 45);
    assert.deepEqual([one.status.currentReplicas, one.status.desiredReplicas], [2, 3]);
    const a = one.metadata.annotations ?? {};
    assert.deepEqual(JSON.parse(a['autoscaling.alpha.kubernetes.io/metrics'] ?? '[]'), [{ type: 'Resource', resource: { name: 'memory', targetAverageValue: '100Mi' } }]);
    assert.deepEqual(JSON.parse(a['autoscaling.alpha.kubernetes.io/behavior'] ?? '{}'), behavior);
    assert.equal(JSON.parse(a['autoscaling.alpha.kubernetes.io/conditions'] ?? '[]')[0]?.reason, 'ReadyForNewScale');
    assert.equal(JSON.parse(a['autoscaling.alpha.kubernetes.io/current-metrics'] ?? '[]').length, 2);

    // A v1 client edits what it knows and PUTs the whole object back.
    one.spec.maxReplicas = 8;
    one.spec.targetCPUUtilizationPercentage = 55;
    await k(v, ['replace', '-f', '-'], JSON.stringify(one));
    const two = await get('v2', 'rich');
    assert.equal(two.spec.maxReplicas, 8);
    assert.deepEqual(two.spec.metrics, [cpu(55), mem]);
    assert.deepEqual(two.spec.behavior, behavior);
    assert.equal(two.metadata.annotations, undefined, 'the carrier annotations are not stored');
    assert.deepEqual(two.status.currentMetrics, status.currentMetrics);
    assert.deepEqual(two.status.conditions, status.conditions);

    // The tables agree: both views print the v2 metrics.
    for (const kv of VERSIONS) {
      if (!findTool(kubectlPath(kv))) continue;
      const row = (await k(kv, ['get', 'hpa', 'rich', '-n', NS, '--no-headers'])).trim().split(/\s{2,}/);
      assert.deepEqual(row.slice(0, 6), ['rich', 'Deployment/web', 'cpu: 45%/55%, memory: 80Mi/100Mi', '1', '8', '2'], `kubectl ${kv}`);
    }
  });

  it('a v1 merge patch changes the CPU target and keeps the other metric', async (t) => {
    if (!requireTool(t, kubectlPath(v), 'the Google Cloud SDK kubectl components')) return;
    await k(v, ['patch', 'horizontalpodautoscalers.v1.autoscaling', 'rich', '-n', NS, '--type=merge', '-p', '{"spec":{"targetCPUUtilizationPercentage":65}}']);
    const two = await get('v2', 'rich');
    assert.deepEqual(two.spec.metrics, [cpu(65), mem]);
    const one = await get('v1', 'rich');
    assert.equal(one.spec.targetCPUUtilizationPercentage, 65);
  });
});
