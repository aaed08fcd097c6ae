import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { MemoryStore } from '../../store/memory/memory-store.js';
import { createApiServer, type ApiServer } from '../server.js';
import { call } from '../testing.js';

const AUTHZ = '/apis/authorization.k8s.io/v1';

describe('access reviews', () => {
  let api: ApiServer;
  let store: MemoryStore;
  before(async () => {
    store = new MemoryStore();
    api = createApiServer({
      store,
      authenticate: () => ({ name: 'jane', groups: ['system:authenticated'] }),
      // Jane may not delete; nobody but jane may do anything.
      authorize: (u, info) => (u.name !== 'jane' ? 'not jane' : info.verb === 'delete' ? 'no deleting' : true),
    });
    await api.init();
  });
  after(async () => {
    await api.close();
    await store.close();
  });

  const post = (path: string, kind: string, spec: Record<string, unknown>) =>
    call(api, 'POST', `${AUTHZ}/${path}`, { body: { apiVersion: 'authorization.k8s.io/v1', kind, spec } });

  it('answers SelfSubjectAccessReview through the authorizer, with no name and nothing stored', async () => {
    const yes = await post('selfsubjectaccessreviews', 'SelfSubjectAccessReview', { resourceAttributes: { verb: 'create', resource: 'pods', namespace: 'default' } });
    assert.equal(yes.code, 201, yes.body);
    assert.deepEqual(yes.json()['status'], { allowed: true });
    assert.deepEqual(yes.json()['metadata'], { creationTimestamp: null });
    const no = await post('selfsubjectaccessreviews', 'SelfSubjectAccessReview', { resourceAttributes: { verb: 'delete', resource: 'pods' } });
    assert.deepEqual(no.json()['status'], { allowed: false, reason: 'no deleting' });
    const bad = await post('selfsubjectaccessreviews', 'SelfSubjectAccessReview', {});
    assert.equal(bad.code, 422);
  });

  it('answers SubjectAccessReview for another user, and needs a user or group', async () => {
    const other = await post('subjectaccessreviews', 'SubjectAccessReview', { user: 'bob', resourceAttributes: { verb: 'get', resource: 'pods' } });
    assert.deepEqual(other.json()['status'], { allowed: false, reason: 'not jane' });
    const nobody = await post('subjectaccessreviews', 'SubjectAccessReview', { resourceAttributes: { verb: 'get', resource: 'pods' } });
    assert.equal(nobody.code, 422);
    assert.match(nobody.json()['message'] as string, /spec\.user: Invalid value: "": at least one of user or group must be specified/);
  });

  it('lists rules for SelfSubjectRulesReview', async () => {
    const r = await post('selfsubjectrulesreviews', 'SelfSubjectRulesReview', { namespace: 'default' });
    assert.equal(r.code, 201, r.body);
    // The authorizer allows the wildcard probe, so the one rule that covers everything comes back.
    assert.deepEqual(r.json()['status'], {
      resourceRules: [{ verbs: ['*'], apiGroups: ['*'], resources: ['*'] }],
      nonResourceRules: [{ verbs: ['*'], nonResourceURLs: ['*'] }],
      incomplete: false,
    });
  });

  it('tells the caller who it is', async () => {
    const r = await call(api, 'POST', '/apis/authentication.k8s.io/v1/selfsubjectreviews', { body: { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' } });
    assert.equal(r.code, 201, r.body);
    assert.deepEqual(r.json()['status'], { userInfo: { username: 'jane', groups: ['system:authenticated'] } });
  });
});
