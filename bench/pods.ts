// `npm run bench -- pods [--pods 100] [--concurrency 10] [--phases seq,conc,host] [--no-pod-network] [--runtime oci]`
// With --runtime oci (root, runc): a local docker-registry on loopback serves a busybox image this bench builds; one
// warm-up pod pulls it, then the phases (default seq,conc over 50 pods) measure startup with the image cached, and
// the pull throughput of a 100 MB image against `skopeo copy` from the same registry comes from bench/pull.ts.
// Pod startup latency on the process runtime: create → Running and Ready, seen through a watch, for N pods with
// spec.nodeName preset (isolates the agent: no scheduler). One process holds an API server over SQLite in a temp
// dir, the in-process client and the node agent `tug server` runs (src/cli/local-agent.ts): as root on a pod
// network of its own (bridge tugb240, 10.42.240.0/24), otherwise on the host network.
// Phases: seq (one pod at a time), conc (--concurrency in flight); host-seq and host-conc are the same with
// hostNetwork pods (no CNI); sched-seq/sched-conc leave spec.nodeName empty and run the scheduler in the same
// process (create → bind → agent). Per phase a breakdown of where the time goes: the create call, the pod network's
// setUp (CNI plugins; timed by wrapping the network object the runtime holds) and the rest (agent sync, shim
// spawn, status write, watch delivery).
// After each phase, with N pods running, it samples RSS: this process (API server + agent) and, from /proc, the
// per-container shims (children) and the containers (their children). Then it deletes the pods, stops the agent,
// takes the network down and checks nothing (process, netns, bridge) is left.
import { execFileSync, spawnSync } from 'node:child_process';
import { setMaxListeners } from 'node:events';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Pod } from 'kubernetes-types/core/v1.js';
import type { KubeObject } from '../src/api/object.js';
import { createApiServer } from '../src/apiserver/index.js';
import { ensurePki } from '../src/apiserver/pki/ensure.js';
import { startLocalAgent } from '../src/cli/local-agent.js';
import { createInformerFactory } from '../src/client/informer-factory.js';
import { nodes, pods } from '../src/client/resources.js';
import { inProcessClient } from '../src/client/rest.js';
import { netnsName } from '../src/network/index.js';
import { startScheduler } from '../src/scheduler/index.js';
import { openStore } from '../src/store/open.js';
import { realClock } from '../src/util/clock.js';
import { silentLogger } from '../src/util/logger.js';
import { nowMs, round, summarize } from './stats.js';
import { buildImage, pushImage } from '../test/support/oci-images.js';
import { startRegistry } from '../test/support/registry.js';

type P = Pod & KubeObject;

function arg(name: string, dflt: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? (process.argv[i + 1] ?? dflt) : dflt;
}
const runtimeName = arg('runtime', 'process');
const oci = runtimeName === 'oci';
const numPods = Number(arg('pods', oci ? '50' : '100'));
const concurrency = Number(arg('concurrency', '10'));
const phases = arg('phases', oci ? 'seq,conc' : 'seq,conc,host-seq,host-conc,sched-seq').split(',').filter(Boolean);
const podNetwork = !process.argv.includes('--no-pod-network');
const trace = process.argv.includes('--trace');
const NODE = 'bench-node';
const NS = 'default';
const BRIDGE = 'tugb240';

const mib = (bytes: number) => round(bytes / 2 ** 20, 1);
const med = (xs: number[]) => round(summarize(xs).p50_ms, 1);

/** Proportional set size (shared pages split among their users), in bytes; 0 where smaps_rollup is missing. */
function pss(pid: number): number {
  try {
    const m = /^Pss:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** pid → [ppid, rss bytes] for every process, from /proc. */
function procTable(): Map<number, { ppid: number; rss: number; comm: string }> {
  const page = 4096;
  const out = new Map<number, { ppid: number; rss: number; comm: string }>();
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      // comm may hold spaces and parentheses: the fields after it start at the last ')'.
      const close = stat.lastIndexOf(')');
      const f = stat.slice(close + 2).split(' ');
      out.set(Number(d), { ppid: Number(f[1]), rss: Number(f[21]) * page, comm: stat.slice(stat.indexOf('(') + 1, close) });
    } catch {
      /* gone meanwhile */
    }
  }
  return out;
}

