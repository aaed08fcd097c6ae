// `npm run bench -- api [--seconds N] [--pods N] [--watchers N] [--rate N]`
// The API server over HTTPS (keep-alive, admin token) on SQLite in a temp dir, in this process:
//  - create/get/list/update latency at 1 and 50 concurrent clients, and the write rate reached;
//  - mutating p99 at a fixed offered rate (open loop: requests leave on schedule, latency counts from the
//    scheduled time, so a stall shows up instead of hiding);
//  - listing N real-looking pods as JSON and as the Table kubectl asks for;
//  - watch fan-out: N watch streams on one resource, time from a write issued to its event at each watcher.
// Client and server share this process and its cores: figures include the client's own work.
import { Agent, request } from 'node:https';
import type { ApiClient } from '../test/support/api-client.js';
import { realisticPod } from '../test/support/realistic-pod.js';
import { startSqliteTugServer } from '../test/support/tug-sqlite-server.js';
import { load, nowMs, round, summarize } from './stats.js';

function arg(name: string, dflt: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? (process.argv[i + 1] ?? dflt) : dflt;
}
const seconds = Number(arg('seconds', '3'));
const podCount = Number(arg('pods', '5000'));
const watcherCount = Number(arg('watchers', '1000'));
const offeredRate = Number(arg('rate', '200'));
const TABLE_ACCEPT = 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json';

async function must(c: ApiClient, method: string, path: string, body?: unknown, contentType?: string): Promise<Buffer> {
  const r = await c.send(method, path, body === undefined ? {} : { body: JSON.stringify(body), contentType });
  if (r.status >= 300) throw new Error(`${method} ${path}: ${r.status} ${r.body.toString('utf8').slice(0, 300)}`);
  return r.body;
}

const cm = (ns: string, name: string, v = 0) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: ns }, data: { value: `v${v}`, text: 'x'.repeat(200) } });

/** create, get, list and update latency with `clients` concurrent loops, each on its own objects. */
async function crud(c: ApiClient, ns: string, clients: number) {
  const col = `/api/v1/namespaces/${ns}/configmaps`;
  const made: string[][] = Array.from({ length: clients }, () => []);
  const create = await load(clients, seconds * 1000, async (w, i) => {
    const name = `c${clients}-w${w}-${i}`;
    await must(c, 'POST', col, cm(ns, name));
    made[w]!.push(name);
  });
  const get = await load(clients, seconds * 1000, (w, i) => must(c, 'GET', `${col}/${made[w]![i % made[w]!.length]}`));
  // A list of 100 objects: the namespace is filled separately, so the size does not depend on the create rate.
  const list = await load(clients, seconds * 1000, () => must(c, 'GET', `/api/v1/namespaces/${ns}-list/configmaps`));
  const update = await load(clients, seconds * 1000, (w, i) =>
    must(c, 'PATCH', `${col}/${made[w]![i % made[w]!.length]}`, { data: { value: `u${i}` } }, 'application/merge-patch+json'),
  );
  const strip = ({ ops: _ops, ...rest }: { ops: number; ops_per_s: number; p50_ms: number; p99_ms: number; max_ms: number }) => rest;
  return { create: strip(create), get: strip(get), list_100: strip(list), update: strip(update), writes_per_s: { create: create.ops_per_s, update: update.ops_per_s } };
}

/**
 * Open loop: one mutation every 1000/rate ms, whether or not earlier ones have finished. Creates of new
 * objects alternate with merge patches spread over a pool, so no request depends on another one's outcome.
 */
async function openLoop(c: ApiClient, ns: string, rate: number) {
  const col = `/api/v1/namespaces/${ns}/configmaps`;
  const pool = 200;
  for (let p = 0; p < pool; p++) await must(c, 'POST', col, cm(ns, `p${p}`));
  const interval = 1000 / rate;
  const total = Math.round(rate * Math.max(seconds, 5));
  const lat: number[] = [];
  let errors = 0;
  const start = nowMs() + 50;
  const pending: Promise<void>[] = [];
  for (let i = 0; i < total; i++) {
    const due = start + i * interval;
    const wait = due - nowMs();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    const op = i % 2 === 0
      ? must(c, 'POST', col, cm(ns, `o${i}`))
      : must(c, 'PATCH', `${col}/p${(i >> 1) % pool}`, { data: { value: `v${i}` } }, 'application/merge-patch+json');
    pending.push(op.then(() => void lat.push(nowMs() - due), () => void errors++));
  }
  await Promise.all(pending);
  return { offered_per_s: rate, requests: total, errors, ...summarize(lat) };
}

