// The root CA publisher: table-driven reconciles over preloaded caches (asserting the recorded writes), then the
// same behaviour against a real in-process API server with live informers.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createInformerFactory } from '../../client/informer-factory.js';
import { eventually, gone, startTestApi, type TestApi } from '../../client/testing.js';
import { errors } from '../../api/errors.js';
import type { KubeObject } from '../../api/object.js';
import { FakeClock, realClock } from '../../util/clock.js';
import { silentLogger } from '../../util/logger.js';
import { RecordingClient, StaticInformerFactory } from '../common/testing.js';
import { DESCRIPTION, DESCRIPTION_ANNOTATION, ROOT_CA_CONFIGMAP, type ConfigMap } from './configmap.js';
import { RootCaPublisher } from './controller.js';

const NS = { group: '', version: 'v1', resource: 'namespaces', namespaced: false };
const CM = { group: '', version: 'v1', resource: 'configmaps', namespaced: true };
const CA = '-----BEGIN CERTIFICATE-----\nMIIBfake\n-----END CERTIFICATE-----\n';

const ns = (name: string, terminating = false) => ({
  apiVersion: 'v1',
  kind: 'Namespace',
  metadata: { name, ...(terminating ? { deletionTimestamp: '2026-01-01T00:00:00Z' } : {}) },
  status: { phase: terminating ? 'Terminating' : 'Active' },
});
const cm = (namespace: string, data: Record<string, string>, annotations: Record<string, string> | null = { [DESCRIPTION_ANNOTATION]: DESCRIPTION }, name = ROOT_CA_CONFIGMAP): ConfigMap => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, namespace, resourceVersion: '7', labels: { keep: 'me' }, ...(annotations ? { annotations } : {}) },
  data,
});

function setup(namespaces: KubeObject[], configMaps: ConfigMap[]) {
  const informers = new StaticInformerFactory();
  for (const n of namespaces) informers.informer(NS).set(n);
  for (const c of configMaps) informers.informer<ConfigMap>(CM).set(c);
  const client = new RecordingClient(informers);
  const c = new RootCaPublisher({ client, informers, clock: new FakeClock(), logger: silentLogger, signal: new AbortController().signal, caPem: CA });
  return { c, client, informers };
}
const written = (client: RecordingClient) => client.actions.find((a) => a.verb === 'create' || a.verb === 'update')?.object as ConfigMap | undefined;

describe('root CA publisher reconcile', () => {
  const cases: { name: string; namespaces: KubeObject[]; configMaps: ConfigMap[]; key: string; writes: string[] }[] = [
    { name: 'creates it in an active namespace', namespaces: [ns('team')], configMaps: [], key: 'team', writes: ['create configmaps kube-root-ca.crt'] },
    { name: 'no write when already right', namespaces: [ns('team')], configMaps: [cm('team', { 'ca.crt': CA })], key: 'team', writes: [] },
    { name: 'accepts a reworded description', namespaces: [ns('team')], configMaps: [cm('team', { 'ca.crt': CA }, { [DESCRIPTION_ANNOTATION]: 'ours' })], key: 'team', writes: [] },
    { name: 'restores an edited bundle', namespaces: [ns('team')], configMaps: [cm('team', { 'ca.crt': 'tampered' })], key: 'team', writes: ['update configmaps kube-root-ca.crt'] },
    { name: 'drops stray data keys', namespaces: [ns('team')], configMaps: [cm('team', { 'ca.crt': CA, extra: 'x' })], key: 'team', writes: ['update configmaps kube-root-ca.crt'] },
    { name: 'restores a removed annotation', namespaces: [ns('team')], configMaps: [cm('team', { 'ca.crt': CA }, null)], key: 'team', writes: ['update configmaps kube-root-ca.crt'] },
    { name: 'nothing in a terminating namespace', namespaces: [ns('gone', true)], configMaps: [], key: 'gone', writes: [] },
    { name: 'nothing in a terminating namespace, even if edited', namespaces: [ns('gone', true)], configMaps: [cm('gone', { 'ca.crt': 'x' })], key: 'gone', writes: [] },
    { name: 'nothing for a namespace not in the cache', namespaces: [], configMaps: [], key: 'ghost', writes: [] },
    { name: 'other ConfigMaps do not count', namespaces: [ns('team')], configMaps: [cm('team', { 'ca.crt': CA }, null, 'other')], key: 'team', writes: ['create configmaps kube-root-ca.crt'] },
  ];
  for (const t of cases) {
    it(t.name, async () => {
      const { c, client } = setup(t.namespaces, t.configMaps);
      await c.reconcile(t.key);
      assert.deepEqual(client.writes(), t.writes);
    });
  }

  it('creates the exact object kube-controller-manager does', async () => {
    const { c, client } = setup([ns('team')], []);
    await c.reconcile('team');
    const o = written(client);
    assert.equal(client.actions.find((a) => a.verb === 'create')?.namespace, 'team');
    assert.deepEqual(o?.data, { 'ca.crt': CA });
    assert.equal(o?.metadata?.name, ROOT_CA_CONFIGMAP);
    assert.deepEqual(o?.metadata?.annotations, { [DESCRIPTION_ANNOTATION]: DESCRIPTION });
  });

  it('updates from the cached version, keeping its other fields', async () => {
    const { c, client, informers } = setup([ns('team')], [cm('team', { 'ca.crt': 'tampered', more: '1' }, { other: 'a' })]);
    await c.reconcile('team');
    const o = written(client);
    assert.equal(o?.metadata?.resourceVersion, '7');
    assert.deepEqual(o?.metadata?.labels, { keep: 'me' });
    assert.deepEqual(o?.metadata?.annotations, { other: 'a', [DESCRIPTION_ANNOTATION]: DESCRIPTION });
    assert.deepEqual(o?.data, { 'ca.crt': CA });
    // the cache's copy is untouched
    assert.equal(informers.informer<ConfigMap>(CM).get('team', ROOT_CA_CONFIGMAP)?.data?.['ca.crt'], 'tampered');
  });

  it('gives up quietly when the namespace refuses (terminating, gone) or the object appeared meanwhile', async () => {
    for (const e of [errors.forbidden(CM, ROOT_CA_CONFIGMAP, 'being terminated'), errors.notFound(NS, 'team'), errors.alreadyExists(CM, ROOT_CA_CONFIGMAP)]) {
      const { c, client } = setup([ns('team')], []);
      client.fail = () => e;
      await c.reconcile('team');
    }
  });

  it('retries a conflict', async () => {
    const { c, client } = setup([ns('team')], [cm('team', { 'ca.crt': 'x' })]);
    client.fail = () => errors.conflict(CM, ROOT_CA_CONFIGMAP, 'changed');
    await assert.rejects(c.reconcile('team'), (e: { code?: number }) => e.code === 409);
  });

  it('enqueues namespaces, and the namespace of our ConfigMap only', () => {
    const { c, informers } = setup([], []);
    informers.informer(NS).set(ns('a'));
    informers.informer(NS).set(ns('a', true));
    const cms = informers.informer<ConfigMap>(CM);
    cms.set(cm('b', { x: '1' }, null, 'other'));
    cms.set(cm('c', { 'ca.crt': CA }));
    cms.remove(cm('d', { 'ca.crt': CA }));
    assert.equal(c.queue.length, 3); // a (twice: de-duplicated), c, d
  });
});

