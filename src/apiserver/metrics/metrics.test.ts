import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MemoryStore } from '../../store/memory/memory-store.js';
import { FakeClock } from '../../util/clock.js';
import { createApiServer } from '../server.js';
import { call } from '../testing.js';
import { cpuQuantity, goDuration, memoryQuantity } from './format.js';
import { createMetricsApi } from './index.js';
import { parseResourceMetrics } from './parse.js';
import { podUsage, pointUsage } from './rates.js';

const admin = () => ({ name: 'admin', groups: ['system:masters'] });

describe('metrics formats', () => {
  const cases: [number, string][] = [
    [12_000_000, '12m'],
    [1_234_567, '1234567n'],
    [0, '0'],
    [2_000_000_000, '2'],
  ];
  for (const [n, want] of cases) it(`cpu ${n}n -> ${want}`, () => assert.equal(cpuQuantity(n), want));
  it('memory in binary units when whole KiB', () => {
    assert.equal(memoryQuantity(23 * 1024 * 1024), '23Mi');
    assert.equal(memoryQuantity(123456 * 1024), '123456Ki');
    assert.equal(memoryQuantity(1000), '1000');
  });
  it('windows as Go durations', () => {
    assert.equal(goDuration(10_004), '10.004s');
    assert.equal(goDuration(15_000), '15s');
    assert.equal(goDuration(60_500), '1m0.5s');
    assert.equal(goDuration(250), '250ms');
  });
});

function text(ts: number, node: number, containers: [string, string, number, number][], startMs = 1_000): string {
  const lines = [`node_cpu_usage_seconds_total ${node} ${ts}`, `node_memory_working_set_bytes 2147483648 ${ts}`];
  for (const [pod, c, cpu, mem] of containers) {
    lines.push(`container_cpu_usage_seconds_total{container="${c}",namespace="default",pod="${pod}"} ${cpu} ${ts}`);
    lines.push(`container_memory_working_set_bytes{container="${c}",namespace="default",pod="${pod}"} ${mem} ${ts}`);
    lines.push(`container_start_time_seconds{container="${c}",namespace="default",pod="${pod}"} ${startMs / 1000} ${ts}`);
  }
  return `# HELP x\n${lines.join('\n')}\n`;
}

describe('rates', () => {
  it('CPU is the counter rate over the window; memory is the latest', () => {
    const a = parseResourceMetrics(text(10_000, 100, [['web', 'a', 1, 1024]]), 0);
    const b = parseResourceMetrics(text(20_000, 105, [['web', 'a', 2.5, 2048]]), 0);
    assert.deepEqual(pointUsage(a.node, b.node), { cpuNanocores: 500_000_000, memoryBytes: 2147483648, tsMs: 20_000, windowMs: 10_000 });
    const p = podUsage(a, b, 'default/web');
    assert.equal(p?.containers[0]?.usage.cpuNanocores, 150_000_000);
    assert.equal(p?.containers[0]?.usage.memoryBytes, 2048);
  });
  it('a pod is reported only when every container has two points; a new container counts from its start', () => {
    const a = parseResourceMetrics(text(10_000, 100, [['web', 'a', 1, 1]]), 0);
    const b = parseResourceMetrics(text(20_000, 101, [['web', 'a', 2, 1], ['web', 'b', 1, 1]]), 0);
    assert.equal(podUsage(a, b, 'default/web'), undefined);
    const c = parseResourceMetrics(text(20_000, 101, [['new', 'a', 1, 1]], 15_000), 0);
    assert.equal(podUsage(a, c, 'default/new')?.containers[0]?.usage.cpuNanocores, 200_000_000);
    assert.equal(podUsage(undefined, c, 'default/new'), undefined);
  });
  it('a counter that went down (restart) gives nothing', () => {
    const a = parseResourceMetrics(text(10_000, 100, [['web', 'a', 5, 1]]), 0);
    const b = parseResourceMetrics(text(20_000, 101, [['web', 'a', 1, 1]]), 0);
    assert.equal(podUsage(a, b, 'default/web'), undefined);
  });
});