/** RSS of the shims (our children) and of everything below them (the containers). */
function childRss(): { shims: number; shim_rss_mib: number; shim_pss_mib: number; containers: number; container_rss_mib: number } {
  const t = procTable();
  const kids = [...t].filter(([, p]) => p.ppid === process.pid);
  const shimPids = new Set(kids.map(([pid]) => pid));
  let containers = 0;
  let containerRss = 0;
  const below = new Set(shimPids);
  // Walk down from the shims: containers and whatever they started.
  for (let changed = true; changed; ) {
    changed = false;
    for (const [pid, p] of t) {
      if (!below.has(pid) && below.has(p.ppid)) {
        below.add(pid);
        containers++;
        containerRss += p.rss;
        changed = true;
      }
    }
  }
  return {
    shims: kids.length,
    shim_rss_mib: mib(kids.reduce((s, [, p]) => s + p.rss, 0)),
    shim_pss_mib: mib(kids.reduce((s, [pid]) => s + pss(pid), 0)),
    containers,
    container_rss_mib: mib(containerRss),
  };
}

function descendantsOfSelf(): number[] {
  const t = procTable();
  const below = new Set([process.pid]);
  for (let changed = true; changed; ) {
    changed = false;
    for (const [pid, p] of t) if (!below.has(pid) && below.has(p.ppid)) (below.add(pid), (changed = true));
  }
  below.delete(process.pid);
  return [...below];
}

function ip(args: string[]): string {
  try {
    return execFileSync('ip', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  } catch {
    return '';
  }
}

const isReady = (p: P) => p.status?.phase === 'Running' && p.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') === true;

const dataDir = mkdtempSync(join(tmpdir(), 'tug-bench-pods-'));
const store = await openStore({ backend: 'sqlite', dataDir });
const api = createApiServer({ store, logger: silentLogger, authenticate: () => ({ name: 'admin', groups: ['system:masters', 'system:authenticated'] }) });
await api.init();
const client = inProcessClient((req, res) => api.handle(req, res), { fieldManager: 'bench' });
const pki = ensurePki(dataDir);
const ac = new AbortController();
// The agent, its informers, the scheduler's and the bench's watch all listen on this one signal.
setMaxListeners(100, ac.signal);
// The OCI runtime's images come from a registry of our own on loopback.
const registry = oci ? await startRegistry() : undefined;
const IMAGE = registry ? `${registry.host}/bench/sleep:v1` : 'none';
if (registry) await pushImage({ url: registry.url }, 'bench/sleep:v1', await buildImage({ busybox: true, config: { cmd: ['sleep', '3600'] } }));
const local = await startLocalAgent({
  client,
  pki,
  dataDir,
  logger: silentLogger,
  signal: ac.signal,
  nodeName: NODE,
  nodeIP: '127.0.0.1',
  runtime: runtimeName,
  ...(registry ? { registries: { insecure: [registry.host] } } : {}),
  kubeletPort: 0,
  podCidr: '10.42.240.0/24',
  bridge: BRIDGE,
  podNetwork,
  metricsIntervalMs: 10_000,
});
if (local.network.mode !== 'cni') process.stderr.write(`bench: pods run on the host network${local.network.warning ? ` (${local.network.warning})` : ''}\n`);

// One watch for the whole run: the first Running+Ready and the DELETED event of each pod resolve its waiter.
const readyAt = new Map<string, (t: number) => void>();
const goneAt = new Map<string, () => void>();
// Other engineers' tests may have namespaces too: only those of this run's pods count as left behind.
const ourNetns = new Set<string>();
/** --trace: every watch event per pod, to see where a pod's start waits. */
const events = new Map<string, string[]>();
const watch = client.watch<P>(pods, NS, { signal: ac.signal });
const watching = (async () => {
  for await (const ev of watch) {
    const name = ev.object.metadata?.name ?? '';
    if (ev.object.metadata?.uid) ourNetns.add(netnsName(ev.object.metadata.uid));
    if (trace) {
      const st = ev.object.status;
      const cs = st?.containerStatuses?.[0]?.state;
      (events.get(name) ?? events.set(name, []).get(name)!).push(`${round(nowMs(), 1)} ${ev.type} ${st?.phase ?? '-'} ${cs ? Object.keys(cs)[0] : '-'} rv=${ev.object.metadata?.resourceVersion}`);
    }
    if (ev.type === 'DELETED') {
      goneAt.get(name)?.();
      goneAt.delete(name);
    } else if ((ev.type === 'ADDED' || ev.type === 'MODIFIED') && isReady(ev.object)) {
      readyAt.get(name)?.(nowMs());
      readyAt.delete(name);
    }
  }
})().catch((e: unknown) => {
  if (!ac.signal.aborted) process.stderr.write(`bench: watch ended: ${String(e)}\n`);
});

// The Node must be Ready before pods land on it (the agent registers it on start).
for (let i = 0; ; i++) {
  const n = (await client.get(nodes, undefined, NODE).catch(() => undefined)) as (KubeObject & { status?: { conditions?: { type: string; status: string }[] } }) | undefined;
  if (n?.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')) break;
  if (i > 200) throw new Error('node never became Ready');
  await new Promise((r) => setTimeout(r, 50));
}

// The scheduler only when a phase needs it, so the other phases measure the agent alone.
const scheduler = phases.some((k) => k.startsWith('sched'))
  ? await startScheduler({ client, informers: createInformerFactory({ client, logger: silentLogger }), clock: realClock, logger: silentLogger, signal: ac.signal })
  : undefined;

function podObject(name: string, hostNetwork: boolean, bound: boolean): P {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: NS, labels: { bench: 'pods' } },
    spec: {
      ...(bound ? { nodeName: NODE } : {}),
      terminationGracePeriodSeconds: 2,
      ...(hostNetwork ? { hostNetwork: true } : {}),
      // OCI: the image's CMD (sleep 3600); process: a host command.
      containers: [oci ? { name: 'c', image: IMAGE } : { name: 'c', image: 'none', command: ['sleep', '3600'] }],
    },
  } as P;
}