describe('root CA publisher against the API', () => {
  let t: TestApi;
  let done: Promise<unknown>;
  const ac = new AbortController();
  const published = (namespace: string) => t.client.get<ConfigMap>(CM, namespace, ROOT_CA_CONFIGMAP);
  before(async () => {
    t = await startTestApi();
    const informers = createInformerFactory({ client: t.client, logger: silentLogger });
    done = new RootCaPublisher({ client: t.client, informers, clock: realClock, logger: silentLogger, signal: ac.signal, caPem: CA }).run(ac.signal);
  });
  after(async () => {
    ac.abort();
    await done;
    await t.close();
  });

  it('publishes into existing and new namespaces', async () => {
    const d = await eventually(() => published('default'), 'default/kube-root-ca.crt');
    assert.deepEqual(d.data, { 'ca.crt': CA });
    assert.equal(d.metadata?.annotations?.[DESCRIPTION_ANNOTATION], DESCRIPTION);
    await t.client.create(NS, undefined, ns('team'));
    await eventually(() => published('team'), 'team/kube-root-ca.crt');
  });

  it('restores it after an edit and after a delete, then leaves it be', async () => {
    const cur = await eventually(() => published('team'), 'team/kube-root-ca.crt');
    await t.client.update(CM, 'team', { ...cur, data: { 'ca.crt': 'tampered' } });
    const fixed = await eventually(async () => ((await published('team')).data?.['ca.crt'] === CA ? published('team') : undefined), 'restored after edit');
    await t.client.delete(CM, 'team', ROOT_CA_CONFIGMAP);
    const again = await eventually(async () => {
      const o = await published('team');
      return o.metadata?.uid !== fixed.metadata?.uid ? o : undefined;
    }, 'recreated after delete');
    assert.deepEqual(again.data, { 'ca.crt': CA });
    // A later namespace's ConfigMap shows the queue moved on; ours must not have been written again meanwhile.
    await t.client.create(NS, undefined, ns('later'));
    await eventually(() => published('later'), 'later/kube-root-ca.crt');
    assert.equal((await published('team')).metadata?.resourceVersion, again.metadata?.resourceVersion);
  });

  it('leaves a terminating namespace alone', async () => {
    await t.client.create(NS, undefined, ns('doomed'));
    await eventually(() => published('doomed'), 'doomed/kube-root-ca.crt');
    await t.client.delete(NS, undefined, 'doomed'); // no namespace controller here: it stays Terminating
    await t.client.delete(CM, 'doomed', ROOT_CA_CONFIGMAP);
    await t.client.create(NS, undefined, ns('after'));
    await eventually(() => published('after'), 'after/kube-root-ca.crt');
    assert.equal(await gone(published('doomed')), true);
  });
});
