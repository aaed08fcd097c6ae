import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { KubeObject } from '../api/object.js';
import { FakeClock } from '../util/clock.js';
import { createEventRecorder, eventKey, metaTime } from './events.js';
import { configmaps, events } from './resources.js';
import { startTestApi, type TestApi } from './testing.js';

type Ev = KubeObject & { count: number; reason: string; message: string; type: string; firstTimestamp: string; lastTimestamp: string; involvedObject: Record<string, string>; source: Record<string, string> };

describe('eventKey', () => {
  const ref = { kind: 'Pod', namespace: 'd', name: 'p', uid: 'u' };
  const cases: [string, string, boolean][] = [
    ['same everything', eventKey(ref, 'Normal', 'Pulled', 'm', 'kubelet'), true],
    ['other message', eventKey(ref, 'Normal', 'Pulled', 'm2', 'kubelet'), false],
    ['other type', eventKey(ref, 'Warning', 'Pulled', 'm', 'kubelet'), false],
    ['other component', eventKey(ref, 'Normal', 'Pulled', 'm', 'scheduler'), false],
    ['other object', eventKey({ ...ref, uid: 'v' }, 'Normal', 'Pulled', 'm', 'kubelet'), false],
  ];
  const base = eventKey(ref, 'Normal', 'Pulled', 'm', 'kubelet');
  for (const [name, k, same] of cases) it(name, () => assert.equal(k === base, same));
});

describe('ClientEventRecorder', () => {
  let t: TestApi;
  before(async () => (t = await startTestApi()));
  after(async () => t.close());

  it('creates an event, then merges repeats into count and lastTimestamp', async () => {
    const clock = new FakeClock(Date.UTC(2026, 0, 1, 12, 0, 0));
    const obj: KubeObject = await t.client.create(configmaps, 'default', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'subject' } });
    const rec = createEventRecorder({ client: t.client, component: 'test-controller', clock });
    rec.event(obj, 'Warning', 'Broken', 'it broke');
    for (let i = 0; i < 4; i++) {
      clock.advance(30_000);
      rec.event(obj, 'Warning', 'Broken', 'it broke');
    }
    rec.event(obj, 'Normal', 'Fixed', 'it is fixed');
    await rec.flush();
    const list = await t.client.list<Ev>(events, 'default');
    const mine = list.items.filter((e) => e.involvedObject['name'] === 'subject');
    assert.equal(mine.length, 2);
    const broken = mine.find((e) => e.reason === 'Broken')!;
    assert.equal(broken.count, 5);
    assert.equal(broken.type, 'Warning');
    assert.equal(broken.firstTimestamp, '2026-01-01T12:00:00Z');
    assert.equal(broken.lastTimestamp, '2026-01-01T12:02:00Z');
    assert.deepEqual(broken.source, { component: 'test-controller' });
    assert.equal(broken.involvedObject['kind'], 'ConfigMap');
    assert.equal(broken.involvedObject['uid'], obj.metadata?.uid);
    assert.match(broken.metadata?.name ?? '', /^subject\.[0-9a-f]+$/);
    assert.equal((broken.metadata?.name ?? '').split('.')[1], (BigInt(Date.UTC(2026, 0, 1, 12, 0, 0)) * 1_000_000n).toString(16));
  });

  it('starts a new event after the 10 minute window and for cluster-scoped objects uses default', async () => {
    const clock = new FakeClock(Date.UTC(2026, 0, 2));
    const rec = createEventRecorder({ client: t.client, component: 'node-controller', host: 'n1', clock });
    const node = { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1', uid: 'node-uid' } };
    rec.event(node, 'Normal', 'NodeReady', 'Node n1 status is now: NodeReady');
    clock.advance(11 * 60_000);
    rec.event(node, 'Normal', 'NodeReady', 'Node n1 status is now: NodeReady');
    await rec.flush();
    const list = await t.client.list<Ev>(events, 'default');
    const mine = list.items.filter((e) => e.involvedObject['name'] === 'n1');
    assert.equal(mine.length, 2);
    assert.ok(mine.every((e) => e.count === 1 && e.source['host'] === 'n1'));
  });

  it('never throws and drops what the server refuses', async () => {
    const rec = createEventRecorder({ client: t.client, component: 'x' });
    rec.event({ kind: 'Pod', namespace: 'does-not-exist', name: 'p' }, 'Normal', 'R', 'm');
    await rec.flush();
    assert.equal(metaTime(new Date(Date.UTC(2026, 0, 1, 0, 0, 0, 999))), '2026-01-01T00:00:00Z');
  });
});
