import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { MemoryStore } from '../store/memory/memory-store.js';
import { createApiServer, type ApiServer } from './server.js';
import { call, watch } from './testing.js';

// Complete enough to pass validation whether or not defaulting has filled the rest.
const podSpec = {
  containers: [{ name: 'c', image: 'i', imagePullPolicy: 'IfNotPresent', terminationMessagePath: '/dev/termination-log', terminationMessagePolicy: 'File' }],
  restartPolicy: 'Always',
  dnsPolicy: 'ClusterFirst',
};

const admin = () => ({ name: 'admin', groups: ['system:masters'] });
const CM = '/api/v1/namespaces/default/configmaps';

async function newServer(): Promise<{ api: ApiServer; store: MemoryStore }> {
  const store = new MemoryStore();
  const api = createApiServer({ store, authenticate: admin, bookmarkIntervalMs: 50 });
  await api.init();
  return { api, store };
}

const cm = (name: string, data: Record<string, string> = { a: '1' }, labels?: Record<string, string>) => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, ...(labels ? { labels } : {}) },
  data,
});

describe('apiserver handlers', () => {
  let api: ApiServer;
  let store: MemoryStore;
  before(async () => ({ api, store } = await newServer()));
  after(async () => {
    await api.close();
    await store.close();
  });

  it('creates, gets and stores resourceVersion outside the value', async () => {
    const r = await call(api, 'POST', CM, { body: cm('c1') });
    assert.equal(r.code, 201);
    const o = r.json<{ metadata: Record<string, unknown> }>();
    assert.match(String(o.metadata['uid']), /^[0-9a-f-]{36}$/);
    assert.match(String(o.metadata['creationTimestamp']), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    assert.equal(o.metadata['generation'], undefined);
    const kv = await store.get('/registry/configmaps/default/c1');
    assert.ok(kv);
    assert.equal(String(kv.modRevision), o.metadata['resourceVersion']);
    assert.ok(!kv.value.includes('resourceVersion'));
    const g = await call(api, 'GET', `${CM}/c1`);
    assert.equal(g.code, 200);
    assert.equal(g.json<{ data: { a: string } }>().data.a, '1');
    const mf = (o.metadata['managedFields'] as { manager: string; operation: string }[])[0]!;
    assert.equal(mf.manager, 'test');
    assert.equal(mf.operation, 'Update');
  });

  it('answers Kubernetes errors as Status', async () => {
    const nf = await call(api, 'GET', `${CM}/missing`);
    assert.equal(nf.code, 404);
    assert.deepEqual(
      { kind: nf.json()['kind'], reason: nf.json()['reason'], message: nf.json()['message'] },
      { kind: 'Status', reason: 'NotFound', message: 'configmaps "missing" not found' },
    );
    const dup = await call(api, 'POST', CM, { body: cm('c1') });
    assert.equal(dup.code, 409);
    assert.equal(dup.json()['message'], 'configmaps "c1" already exists');
    const badNs = await call(api, 'POST', '/api/v1/namespaces/nope/configmaps', { body: cm('x') });
    assert.equal(badNs.code, 404);
    assert.equal(badNs.json()['message'], 'namespaces "nope" not found');
    const mismatch = await call(api, 'POST', CM, { body: { ...cm('x'), metadata: { name: 'x', namespace: 'kube-system' } } });
    assert.equal(mismatch.code, 400);
    assert.equal(mismatch.json()['message'], 'the namespace of the provided object does not match the namespace sent on the request');
    const bad = await call(api, 'POST', CM, { body: '{"kind": ' });
    assert.equal(bad.code, 400);
    const big = await call(api, 'POST', CM, { body: cm('big', { a: 'x'.repeat(3 * 1024 * 1024 + 10) }) });
    assert.equal(big.code, 413);
    const noType = await call(api, 'GET', '/apis/example.com/v1/widgets');
    assert.equal(noType.code, 404);
  });

  it('generateName adds five characters from the Kubernetes alphabet', async () => {
    const r = await call(api, 'POST', CM, { body: { metadata: { generateName: 'gen-' }, data: {} } });
    assert.equal(r.code, 201);
    assert.match(String(r.json<{ metadata: { name: string } }>().metadata.name), /^gen-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
  });

  it('dryRun=All writes nothing', async () => {
    const r = await call(api, 'POST', `${CM}?dryRun=All`, { body: cm('dry') });
    assert.equal(r.code, 201);
    assert.equal((await call(api, 'GET', `${CM}/dry`)).code, 404);
  });

  it('update with a stale resourceVersion is a 409 Conflict', async () => {
    const cur = (await call(api, 'GET', `${CM}/c1`)).json<{ metadata: { resourceVersion: string } }>();
    const ok = await call(api, 'PUT', `${CM}/c1`, { body: { ...cur, data: { a: '2' } } });
    assert.equal(ok.code, 200);
    const stale = await call(api, 'PUT', `${CM}/c1`, { body: { ...cur, data: { a: '3' } } });
    assert.equal(stale.code, 409);
    assert.equal(
      stale.json()['message'],
      'Operation cannot be fulfilled on configmaps "c1": the object has been modified; please apply your changes to the latest version and try again',
    );
    const missing = await call(api, 'PUT', `${CM}/ghost`, { body: cm('ghost') });
    assert.equal(missing.code, 404);
  });

  it('patches with merge, JSON and strategic merge patches', async () => {
    const m = await call(api, 'PATCH', `${CM}/c1`, { body: { data: { b: '2' } }, contentType: 'application/merge-patch+json' });
    assert.equal(m.code, 200);
    assert.deepEqual(m.json<{ data: unknown }>().data, { a: '2', b: '2' });
    const j = await call(api, 'PATCH', `${CM}/c1`, { body: [{ op: 'remove', path: '/data/a' }], contentType: 'application/json-patch+json' });
    assert.deepEqual(j.json<{ data: unknown }>().data, { b: '2' });
    const s = await call(api, 'PATCH', `${CM}/c1`, { body: { metadata: { labels: { x: 'y' } } }, contentType: 'application/strategic-merge-patch+json' });
    assert.deepEqual(s.json<{ metadata: { labels: unknown } }>().metadata.labels, { x: 'y' });
    const bad = await call(api, 'PATCH', `${CM}/c1`, { body: {}, contentType: 'text/plain' });
    assert.equal(bad.code, 415);
  });

  it('server-side apply creates, then reports conflicts with another manager', async () => {
    const A = 'application/apply-patch+yaml';
    const body = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ssa\ndata:\n  k: one\n';
    const c = await call(api, 'PATCH', `${CM}/ssa?fieldManager=alice`, { body, contentType: A });
    assert.equal(c.code, 201, c.body);
    const mf = c.json<{ metadata: { managedFields: { manager: string; operation: string }[] } }>().metadata.managedFields;
    assert.deepEqual(mf.map((e) => [e.manager, e.operation]), [['alice', 'Apply']]);
    const bob = await call(api, 'PATCH', `${CM}/ssa?fieldManager=bob`, { body: body.replace('one', 'two'), contentType: A });
    assert.equal(bob.code, 409, bob.body);
    assert.equal(bob.json()['reason'], 'Conflict');
    const forced = await call(api, 'PATCH', `${CM}/ssa?fieldManager=bob&force=true`, { body: body.replace('one', 'two'), contentType: A });
    assert.equal(forced.code, 200, forced.body);
    assert.equal(forced.json<{ data: { k: string } }>().data.k, 'two');
  });

  it('lists with label and field selectors and pages with continue tokens', async () => {
    for (let i = 0; i < 5; i++) await call(api, 'POST', '/api/v1/namespaces/kube-public/configmaps', { body: cm(`p${i}`, {}, { tier: i % 2 ? 'odd' : 'even' }) });
    const P = '/api/v1/namespaces/kube-public/configmaps';
    const even = (await call(api, 'GET', `${P}?labelSelector=tier%3Deven`)).json<{ items: { metadata: { name: string } }[] }>();
    assert.deepEqual(even.items.map((i) => i.metadata.name), ['p0', 'p2', 'p4']);
    const notIn = (await call(api, 'GET', `${P}?labelSelector=${encodeURIComponent('tier notin (even)')}`)).json<{ items: unknown[] }>();
    assert.equal(notIn.items.length, 2);
    const byName = (await call(api, 'GET', `/api/v1/configmaps?fieldSelector=metadata.name%3Dp3`)).json<{ items: unknown[] }>();
    assert.equal(byName.items.length, 1);
    const badField = await call(api, 'GET', `${P}?fieldSelector=spec.foo%3Dx`);
    assert.equal(badField.code, 400);
    const names: string[] = [];
    let cont = '';
    let pages = 0;
    do {
      const page = (await call(api, 'GET', `${P}?limit=2${cont ? `&continue=${encodeURIComponent(cont)}` : ''}`)).json<{ items: { metadata: { name: string } }[]; metadata: { continue?: string } }>();
      names.push(...page.items.map((i) => i.metadata.name));
      cont = page.metadata.continue ?? '';
      pages++;
    } while (cont);
    assert.deepEqual(names, ['p0', 'p1', 'p2', 'p3', 'p4']);
    assert.equal(pages, 3);
  });

  it('answers Tables with row metadata, and YAML', async () => {
    const t = await call(api, 'GET', CM, { headers: { accept: 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json' } });
    const table = t.json<{ kind: string; columnDefinitions: { name: string }[]; rows: { object: { kind: string; metadata: { name: string } } }[] }>();
    assert.equal(table.kind, 'Table');
    assert.equal(table.columnDefinitions[0]!.name, 'Name');
    assert.equal(table.rows[0]!.object.kind, 'PartialObjectMetadata');
    const y = await call(api, 'GET', `${CM}/c1`, { headers: { accept: 'application/yaml' } });
    assert.match(y.body, /^apiVersion: v1\n/m);
    assert.equal(y.headers['content-type'], 'application/yaml');
  });

  it('watches: initial ADDED, then changes, selectors, 410 for compacted revisions', async () => {
    const w = watch(api, `/api/v1/namespaces/kube-node-lease/configmaps?watch=true`);
    await call(api, 'POST', '/api/v1/namespaces/kube-node-lease/configmaps', { body: cm('w1') });
    await w.waitFor(1);
    await call(api, 'PATCH', '/api/v1/namespaces/kube-node-lease/configmaps/w1', { body: { data: { z: '1' } }, contentType: 'application/merge-patch+json' });
    await call(api, 'DELETE', '/api/v1/namespaces/kube-node-lease/configmaps/w1');
    const evs = await w.waitFor(3);
    assert.deepEqual(evs.map((e) => e.type), ['ADDED', 'MODIFIED', 'DELETED']);
    await w.stop();
    const rev = await store.currentRevision();
    await store.compact(rev);
    const old = watch(api, `/api/v1/namespaces/default/configmaps?watch=1&resourceVersion=1`);
    const [ev] = await old.waitFor(1);
    assert.equal(ev!.type, 'ERROR');
    assert.equal((ev!.object as { code: number }).code, 410);
    await old.stop();
    const init = watch(api, `${CM}?watch=1&sendInitialEvents=true&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true`);
    const got = await init.waitFor(2);
    const bm = got.find((e) => e.type === 'BOOKMARK');
    assert.ok(bm, JSON.stringify(got));
    assert.equal((bm.object as { metadata: { annotations: Record<string, string> } }).metadata.annotations['k8s.io/initial-events-end'], 'true');
    await init.stop();
  });

  it('keeps objects with finalizers until the last one is removed', async () => {
    await call(api, 'POST', CM, { body: { ...cm('fin'), metadata: { name: 'fin', finalizers: ['example.com/x'] } } });
    const d = await call(api, 'DELETE', `${CM}/fin`);
    assert.equal(d.code, 200);
    const o = (await call(api, 'GET', `${CM}/fin`)).json<{ metadata: { deletionTimestamp?: string } }>();
    assert.ok(o.metadata.deletionTimestamp);
    const p = await call(api, 'PATCH', `${CM}/fin`, { body: { metadata: { finalizers: null } }, contentType: 'application/merge-patch+json' });
    assert.equal(p.code, 200);
    assert.equal((await call(api, 'GET', `${CM}/fin`)).code, 404);
    const plain = await call(api, 'DELETE', `${CM}/c1`);
    assert.equal(plain.json()['status'], 'Success');
    const pre = await call(api, 'POST', CM, { body: cm('pre') });
    const uid = pre.json<{ metadata: { uid: string } }>().metadata.uid;
    const wrong = await call(api, 'DELETE', `${CM}/pre`, { body: { preconditions: { uid: 'nope' } } });
    assert.equal(wrong.code, 409);
    assert.equal(wrong.json()['message'], `Operation cannot be fulfilled on configmaps "pre": Precondition failed: UID in precondition: nope, UID in object meta: ${uid}`);
  });

  it('namespaces: deleting marks Terminating and refuses new content', async () => {
    await call(api, 'POST', '/api/v1/namespaces', { body: { metadata: { name: 'doomed' } } });
    const d = await call(api, 'DELETE', '/api/v1/namespaces/doomed');
    assert.equal(d.code, 200);
    assert.equal(d.json<{ status: { phase: string } }>().status.phase, 'Terminating');
    const c = await call(api, 'POST', '/api/v1/namespaces/doomed/configmaps', { body: cm('late') });
    assert.equal(c.code, 403);
    assert.equal(c.json()['message'], 'configmaps "late" is forbidden: unable to create new content in namespace doomed because it is being terminated');
  });

  it('status: ignored through the main resource, written through /status; generation counts spec changes', async () => {
    const D = '/apis/apps/v1/namespaces/default/deployments';
    const dep = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'd1' },
      spec: { replicas: 1, strategy: { type: 'Recreate' }, selector: { matchLabels: { app: 'd' } }, template: { metadata: { labels: { app: 'd' } }, spec: podSpec } },
      status: { replicas: 7 },
    };
    const c = (await call(api, 'POST', D, { body: dep })).json<{ status?: { replicas?: number }; metadata: { generation: number } }>();
    assert.equal(c.status?.replicas, undefined);
    assert.equal(c.metadata.generation, 1);
    const s = await call(api, 'PATCH', `${D}/d1/status`, { body: { status: { replicas: 1 } }, contentType: 'application/merge-patch+json' });
    assert.equal(s.json<{ status: { replicas: number }; metadata: { generation: number } }>().status.replicas, 1);
    assert.equal(s.json<{ metadata: { generation: number } }>().metadata.generation, 1);
    const l = await call(api, 'PATCH', `${D}/d1`, { body: { metadata: { labels: { a: 'b' } }, status: { replicas: 9 } }, contentType: 'application/merge-patch+json' });
    assert.equal(l.json<{ metadata: { generation: number } }>().metadata.generation, 1);
    assert.equal(l.json<{ status: { replicas: number } }>().status.replicas, 1);
    const scale = await call(api, 'GET', `${D}/d1/scale`);
    assert.deepEqual(scale.json<{ spec: unknown; status: unknown }>().status, { replicas: 1, selector: 'app=d' });
    const up = await call(api, 'PATCH', `${D}/d1/scale`, { body: { spec: { replicas: 3 } }, contentType: 'application/merge-patch+json' });
    assert.equal(up.json<{ spec: { replicas: number } }>().spec.replicas, 3);
    const after = (await call(api, 'GET', `${D}/d1`)).json<{ spec: { replicas: number }; metadata: { generation: number } }>();
    assert.equal(after.spec.replicas, 3);
    assert.equal(after.metadata.generation, 2);
  });

  it('binds pods once', async () => {
    const P = '/api/v1/namespaces/default/pods';
    await call(api, 'POST', P, { body: { metadata: { name: 'p' }, spec: podSpec } });
    const b = await call(api, 'POST', `${P}/p/binding`, { body: { apiVersion: 'v1', kind: 'Binding', metadata: { name: 'p' }, target: { kind: 'Node', name: 'n1' } } });
    assert.equal(b.code, 201);
    const again = await call(api, 'POST', `${P}/p/binding`, { body: { target: { name: 'n2' } } });
    assert.equal(again.code, 409);
    assert.equal(again.json()['message'], 'Operation cannot be fulfilled on pods/binding "p": pod p is already assigned to node "n1"');
    const logs = await call(api, 'GET', `${P}/p/log`);
    assert.equal(logs.code, 503);
  });

  it('serves custom resources from a CRD, with schema pruning, strict fields, columns and subresources', async () => {
    const crd = {
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name: 'widgets.example.com' },
      spec: {
        group: 'example.com',
        scope: 'Namespaced',
        names: { plural: 'widgets', singular: 'widget', kind: 'Widget', shortNames: ['wd'] },
        versions: [
          {
            name: 'v1',
            served: true,
            storage: true,
            subresources: { status: {}, scale: { specReplicasPath: '.spec.replicas', statusReplicasPath: '.status.replicas' } },
            additionalPrinterColumns: [{ name: 'Replicas', type: 'integer', jsonPath: '.spec.replicas' }],
            schema: { openAPIV3Schema: { type: 'object', properties: { spec: { type: 'object', properties: { replicas: { type: 'integer' } } }, status: { type: 'object', properties: { replicas: { type: 'integer' } } } } } },
          },
        ],
      },
    };
    const c = await call(api, 'POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', { body: crd });
    assert.equal(c.code, 201, c.body);
    const conds = c.json<{ status: { conditions: { type: string; status: string }[] } }>().status.conditions;
    assert.ok(conds.some((x) => x.type === 'Established' && x.status === 'True'));
    const W = '/apis/example.com/v1/namespaces/default/widgets';
    const w = await call(api, 'POST', W, { body: { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w1' }, spec: { replicas: 2, extra: 1 } } });
    assert.equal(w.code, 201, w.body);
    assert.deepEqual(w.json<{ spec: unknown }>().spec, { replicas: 2 });
    assert.equal(w.json<{ metadata: { generation: number } }>().metadata.generation, 1);
    assert.ok(await store.get('/registry/example.com/widgets/default/w1'));
    const strict = await call(api, 'POST', `${W}?fieldValidation=Strict`, { body: { metadata: { name: 'w2' }, spec: { extra: 1 } } });
    assert.equal(strict.code, 400);
    assert.match(String(strict.json()['message']), /strict decoding error: unknown field "spec.extra"/);
    const typed = await call(api, 'POST', W, { body: { metadata: { name: 'w3' }, spec: { replicas: 'x' } } });
    assert.equal(typed.code, 422);
    const t = (await call(api, 'GET', W, { headers: { accept: 'application/json;as=Table;v=v1;g=meta.k8s.io' } })).json<{ columnDefinitions: { name: string }[]; rows: { cells: unknown[] }[] }>();
    assert.deepEqual(t.columnDefinitions.map((x) => x.name), ['Name', 'Replicas']);
    assert.deepEqual(t.rows[0]!.cells, ['w1', 2]);
    const sc = await call(api, 'PUT', `${W}/w1/scale`, { body: { apiVersion: 'autoscaling/v1', kind: 'Scale', metadata: { name: 'w1' }, spec: { replicas: 5 } } });
    assert.equal(sc.code, 200, sc.body);
    assert.equal((await call(api, 'GET', `${W}/w1`)).json<{ spec: { replicas: number } }>().spec.replicas, 5);
    const del = await call(api, 'DELETE', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions/widgets.example.com');
    assert.equal(del.code, 200);
    assert.equal((await call(api, 'GET', W)).code, 404);
  });

  it('serves /version, health and discovery', async () => {
    const v = (await call(api, 'GET', '/version')).json<{ major: string; minor: string }>();
    assert.deepEqual([v.major, v.minor], ['1', '33']);
    assert.equal((await call(api, 'GET', '/healthz')).body, 'ok');
    const agg = await call(api, 'GET', '/apis', { headers: { accept: 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json' } });
    assert.equal(agg.headers['content-type'], 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList');
    const legacy = await call(api, 'GET', '/api', { headers: { accept: 'application/json' } });
    assert.equal(legacy.json()['kind'], 'APIVersions');
  });
});

describe('apiserver authentication', () => {
  it('refuses requests without a credential, except public paths', async () => {
    const store = new MemoryStore();
    const api = createApiServer({ store, authenticate: () => undefined });
    const r = await call(api, 'GET', '/api/v1/namespaces');
    assert.equal(r.code, 401);
    assert.equal(r.json()['reason'], 'Unauthorized');
    assert.equal((await call(api, 'GET', '/readyz')).code, 200);
    await api.close();
    await store.close();
  });
});
