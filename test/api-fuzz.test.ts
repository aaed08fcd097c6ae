// The API fuzz test (issue 4): thousands of generated bad manifests and malformed requests against a real
// server on SQLite over HTTPS. Each must get a 4xx Status; the server must stay up; the objects made before
// must come out byte-identical. Reproduce a failure with FUZZ_SEED=<seed> (FUZZ_COUNT sets the number).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { ApiClient } from './support/api-client.js';
import { generateCase, type FuzzCase, type FuzzContext, type Target } from './support/fuzz-cases.js';
import type { Json } from './support/fuzz-bodies.js';
import { runCases } from './support/fuzz-run.js';
import { FUZZ_NS, seedsFor, widgetCrd } from './support/fuzz-seeds.js';
import { Prng } from './support/prng.js';
import { startSqliteTugServer, type SqliteTugServer } from './support/tug-sqlite-server.js';

const SEED = Number(process.env['FUZZ_SEED'] ?? '20260401');
const COUNT = Number(process.env['FUZZ_COUNT'] ?? '10000');
const CONCURRENCY = 16;
const SCRATCH_NS = 'fuzz-scratch';

let server: SqliteTugServer;
let client: ApiClient;

/** Everything that identifies the kept objects: each one's exact bytes, and each kept collection's names. */
async function snapshot(keep: Target[]): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const k of keep) {
    const r = await client.send('GET', k.item);
    out.set(k.item, `${r.status} ${r.body.toString('utf8')}`);
  }
  for (const col of new Set(keep.map((k) => k.collection))) {
    const r = await client.send('GET', col);
    const list = JSON.parse(r.body.toString('utf8')) as { items?: { metadata: { name: string; resourceVersion: string } }[] };
    out.set(col, (list.items ?? []).map((i) => `${i.metadata.name}@${i.metadata.resourceVersion}`).sort().join(','));
  }
  for (const p of ['/api/v1/namespaces/fuzz-keep', `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${widgetCrd.metadata.name}`]) {
    const r = await client.send('GET', p);
    out.set(p, `${r.status} ${r.body.toString('utf8')}`);
  }
  return out;
}

async function waitServed(path: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while ((await client.send('GET', path)).status !== 200) {
    if (Date.now() > deadline) throw new Error(`${path} not served after 10 s`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

before(async () => {
  server = await startSqliteTugServer();
  client = server.client(CONCURRENCY + 4);
});

after(async () => {
  await server?.stop();
});

test(`${COUNT} malformed requests get 4xx Status answers and change nothing (seed ${SEED})`, { timeout: 300_000 }, async () => {
  for (const ns of [FUZZ_NS, SCRATCH_NS]) await client.json('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
  await client.json('POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', widgetCrd);
  await waitServed(`/apis/fuzz.example.com/v1/namespaces/${FUZZ_NS}/widgets`);

  const keep: Target[] = [];
  for (let i = 0; i < 5; i++) {
    for (const s of seedsFor(FUZZ_NS, i)) {
      const obj = await client.json<Record<string, Json>>('POST', s.collection, s.obj);
      keep.push({ collection: s.collection, item: `${s.collection}/${(obj['metadata'] as Record<string, string>)['name']}`, obj });
    }
  }
  assert.equal(keep.length, 50);
  const templates = seedsFor(SCRATCH_NS, 99).map((s) => ({ collection: s.collection, obj: s.obj as Record<string, Json> }));
  const ctx: FuzzContext = { keep, templates, scratchNs: SCRATCH_NS };
  // Generate first: it takes seconds, and an idle keep-alive socket closed by the server meanwhile would
  // race with the first request.
  const rng = new Prng(SEED);
  const cases: FuzzCase[] = Array.from({ length: COUNT }, (_, n) => generateCase(rng, ctx, n));
  const before = await snapshot(keep);
  const started = Date.now();
  const results = await runCases(client, cases, { concurrency: CONCURRENCY, timeoutMs: 20_000 });
  const elapsedMs = Date.now() - started;

  const bad = results.filter((r) => r.problem !== undefined);
  const byCategory = new Map<string, number>();
  for (const r of bad) {
    const cat = r.c.category.replace(/\(.*$/, '');
    byCategory.set(cat, (byCategory.get(cat) ?? 0) + 1);
  }
  const codes = new Map<number, number>();
  for (const r of results) codes.set(r.status ?? 0, (codes.get(r.status ?? 0) ?? 0) + 1);
  console.log(`fuzz: ${COUNT} requests in ${elapsedMs} ms; status codes ${JSON.stringify(Object.fromEntries([...codes].sort((a, b) => a[0] - b[0])))}`);

  // The server is still up and the kept objects are exactly as they were.
  const health = await client.send('GET', '/healthz');
  assert.equal(health.status, 200, 'healthz after fuzzing');
  const afterSnap = await snapshot(keep);
  const changed = [...before].filter(([k, v]) => afterSnap.get(k) !== v).map(([k]) => k);

  const limit = Number(process.env['FUZZ_SHOW'] ?? '40');
  const detail = bad.slice(0, limit).map((r) => `#${r.n} ${r.c.category} ${r.c.method} ${r.c.path.slice(0, 120)} body ${JSON.stringify(String(r.c.body ?? '').slice(0, 100))} -> ${r.problem?.slice(0, 160)}`);
  const report = `${bad.length} bad answers by category ${JSON.stringify(Object.fromEntries(byCategory))}:\n${detail.join('\n')}`;
  assert.deepEqual(changed, [], `kept objects changed: ${changed.join(', ')}\n${report}`);
  assert.equal(bad.length, 0, report);
});
