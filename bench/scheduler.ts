// `npm run bench -- scheduler [--nodes 5000] [--pods 10000] [--e2e plain,anti-affinity,spread] [--core plain,...]`
// Pods/s for N pods on M nodes, without and with pod anti-affinity and topology spread, two ways:
//   core: the scheduling algorithm alone (framework + cache, assume instead of bind) over in-memory nodes;
//   e2e:  through the API: an API server over MemoryStore in process, Node and Pod objects created through the
//         client, the scheduler's informers, queue and POST pods/<name>/binding for every pod.
// Prints JSON with pods/s and RSS.
import type { KubeObject } from '../src/api/object.js';
import { createApiServer } from '../src/apiserver/index.js';
import { createInformerFactory } from '../src/client/informer-factory.js';
import { nodes as nodesRef, pods as podsRef } from '../src/client/resources.js';
import { RestClient } from '../src/client/rest.js';
import { inProcessTransport } from '../src/client/transport.js';
import { SchedulerCache } from '../src/scheduler/cache.js';
import { newPodInfo } from '../src/scheduler/pod-info.js';
import { newFramework } from '../src/scheduler/registry.js';
import { startScheduler } from '../src/scheduler/index.js';
import { makeNode, makePod } from '../src/scheduler/testing.js';
import { CycleState } from '../src/scheduler/types.js';
import { MemoryStore } from '../src/store/memory/memory-store.js';
import { realClock } from '../src/util/clock.js';
import { silentLogger } from '../src/util/logger.js';
import { nowMs, round } from './stats.js';

function arg(name: string, dflt: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? (process.argv[i + 1] ?? dflt) : dflt;
}
const numNodes = Number(arg('nodes', '5000'));
const numPods = Number(arg('pods', '10000'));
const coreCases = arg('core', 'plain,anti-affinity,spread').split(',').filter(Boolean);
const e2eCases = arg('e2e', 'plain,anti-affinity,spread').split(',').filter(Boolean);

const rssMiB = () => round(process.memoryUsage().rss / 2 ** 20, 1);
let peakRss = 0;
const sampleRss = () => (peakRss = Math.max(peakRss, rssMiB()));

function benchNode(i: number): KubeObject {
  return makeNode(`node-${i}`, { cpu: '32', memory: '128Gi', pods: 110, labels: { 'topology.kubernetes.io/zone': `zone-${i % 10}` } });
}

/** Pods of 10 replicas per app; anti-affinity keeps replicas on distinct nodes, spread keeps zones even. */
function benchPod(i: number, kind: string): KubeObject {
  const app = `app-${Math.floor(i / 10)}`;
  const spec: Record<string, unknown> = {};
  if (kind === 'anti-affinity') {
    spec.affinity = {
      podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: { matchLabels: { app } }, topologyKey: 'kubernetes.io/hostname' }] },
    };
  }
  if (kind === 'spread') {
    spec.topologySpreadConstraints = [
      { maxSkew: 1, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'DoNotSchedule', labelSelector: { matchLabels: { app } } },
    ];
  }
  const p = makePod(`pod-${i}`, { cpu: '100m', memory: '128Mi', labels: { app }, spec });
  delete p.metadata!.creationTimestamp;
  return p;
}

function core(kind: string) {
  const cache = new SchedulerCache();
  for (let i = 0; i < numNodes; i++) cache.addOrUpdateNode(benchNode(i));
  const fw = newFramework({});
  const podObjs = Array.from({ length: numPods }, (_, i) => benchPod(i, kind));
  const t0 = nowMs();
  let failed = 0;
  let evaluated = 0;
  for (const p of podObjs) {
    const info = newPodInfo(p);
    const r = fw.schedule(new CycleState(), info, cache);
    if (!r.ok) {
      failed++;
      continue;
    }
    evaluated += r.evaluated;
    cache.assume({ ...info, nodeName: r.node }, r.node);
  }
  const s = (nowMs() - t0) / 1000;
  sampleRss();
  return { case: kind, pods: numPods, nodes: numNodes, seconds: round(s, 3), pods_per_s: round(numPods / s, 0), unschedulable: failed, avg_nodes_evaluated: round(evaluated / numPods, 0) };
}

async function e2e(kind: string) {
  const store = new MemoryStore();
  const api = createApiServer({ store, authenticate: () => ({ name: 'admin', groups: ['system:masters', 'system:authenticated'] }) });
  await api.init();
  const client = new RestClient(inProcessTransport((req, res) => api.handle(req, res)), { fieldManager: 'bench' });
  const ac = new AbortController();
  const setup0 = nowMs();
  const batch = async (n: number, fn: (i: number) => Promise<unknown>) => {
    for (let i = 0; i < n; i += 100) await Promise.all(Array.from({ length: Math.min(100, n - i) }, (_, j) => fn(i + j)));
  };
  await batch(numNodes, async (i) => {
    const n = benchNode(i);
    delete n.metadata!.uid;
    const created = await client.create(nodesRef, undefined, n);
    await client.update(nodesRef, undefined, { ...created, status: n.status }, { subresource: 'status' });
  });
  await batch(numPods, async (i) => {
    const p = benchPod(i, kind);
    delete p.metadata!.uid;
    await client.create(podsRef, 'default', p);
  });
  const setupS = (nowMs() - setup0) / 1000;
  sampleRss();
  // The clock starts before the informers' first list: that is part of what a restarted scheduler must do.
  const t0 = nowMs();
  const informers = createInformerFactory({ client, logger: silentLogger });
  const running = await startScheduler({ client, informers, clock: realClock, logger: silentLogger, signal: ac.signal });
  const synced = nowMs();
  const st = running.scheduler.stats;
  while (st.scheduled + st.bindErrors < numPods && nowMs() - t0 < 600_000) {
    await new Promise((r) => setTimeout(r, 20));
    sampleRss();
    if (st.failed > numPods) break;
  }
  const end = nowMs();
  const s = (end - t0) / 1000;
  const out = {
    case: kind,
    pods: numPods,
    nodes: numNodes,
    setup_seconds: round(setupS, 2),
    informer_sync_seconds: round((synced - t0) / 1000, 3),
    seconds: round(s, 3),
    pods_per_s: round(st.scheduled / s, 0),
    pods_per_s_after_sync: round(st.scheduled / ((end - synced) / 1000), 0),
    scheduled: st.scheduled,
    bind_errors: st.bindErrors,
    unschedulable_attempts: st.failed,
  };
  ac.abort();
  await running.done;
  await api.close();
  await store.close();
  return out;
}

const result: Record<string, unknown> = { nodes: numNodes, pods: numPods, core: [] as unknown[], e2e: [] as unknown[] };
for (const k of coreCases) {
  (result.core as unknown[]).push(core(k));
  (globalThis as { gc?: () => void }).gc?.();
}
for (const k of e2eCases) {
  (result.e2e as unknown[]).push(await e2e(k));
  (globalThis as { gc?: () => void }).gc?.();
}
result.peak_rss_mib = peakRss;
result.rss_mib = rssMiB();
result.targets = { pods_per_s_without_affinity: 2000, rss_mib_max: 2048 };
console.log(JSON.stringify(result, null, 2));
