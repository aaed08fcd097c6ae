import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseRequestInfo } from './request-info.js';
import { labelSelectorString, matchLabels, parseFieldSelector, parseLabelSelector } from './selectors.js';
import { decodeContinue, encodeContinue } from './continue-token.js';

const q = (s = '') => new URLSearchParams(s);

describe('parseRequestInfo', () => {
  const cases: [string, string, string, Record<string, unknown>][] = [
    ['GET', '/api/v1/namespaces', '', { resource: 'namespaces', verb: 'list', namespace: undefined }],
    ['GET', '/api/v1/namespaces/ns1', '', { resource: 'namespaces', name: 'ns1', verb: 'get', namespace: undefined }],
    ['PUT', '/api/v1/namespaces/ns1/finalize', '', { resource: 'namespaces', name: 'ns1', subresource: 'finalize', verb: 'update' }],
    ['GET', '/api/v1/namespaces/ns1/pods', 'watch=true', { resource: 'pods', namespace: 'ns1', verb: 'watch' }],
    ['GET', '/api/v1/watch/namespaces/ns1/pods/p', '', { resource: 'pods', namespace: 'ns1', name: 'p', verb: 'watch' }],
    ['POST', '/api/v1/namespaces/ns1/pods/p/binding', '', { resource: 'pods', name: 'p', subresource: 'binding', verb: 'create' }],
    ['DELETE', '/apis/apps/v1/namespaces/ns1/deployments', '', { group: 'apps', resource: 'deployments', verb: 'deletecollection' }],
    ['PATCH', '/apis/apps/v1/namespaces/ns1/deployments/d/scale', '', { group: 'apps', subresource: 'scale', verb: 'patch' }],
    ['GET', '/apis/rbac.authorization.k8s.io/v1/clusterroles', '', { group: 'rbac.authorization.k8s.io', resource: 'clusterroles', verb: 'list' }],
  ];
  for (const [method, path, query, want] of cases) {
    it(`${method} ${path}`, () => {
      const info = parseRequestInfo(method, path, q(query)) as unknown as Record<string, unknown>;
      assert.equal(info['isResource'], true);
      for (const [k, v] of Object.entries(want)) assert.equal(info[k], v, k);
    });
  }
  it('non-resource paths', () => {
    for (const p of ['/api', '/api/v1', '/apis', '/apis/apps', '/apis/apps/v1', '/version', '/openapi/v2']) {
      assert.equal(parseRequestInfo('GET', p, q()).isResource, false, p);
    }
  });
});

describe('selectors', () => {
  it('label selectors', () => {
    const l = { app: 'web', tier: 'front' };
    const m = (s: string) => matchLabels(parseLabelSelector(s), l);
    assert.ok(m('app=web'));
    assert.ok(m('app==web,tier!=back'));
    assert.ok(m('tier in (front, back)'));
    assert.ok(!m('tier notin (front)'));
    assert.ok(m('app'));
    assert.ok(m('!missing'));
    assert.ok(!m('missing'));
    assert.ok(m(''));
    assert.throws(() => parseLabelSelector('a=b c'));
  });
  it('field selectors and label selector strings', () => {
    assert.deepEqual(parseFieldSelector('metadata.name=a,status.phase!=Running'), [
      { field: 'metadata.name', op: '=', value: 'a' },
      { field: 'status.phase', op: '!=', value: 'Running' },
    ]);
    assert.equal(labelSelectorString({ matchLabels: { b: '2', a: '1' }, matchExpressions: [{ key: 'c', operator: 'In', values: ['y', 'x'] }] }), 'a=1,b=2,c in (x,y)');
  });
  it('continue tokens round-trip in Kubernetes form', () => {
    const t = encodeContinue('/registry/pods/default/web-1', '/registry/pods/', 42);
    assert.deepEqual(JSON.parse(Buffer.from(t, 'base64').toString()), { v: 'meta.k8s.io/v1', rv: 42, start: 'default/web-1\u0000' });
    assert.deepEqual(decodeContinue(t, '/registry/pods/'), { after: '/registry/pods/default/web-1', revision: 42 });
    assert.throws(() => decodeContinue('!!!', '/registry/pods/'));
  });
});