const createMs: number[] = [];
const netMs: number[] = [];
// The runtime calls setUp on this very object: wrapping it times the CNI part of each pod's start.
const net = local.network as { setUp: (typeof local.network)['setUp'] };
const origSetUp = net.setUp.bind(local.network);
net.setUp = async (cfg) => {
  const t = nowMs();
  try {
    return await origSetUp(cfg);
  } finally {
    netMs.push(nowMs() - t);
  }
};

/** Creates one pod and resolves with create-start → Running+Ready in ms. */
async function startOne(name: string, hostNetwork: boolean, bound: boolean): Promise<number> {
  const t0 = nowMs();
  if (trace) events.set(name, [`${round(t0, 1)} create`]);
  const ready = new Promise<number>((resolve, reject) => {
    readyAt.set(name, resolve);
    setTimeout(() => reject(new Error(`${name} not Running+Ready after 60 s`)), 60_000).unref();
  });
  await client.create(pods, NS, podObject(name, hostNetwork, bound));
  createMs.push(nowMs() - t0);
  return (await ready) - t0;
}

async function deleteAll(names: string[]): Promise<number> {
  const t0 = nowMs();
  const gone = names.map((n) => new Promise<void>((r) => goneAt.set(n, r)));
  // Default grace: the agent stops each container (SIGTERM) and then confirms the delete.
  for (let i = 0; i < names.length; i += 20) await Promise.all(names.slice(i, i + 20).map((n) => client.delete(pods, NS, n)));
  await Promise.race([Promise.all(gone), new Promise((r) => setTimeout(r, 60_000).unref())]);
  for (let i = 0; i < 200 && local.agent.slots.size > 0; i++) await new Promise((r) => setTimeout(r, 50));
  return round((nowMs() - t0) / 1000, 2);
}

async function phase(kind: string) {
  const hostNetwork = kind.startsWith('host');
  const bound = !kind.startsWith('sched');
  const conc = kind.endsWith('seq') ? 1 : concurrency;
  createMs.length = 0;
  netMs.length = 0;
  const names = Array.from({ length: numPods }, (_, i) => `${kind}-${i}`);
  const lat: number[] = [];
  const failures: string[] = [];
  const t0 = nowMs();
  let next = 0;
  await Promise.all(
    Array.from({ length: conc }, async () => {
      while (next < names.length) {
        const name = names[next++]!;
        try {
          lat.push(await startOne(name, hostNetwork, bound));
        } catch (e) {
          failures.push(String(e));
        }
      }
    }),
  );
  const seconds = (nowMs() - t0) / 1000;
  (globalThis as { gc?: () => void }).gc?.();
  const self = process.memoryUsage();
  const kids = childRss();
  const result = {
    phase: kind,
    network: hostNetwork ? 'host' : local.network.mode,
    bound: bound ? 'spec.nodeName preset' : 'by the scheduler',
    pods: numPods,
    concurrency: conc,
    ready: lat.length,
    ...summarize(lat),
    breakdown_p50_ms: { create_call: med(createMs), network_setup: netMs.length ? med(netMs) : 0, rest: round(med(lat) - med(createMs) - (netMs.length ? med(netMs) : 0), 1) },
    network_setup_p99_ms: netMs.length ? summarize(netMs).p99_ms : 0,
    pods_per_s: round(lat.length / seconds, 1),
    agent_rss_mib_with_pods_running: mib(self.rss),
    heap_used_mib: mib(self.heapUsed),
    ...kids,
    total_rss_mib: round(mib(self.rss) + kids.shim_rss_mib + kids.container_rss_mib, 1),
    delete_all_seconds: await deleteAll(names),
    ...(failures.length ? { failures: failures.slice(0, 5) } : {}),
    ...(trace ? { trace: names.slice(0, 3).map((n) => events.get(n)) } : {}),
  };
  return result;
}

