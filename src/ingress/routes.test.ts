import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Ingress, HTTPIngressPath } from 'kubernetes-types/networking/v1.js';
import { buildRoutes, hostOf, matchRoute, pathOf } from './routes.js';

type PathSpec = [type: HTTPIngressPath['pathType'], path: string, service: string];

function ing(name: string, rules: { host?: string; paths: PathSpec[] }[], o: { created?: string; defaultBackend?: string; ns?: string } = {}): Ingress {
  return {
    metadata: { name, namespace: o.ns ?? 'ns', creationTimestamp: o.created ?? '2026-01-01T00:00:00Z' },
    spec: {
      ...(o.defaultBackend ? { defaultBackend: { service: { name: o.defaultBackend, port: { number: 80 } } } } : {}),
      rules: rules.map((r) => ({
        ...(r.host ? { host: r.host } : {}),
        http: { paths: r.paths.map(([pathType, path, svc]) => ({ pathType, path, backend: { service: { name: svc, port: { number: 80 } } } })) },
      })),
    },
  };
}

const svcOf = (ings: Ingress[], host: string, path: string) => matchRoute(buildRoutes(ings), host, path)?.backend.service?.name ?? '404';

describe('route matching: paths (the Kubernetes Ingress docs\' examples table)', () => {
  const cases: [PathSpec[], string, string][] = [
    [[['Prefix', '/', 'a']], '/anything/at/all', 'a'],
    [[['Exact', '/foo', 'a']], '/foo', 'a'],
    [[['Exact', '/foo', 'a']], '/bar', '404'],
    [[['Exact', '/foo', 'a']], '/foo/', '404'],
    [[['Exact', '/foo/', 'a']], '/foo', '404'],
    [[['Prefix', '/foo', 'a']], '/foo', 'a'],
    [[['Prefix', '/foo', 'a']], '/foo/', 'a'],
    [[['Prefix', '/foo/', 'a']], '/foo', 'a'],
    [[['Prefix', '/foo/', 'a']], '/foo/', 'a'],
    [[['Prefix', '/aaa/bb', 'a']], '/aaa/bbb', '404'],
    [[['Prefix', '/aaa/bbb', 'a']], '/aaa/bbb', 'a'],
    [[['Prefix', '/aaa/bbb/', 'a']], '/aaa/bbb', 'a'],
    [[['Prefix', '/aaa/bbb', 'a']], '/aaa/bbb/', 'a'],
    [[['Prefix', '/aaa/bbb', 'a']], '/aaa/bbb/ccc', 'a'],
    [[['Prefix', '/aaa/bbb', 'a']], '/aaa/bbbxyz', '404'],
    [[['Prefix', '/', 'root'], ['Prefix', '/aaa', 'aaa']], '/aaa/ccc', 'aaa'],
    [[['Prefix', '/', 'root'], ['Prefix', '/aaa', 'aaa'], ['Prefix', '/aaa/bbb', 'bbb']], '/aaa/bbb', 'bbb'],
    [[['Prefix', '/', 'root'], ['Prefix', '/aaa', 'aaa'], ['Prefix', '/aaa/bbb', 'bbb']], '/ccc', 'root'],
    [[['Prefix', '/aaa', 'a']], '/ccc', '404'],
    [[['Prefix', '/foo', 'prefix'], ['Exact', '/foo', 'exact']], '/foo', 'exact'],
    [[['Exact', '/foo', 'exact'], ['Prefix', '/foo', 'prefix']], '/foo/', 'prefix'],
    // Exact wins even over a Prefix written with the same path plus a slash.
    [[['Prefix', '/foo/', 'prefix'], ['Exact', '/foo', 'exact']], '/foo', 'exact'],
    // ImplementationSpecific behaves as Prefix here.
    [[['ImplementationSpecific', '/img', 'is']], '/img/a.png', 'is'],
    [[['ImplementationSpecific', '/img', 'is']], '/imgs', '404'],
  ];
  for (const [paths, path, want] of cases) {
    it(`${paths.map(([t, p, s]) => `${t} ${p}->${s}`).join(', ')}: ${path} -> ${want}`, () => {
      assert.equal(svcOf([ing('i', [{ paths }])], 'any.test', path), want);
    });
  }
});

