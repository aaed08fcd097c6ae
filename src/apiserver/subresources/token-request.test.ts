import assert from 'node:assert/strict';
import { createPublicKey } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { MemoryStore } from '../../store/memory/memory-store.js';
import { createApiServer, type ApiServer } from '../server.js';
import { verifyJwt } from '../serviceaccount/jwt.js';
import { newServiceAccountKey } from '../serviceaccount/key.js';
import { call } from '../testing.js';

const ADMIN = { authorization: 'Bearer admin-token' };
const SA = '/api/v1/namespaces/default/serviceaccounts';
const tokenRequest = (spec: Record<string, unknown> = {}) => ({ apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec });

describe('serviceaccounts/token', () => {
  let api: ApiServer;
  let store: MemoryStore;
  const key = newServiceAccountKey();
  before(async () => {
    store = new MemoryStore();
    api = createApiServer({
      store,
      serviceAccountKey: key,
      authenticate: (req) => (req.headers.authorization === ADMIN.authorization ? { name: 'admin', groups: ['system:masters', 'system:authenticated'] } : undefined),
    });
    await api.init();
    assert.equal((await call(api, 'POST', SA, { body: { metadata: { name: 'robot' } }, headers: ADMIN })).code, 201);
  });
  after(async () => {
    await api.close();
    await store.close();
  });

  it('issues a signed token with Kubernetes claims and defaults', async () => {
    const r = await call(api, 'POST', `${SA}/robot/token`, { body: tokenRequest(), headers: ADMIN });
    assert.equal(r.code, 201, r.body);
    const tr = r.json<{ metadata: Record<string, unknown>; spec: Record<string, unknown>; status: { token: string; expirationTimestamp: string } }>();
    assert.deepEqual(tr.spec, { audiences: ['https://kubernetes.default.svc.cluster.local'], expirationSeconds: 3600, boundObjectRef: null });
    assert.deepEqual(tr.metadata, { name: 'robot', namespace: 'default', creationTimestamp: null });
    const claims = verifyJwt(tr.status.token, createPublicKey(key))!;
    assert.ok(claims, 'signature verifies with the public key');
    assert.equal(claims['sub'], 'system:serviceaccount:default:robot');
    assert.equal(claims['iss'], 'https://kubernetes.default.svc.cluster.local');
    assert.equal((claims['exp'] as number) - (claims['iat'] as number), 3600);
    assert.equal(new Date(tr.status.expirationTimestamp).getTime(), (claims['exp'] as number) * 1000);
    const sa = (await call(api, 'GET', `${SA}/robot`, { headers: ADMIN })).json<{ metadata: { uid: string } }>();
    assert.deepEqual(claims['kubernetes.io'], { namespace: 'default', serviceaccount: { name: 'robot', uid: sa.metadata.uid } });
  });

  it('accepts its tokens as the service account user', async () => {
    const t = (await call(api, 'POST', `${SA}/robot/token`, { body: tokenRequest(), headers: ADMIN })).json<{ status: { token: string } }>().status.token;
    const who = await call(api, 'POST', '/apis/authentication.k8s.io/v1/selfsubjectreviews', {
      body: { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' },
      headers: { authorization: `Bearer ${t}` },
    });
    assert.equal(who.code, 201, who.body);
    const u = who.json<{ status: { userInfo: { username: string; groups: string[] } } }>().status.userInfo;
    assert.equal(u.username, 'system:serviceaccount:default:robot');
    assert.deepEqual(u.groups, ['system:serviceaccounts', 'system:serviceaccounts:default', 'system:authenticated']);
    // A tampered token is no credential.
    const bad = await call(api, 'GET', SA, { headers: { authorization: `Bearer ${t.slice(0, -4)}AAAA` } });
    assert.equal(bad.code, 401);
  });

  it('refuses tokens for other audiences, and too short lifetimes', async () => {
    const t = (await call(api, 'POST', `${SA}/robot/token`, { body: tokenRequest({ audiences: ['vault'] }), headers: ADMIN })).json<{ status: { token: string } }>().status.token;
    assert.equal((await call(api, 'GET', SA, { headers: { authorization: `Bearer ${t}` } })).code, 401);
    const short = await call(api, 'POST', `${SA}/robot/token`, { body: tokenRequest({ expirationSeconds: 60 }), headers: ADMIN });
    assert.equal(short.code, 422);
    assert.match(short.json()['message'] as string, /spec\.expirationSeconds: Invalid value: 60: may not specify a duration less than 10 minutes$/);
  });

  it('binds to a pod that exists, and 404s for a missing account', async () => {
    const missing = await call(api, 'POST', `${SA}/nobody/token`, { body: tokenRequest(), headers: ADMIN });
    assert.equal(missing.code, 404);
    assert.equal(missing.json()['message'], 'serviceaccounts "nobody" not found');
    const gone = await call(api, 'POST', `${SA}/robot/token`, { body: tokenRequest({ boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: 'p' } }), headers: ADMIN });
    assert.equal(gone.code, 404);
    await call(api, 'POST', '/api/v1/namespaces/default/pods', { body: { metadata: { name: 'p' }, spec: { serviceAccountName: 'robot', containers: [{ name: 'c', image: 'i' }] } }, headers: ADMIN });
    const r = await call(api, 'POST', `${SA}/robot/token`, { body: tokenRequest({ boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: 'p' } }), headers: ADMIN });
    assert.equal(r.code, 201, r.body);
    const claims = verifyJwt(r.json<{ status: { token: string } }>().status.token, createPublicKey(key))!;
    assert.equal((claims['kubernetes.io'] as { pod: { name: string } }).pod.name, 'p');
  });

  it('answers TokenReviews', async () => {
    const t = (await call(api, 'POST', `${SA}/robot/token`, { body: tokenRequest(), headers: ADMIN })).json<{ status: { token: string } }>().status.token;
    const review = (token: string) => call(api, 'POST', '/apis/authentication.k8s.io/v1/tokenreviews', { body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token } }, headers: ADMIN });
    const ok = (await review(t)).json<{ status: { authenticated: boolean; user: { username: string } } }>().status;
    assert.equal(ok.authenticated, true);
    assert.equal(ok.user.username, 'system:serviceaccount:default:robot');
    const admin = (await review('admin-token')).json<{ status: { authenticated: boolean; user: { username: string } } }>().status;
    assert.equal(admin.user.username, 'admin');
    assert.equal((await review('nope')).json<{ status: { authenticated: boolean } }>().status.authenticated, false);
  });
});