const results: unknown[] = [];
let err: unknown;
let pull: unknown;
let warmUpMs: number | undefined;
try {
  if (oci) {
    // Warm-up: pulls the image once, so the phases measure starts with the image cached.
    warmUpMs = round(await startOne('warm-up', false, true), 1);
    await deleteAll(['warm-up']);
  }
  for (const k of phases) results.push(await phase(k));
  if (oci && !process.argv.includes('--no-pull')) pull = pullThroughput();
} catch (e) {
  err = e;
}

// Teardown: stop the agent as `tug server` does, then check what is left.
ac.abort();
watch.close();
await watching;
await scheduler?.done;
await local.shutdown(5000);
await api.close();
await store.close();
await registry?.stop();
await new Promise((r) => setTimeout(r, 200));
const leftProcs = descendantsOfSelf();
const leftNetns = ip(['netns', 'list']).split('\n').filter((l) => ourNetns.has(l.split(' ')[0] ?? ''));
const leftBridge = ip(['link', 'show', BRIDGE]).trim() !== '';
rmSync(dataDir, { recursive: true, force: true });


/**
 * Pull throughput of a 100 MB image from a local registry vs `skopeo copy` in the same run: bench/pull.ts measures
 * both (the image engineer's script); it runs as a child and its JSON is taken over as is.
 */
function pullThroughput(): unknown {
  const script = join(dirname(fileURLToPath(import.meta.url)), 'pull.js');
  if (!existsSync(script)) return { skipped: 'bench/pull.ts is missing' };
  const r = spawnSync(process.execPath, [script, '--mb', '100'], { encoding: 'utf8', timeout: 300_000 });
  try {
    return JSON.parse(r.stdout) as unknown;
  } catch {
    return { skipped: `bench/pull.ts failed (${r.status ?? r.signal}): ${r.stderr.slice(-500)}` };
  }
}

function headline(r: Record<string, number> | undefined) {
  if (!r) return { pods: numPods };
  return {
    phase: r.phase,
    pods: r.pods,
    p50_ms: r.p50_ms,
    p99_ms: r.p99_ms,
    max_ms: r.max_ms,
    agent_rss_mib_with_100_pods: r.agent_rss_mib_with_pods_running,
    shims_rss_mib_with_100_pods: r.shim_rss_mib,
    shims_pss_mib_with_100_pods: r.shim_pss_mib,
    containers_rss_mib_with_100_pods: r.container_rss_mib,
  };
}

console.log(
  JSON.stringify(
    {
      runtime: local.runtimeName,
      network: local.network.mode,
      // The headline figures (issue 6): the first phase, pods bound by spec.nodeName, with N pods running.
      ...headline(results[0] as Record<string, number> | undefined),
      results,
      target: oci ? { p99_ms_max: 500, pull_vs_skopeo_min: 0.8, note: 'oci runtime (runc), image cached, no readiness probe' } : { p99_ms_max: 100, note: 'process runtime, no readiness probe' },
      ...(warmUpMs !== undefined ? { first_pod_with_pull_ms: warmUpMs } : {}),
      ...(pull !== undefined ? { pull } : {}),
      leftover: { processes: leftProcs.length, netns: leftNetns.length, bridge: leftBridge },
      ...(err ? { error: String(err) } : {}),
    },
    null,
    2,
  ),
);
process.exit(err || leftProcs.length || leftNetns.length || leftBridge ? 1 : 0);
