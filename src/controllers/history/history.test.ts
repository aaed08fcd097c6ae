// Revision data, naming, renumbering on undo, collisions and pruning.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { errors } from '../../api/errors.js';
import { controllerrevisions } from '../../client/resources.js';
import { RecordingClient, StaticInformerFactory } from '../common/testing.js';
import { newRevision, revisionsToPrune, templateOf, templatePatch, type ControllerRevision } from './revision.js';
import { syncRevisions } from './sync.js';

const owner = { metadata: { name: 'web', namespace: 'ns', uid: 'o' } };
const ownerRef = { apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'web', uid: 'o', controller: true };
const tpl = (image: string) => ({ metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image }] } });
const rev = (image: string, n: number) => newRevision({ owner, ownerRef, templateLabels: { app: 'web' }, data: templatePatch(tpl(image)), revision: n });

describe('controller revisions', () => {
  it('stores the template as a replace patch and reads it back', () => {
    assert.deepEqual(templatePatch(tpl('a')), { spec: { template: { ...tpl('a'), $patch: 'replace' } } });
    assert.deepEqual(templateOf(rev('a', 1)), tpl('a'));
    const r = rev('a', 1);
    assert.match(r.metadata!.name!, /^web-[bcdfghjklmnpqrstvwxz2456789]+$/);
    assert.equal(r.metadata?.labels?.app, 'web');
    assert.notEqual(rev('b', 1).metadata?.name, r.metadata?.name);
  });

  it('prunes the oldest unused beyond the limit', () => {
    const revs = [rev('a', 1), rev('b', 2), rev('c', 3), rev('d', 4)];
    const inUse = new Set([revs[0]!.metadata!.name!, revs[3]!.metadata!.name!]);
    assert.deepEqual(revisionsToPrune(revs, inUse, 1).map((r) => r.revision), [2]);
    assert.deepEqual(revisionsToPrune(revs, inUse, 5), []);
  });

  it('creates the next revision, renumbers an equal older one (undo), and steps the collision count', async () => {
    const informers = new StaticInformerFactory();
    const client = new RecordingClient(informers);
    const one = rev('a', 1);
    const two = rev('b', 2);
    let r = await syncRevisions({ client, owner, ownerRef, revisions: [one], template: tpl('b'), collisionCount: 0 });
    assert.equal(r.update.revision, 2);
    assert.deepEqual(client.writes(), [`create controllerrevisions ${r.update.metadata?.name}`]);
    client.actions.length = 0;
    informers.informer<ControllerRevision>(controllerrevisions).set(one);
    r = await syncRevisions({ client, owner, ownerRef, revisions: [one, two], template: tpl('a'), collisionCount: 0 });
    assert.deepEqual(client.actions.at(-1)!.patch, { revision: 3 });
    // Someone else's revision holds the name: the collision count goes up.
    client.actions.length = 0;
    const foreign = rev('c', 1);
    foreign.metadata!.ownerReferences = [{ ...ownerRef, uid: 'other' }];
    informers.informer<ControllerRevision>(controllerrevisions).set(foreign);
    let first = true;
    client.fail = (a) => (a.verb === 'create' && first ? ((first = false), errors.alreadyExists(controllerrevisions, a.name ?? '')) : undefined);
    r = await syncRevisions({ client, owner, ownerRef, revisions: [], template: tpl('c'), collisionCount: 0 });
    assert.equal(r.collisionCount, 1);
    assert.notEqual(r.update.metadata?.name, foreign.metadata?.name);
  });
});