describe('route matching: hosts', () => {
  const ings = [
    ing('i', [
      { host: 'foo.bar.com', paths: [['Prefix', '/', 'exact-host']] },
      { host: '*.bar.com', paths: [['Prefix', '/', 'wild']] },
      { host: 'api.bar.com', paths: [['Prefix', '/v1', 'api-v1']] },
      { paths: [['Prefix', '/health', 'hostless']] },
    ]),
  ];
  const cases: [string, string, string][] = [
    ['foo.bar.com', '/x', 'exact-host'],
    ['baz.bar.com', '/x', 'wild'],
    ['bar.com', '/x', '404'], // a wildcard needs one label in front
    ['a.baz.bar.com', '/x', '404'], // and only one
    ['api.bar.com', '/v1/users', 'api-v1'], // an exact host shadows the wildcard...
    ['api.bar.com', '/v2', '404'], // ...even when its paths do not match
    ['api.bar.com', '/health', 'hostless'], // rules without a host apply to every host
    ['other.test', '/health', 'hostless'],
    ['', '/health', 'hostless'],
    ['foo.bar.com', '/health', 'exact-host'], // the host's own rules first
  ];
  for (const [host, path, want] of cases) {
    it(`${host || '(no host)'}${path} -> ${want}`, () => assert.equal(svcOf(ings, host, path), want));
  }
});

describe('route matching: several Ingresses', () => {
  it('the older Ingress wins a conflicting host and path; the newer adds its other paths', () => {
    const old = ing('old', [{ host: 'a.test', paths: [['Prefix', '/', 'old']] }], { created: '2026-01-01T00:00:00Z' });
    const young = ing('young', [{ host: 'a.test', paths: [['Prefix', '/', 'young'], ['Prefix', '/y', 'young-y']] }], { created: '2026-01-02T00:00:00Z' });
    assert.equal(svcOf([young, old], 'a.test', '/'), 'old');
    assert.equal(svcOf([young, old], 'a.test', '/y/1'), 'young-y');
  });

  it('default backend: the oldest Ingress\'s, used when nothing matches', () => {
    const a = ing('a', [{ host: 'a.test', paths: [['Exact', '/', 'a']] }], { created: '2026-01-02T00:00:00Z', defaultBackend: 'fallback-young' });
    const b = ing('b', [], { created: '2026-01-01T00:00:00Z', defaultBackend: 'fallback-old' });
    assert.equal(svcOf([a, b], 'a.test', '/'), 'a');
    assert.equal(svcOf([a, b], 'a.test', '/nope'), 'fallback-old');
    assert.equal(svcOf([a, b], 'unknown.test', '/'), 'fallback-old');
  });

  it('records which Ingress a backend came from', () => {
    const r = matchRoute(buildRoutes([ing('i', [{ paths: [['Prefix', '/', 's']] }], { ns: 'demo' })]), 'x', '/');
    assert.equal(r?.ingress, 'demo/i');
    assert.equal(r?.namespace, 'demo');
  });
});

describe('request host and path', () => {
  it('hostOf lower-cases and drops the port and a trailing dot', () => {
    assert.equal(hostOf('A.Example.TEST:8080'), 'a.example.test');
    assert.equal(hostOf('a.example.test.'), 'a.example.test');
    assert.equal(hostOf('[::1]:80'), '[::1]');
    assert.equal(hostOf(undefined), '');
  });
  it('pathOf drops the query', () => {
    assert.equal(pathOf('/a/b?x=1'), '/a/b');
    assert.equal(pathOf('/a'), '/a');
  });
});