async function listPods(c: ApiClient, ns: string) {
  const col = `/api/v1/namespaces/${ns}/pods`;
  let next = 0;
  await load(50, 600_000, async () => {
    const i = next++;
    if (i >= podCount) return;
    await must(c, 'POST', col, realisticPod(ns, i));
  }).catch(() => undefined);
  const sample = await must(c, 'GET', `${col}?limit=1`);
  const itemBytes = JSON.stringify((JSON.parse(sample.toString('utf8')) as { items: unknown[] }).items[0]).length;
  const measure = async (accept: string) => {
    const lat: number[] = [];
    let bytes = 0;
    for (let i = 0; i < 8; i++) {
      const t = nowMs();
      const r = await c.send('GET', col, { accept });
      if (r.status !== 200) throw new Error(`list pods: ${r.status}`);
      lat.push(nowMs() - t);
      bytes = r.body.length;
    }
    return { ...summarize(lat), response_bytes: bytes };
  };
  return { pods: podCount, pod_json_bytes: itemBytes, json: await measure('application/json'), table: await measure(TABLE_ACCEPT) };
}

/** Opens n watch streams and resolves with a function that waits for a marker value at all of them. */
async function watchFanOut(c: ApiClient, ns: string) {
  const col = `/api/v1/namespaces/${ns}/configmaps`;
  await must(c, 'POST', col, cm(ns, 'fan', 0));
  const rv = (JSON.parse((await must(c, 'GET', col)).toString('utf8')) as { metadata: { resourceVersion: string } }).metadata.resourceVersion;
  const agent = new Agent({ keepAlive: true, maxSockets: watcherCount + 10, ca: c.ca });
  const seen = new Map<string, number[]>();
  let open = 0;
  const streams: { destroy(): void }[] = [];
  await new Promise<void>((resolve, reject) => {
    for (let w = 0; w < watcherCount; w++) {
      const req = request(
        { host: c.url.hostname, port: c.url.port, path: `${col}?watch=true&resourceVersion=${rv}`, headers: { Authorization: `Bearer ${c.token}` }, agent },
        (res) => {
          if (++open === watcherCount) resolve();
          let buf = '';
          res.setEncoding('utf8');
          res.on('data', (d: string) => {
            const t = nowMs();
            buf += d;
            for (let nl = buf.indexOf('\n'); nl >= 0; nl = buf.indexOf('\n')) {
              const line = buf.slice(0, nl);
              buf = buf.slice(nl + 1);
              const m = /"value":"(m\d+)"/.exec(line);
              if (m) (seen.get(m[1]!) ?? seen.set(m[1]!, []).get(m[1]!)!).push(t);
            }
          });
        },
      );
      req.on('error', reject);
      req.end();
      streams.push(req);
    }
  });
  // Writes one at a time, each after every watcher saw the previous, so fan-out is measured, not queueing.
  const lat: number[] = [];
  const writes = 20;
  for (let k = 0; k < writes; k++) {
    const marker = `m${k}`;
    const t0 = nowMs();
    await must(c, 'PATCH', `${col}/fan`, { data: { value: marker } }, 'application/merge-patch+json');
    const deadline = t0 + 30_000;
    while ((seen.get(marker)?.length ?? 0) < watcherCount && nowMs() < deadline) await new Promise((r) => setTimeout(r, 2));
    for (const t of seen.get(marker) ?? []) lat.push(t - t0);
    await new Promise((r) => setTimeout(r, 20));
  }
  for (const s of streams) s.destroy();
  agent.destroy();
  return { watchers: watcherCount, writes, events_received: lat.length, events_expected: writes * watcherCount, ...summarize(lat) };
}

async function main(): Promise<void> {
  const server = await startSqliteTugServer();
  const c = server.client(128);
  try {
    for (const ns of ['bench', 'bench-list', 'bench-open', 'bench-pods', 'bench-watch']) {
      await must(c, 'POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
    }
    for (let i = 0; i < 100; i++) await must(c, 'POST', '/api/v1/namespaces/bench-list/configmaps', cm('bench-list', `l${i}`));
    const out: Record<string, unknown> = { backend: 'sqlite', seconds_per_phase: seconds };
    out['clients_1'] = await crud(c, 'bench', 1);
    out['clients_50'] = await crud(c, 'bench', 50);
    out['open_loop_mutations'] = await openLoop(c, 'bench-open', offeredRate);
    out['list_pods'] = await listPods(c, 'bench-pods');
    out['watch_fan_out'] = await watchFanOut(c, 'bench-watch');
    out['targets'] = {
      mutating_p99_under_20ms_at_200_per_s: (out['open_loop_mutations'] as { p99_ms: number }).p99_ms < 20,
      list_5000_pods_json_under_300ms: (out['list_pods'] as { json: { p50_ms: number } }).json.p50_ms < 300,
    };
    console.log(JSON.stringify(out, (_k, v: unknown) => (typeof v === 'number' ? round(v, 3) : v), 2));
  } finally {
    await server.stop();
  }
}

await main();
