// Updates and patches may not move an object: uid, namespace and name stay; status writes are type-checked;
// lists come out as the spliced stored text.
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { MemoryStore } from '../../store/memory/memory-store.js';
import { createApiServer, type ApiServer } from '../server.js';
import { call } from '../testing.js';

const admin = () => ({ name: 'admin', groups: ['system:masters'] });
const CM = '/api/v1/namespaces/default/configmaps';
const MERGE = 'application/merge-patch+json';

describe('update and patch identity checks', () => {
  let api: ApiServer;
  let uid: string;
  before(async () => {
    api = createApiServer({ store: new MemoryStore(), authenticate: admin });
    await api.init();
    const r = await call(api, 'POST', CM, { body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' }, data: { a: '1' } } });
    assert.equal(r.code, 201);
    uid = r.json<{ metadata: { uid: string } }>().metadata.uid;
  });

  it('an update with another uid fails its precondition (409)', async () => {
    const r = await call(api, 'PUT', `${CM}/x`, { body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x', uid: 'not-it' }, data: { a: '2' } } });
    assert.equal(r.code, 409);
    assert.match(r.json<{ message: string }>().message, new RegExp(`Precondition failed: UID in precondition: not-it, UID in object meta: ${uid}$`));
    const same = await call(api, 'PUT', `${CM}/x`, { body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x', uid }, data: { a: '2' } } });
    assert.equal(same.code, 200);
  });

  it('wrong-typed server-set metadata in an update is a decode error (400)', async () => {
    const r = await call(api, 'PUT', `${CM}/x`, { body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x', uid: 7 } } });
    assert.equal(r.code, 400);
    assert.equal(r.json<{ message: string }>().message, 'ConfigMap in version "v1" cannot be handled as a ConfigMap: json: cannot unmarshal number into Go struct field ObjectMeta.metadata.uid of type string');
  });

  it('patches may not change the namespace (400) or the uid (422)', async () => {
    const ns = await call(api, 'PATCH', `${CM}/x`, { body: { metadata: { namespace: 'other' } }, contentType: MERGE });
    assert.equal(ns.code, 400);
    assert.equal(ns.json<{ message: string }>().message, 'the namespace of the provided object does not match the namespace sent on the request');
    const u = await call(api, 'PATCH', `${CM}/x`, { body: [{ op: 'replace', path: '/metadata/uid', value: 'nope' }], contentType: 'application/json-patch+json' });
    assert.equal(u.code, 422);
  });

  it('status writes are type-checked', async () => {
    await call(api, 'POST', '/api/v1/namespaces/default/pods', { body: { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { containers: [{ name: 'c', image: 'i' }] } } });
    const r = await call(api, 'PATCH', '/api/v1/namespaces/default/pods/p/status', { body: { status: { phase: { x: 1 } } }, contentType: MERGE });
    assert.equal(r.code, 400);
  });

  it('apply refuses a body without apiVersion and a force that is no bool', async () => {
    const APPLY = 'application/apply-patch+yaml';
    const noVersion = await call(api, 'PATCH', `${CM}/x?fieldManager=t`, { body: 'metadata:\n  name: x\n', contentType: APPLY });
    assert.equal(noVersion.code, 400);
    assert.match(noVersion.json<{ message: string }>().message, /^Incorrect version specified in apply patch/);
    const force = await call(api, 'PATCH', `${CM}/x?fieldManager=t&force=maybe`, { body: 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n', contentType: APPLY });
    assert.equal(force.code, 400);
  });

  it('a list is the stored objects with their resourceVersions, as a get gives them', async () => {
    const list = await call(api, 'GET', CM);
    const one = await call(api, 'GET', `${CM}/x`);
    const items = list.json<{ items: unknown[] }>().items;
    assert.equal(items.length, 1);
    assert.equal(JSON.stringify(items[0]), one.body);
  });
});