describe('metrics.k8s.io API', () => {
  async function setup() {
    const store = new MemoryStore();
    const clock = new FakeClock(Date.UTC(2026, 0, 1));
    const node = (name: string, port?: number) => ({
      apiVersion: 'v1', kind: 'Node', metadata: { name, labels: { 'kubernetes.io/hostname': name } },
      status: { addresses: [{ type: 'InternalIP', address: '10.0.0.1' }], ...(port ? { daemonEndpoints: { kubeletEndpoint: { Port: port } } } : {}) },
    });
    await store.create('/registry/nodes/real', JSON.stringify(node('real', 10250)));
    await store.create('/registry/nodes/sim', JSON.stringify(node('sim')));
    const pod = (name: string, labels: Record<string, string>, nodeName: string) => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default', labels }, spec: { nodeName } });
    await store.create('/registry/pods/default/web', JSON.stringify(pod('web', { app: 'web' }, 'real')));
    await store.create('/registry/pods/default/db', JSON.stringify(pod('db', { app: 'db' }, 'real')));
    await store.create('/registry/pods/default/other', JSON.stringify(pod('other', { app: 'web' }, 'sim')));
    let n = 0;
    const fetched: string[] = [];
    const metrics = createMetricsApi({
      store, clock, resolutionMs: 15_000, cacheMs: 0,
      fetch: async (agent, path) => {
        fetched.push(`${agent.host}:${agent.port}${path}`);
        n++;
        return text(n * 10_000, 100 + n, [['web', 'a', n * 0.25, 50 * 1024 * 1024], ['db', 'x', n * 0.001, 1024 * 1000]]);
      },
    });
    const api = createApiServer({ store, clock, authenticate: admin, hooks: { metrics: (rr) => metrics.handle(rr) } });
    await api.init();
    return { api, fetched, metrics };
  }

  it('is listed in discovery', async () => {
    const { api } = await setup();
    const r = await call(api, 'GET', '/apis/metrics.k8s.io/v1beta1');
    const kinds = (r.json().resources as { name: string; kind: string; namespaced: boolean; verbs: string[] }[]).map((x) => `${x.name}:${x.kind}:${x.namespaced}:${x.verbs.join(',')}`);
    assert.deepEqual(kinds, ['nodes:NodeMetrics:false:get,list', 'pods:PodMetrics:true:get,list']);
  });

  it('needs two samples, then answers NodeMetrics and PodMetrics in metrics-server shapes', async () => {
    const { api, fetched } = await setup();
    const first = await call(api, 'GET', '/apis/metrics.k8s.io/v1beta1/nodes');
    assert.deepEqual(first.json().items, []);
    assert.deepEqual(fetched, ['10.0.0.1:10250/metrics/resource']);
    const nodes = (await call(api, 'GET', '/apis/metrics.k8s.io/v1beta1/nodes')).json();
    assert.equal(nodes.kind, 'NodeMetricsList');
    const items = nodes.items as Record<string, unknown>[];
    assert.equal(items.length, 1);
    assert.deepEqual({ ...items[0], metadata: undefined }, { kind: 'NodeMetrics', apiVersion: 'metrics.k8s.io/v1beta1', metadata: undefined, timestamp: '1970-01-01T00:00:20Z', window: '10s', usage: { cpu: '100m', memory: '2Gi' } });
    const pods = (await call(api, 'GET', '/apis/metrics.k8s.io/v1beta1/namespaces/default/pods?labelSelector=app%3Dweb')).json();
    const p = (pods.items as { metadata: { name: string; labels: unknown }; containers: unknown }[])[0]!;
    assert.equal((pods.items as unknown[]).length, 1);
    assert.equal(p.metadata.name, 'web');
    assert.deepEqual(p.metadata.labels, { app: 'web' });
    assert.deepEqual(p.containers, [{ name: 'a', usage: { cpu: '25m', memory: '50Mi' } }]);
    const db = (await call(api, 'GET', '/apis/metrics.k8s.io/v1beta1/namespaces/default/pods/db')).json();
    assert.deepEqual(db.containers, [{ name: 'x', usage: { cpu: '100u', memory: '1000Ki' } }]);
  });

  it('answers NotFound as metrics-server words it, and refuses writes', async () => {
    const { api } = await setup();
    const r = await call(api, 'GET', '/apis/metrics.k8s.io/v1beta1/namespaces/default/pods/other');
    assert.equal(r.code, 404);
    assert.equal(r.json().message, 'podmetrics.metrics.k8s.io "default/other" not found');
    const n = await call(api, 'GET', '/apis/metrics.k8s.io/v1beta1/nodes/sim');
    assert.equal(n.json().message, 'nodemetrics.metrics.k8s.io "sim" not found');
    const w = await call(api, 'DELETE', '/apis/metrics.k8s.io/v1beta1/nodes/sim');
    assert.equal(w.code, 405);
  });

  it('prints a Table with cpu, memory and window', async () => {
    const { api } = await setup();
    await call(api, 'GET', '/apis/metrics.k8s.io/v1beta1/nodes');
    const t = (await call(api, 'GET', '/apis/metrics.k8s.io/v1beta1/nodes', { headers: { accept: 'application/json;as=Table;v=v1;g=meta.k8s.io' } })).json();
    assert.deepEqual((t.columnDefinitions as { name: string }[]).map((c) => c.name), ['Name', 'cpu', 'memory', 'Window']);
    assert.deepEqual((t.rows as { cells: unknown[] }[])[0]?.cells, ['real', '100m', '2Gi', '10s']);
  });
});
