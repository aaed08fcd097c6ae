// The ingress controller against a real (in-process) API server, with backends as HTTP servers on loopback and
// EndpointSlices written by hand (addresses 127.0.0.1, each backend on its own port through the slice's port).
import { after, before, describe, it, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import tls from 'node:tls';
import { promisify } from 'node:util';
import { WebSocket, WebSocketServer } from 'ws';
import type { KubeObject } from '../api/object.js';
import { makeCert, subjectOf, type KeyAndCert } from '../util/certs.js';
import { endpointslices, events, ingresses, secrets, services } from '../client/index.js';
import { eventually, startTestApi, type TestApi } from '../client/testing.js';
import { silentLogger } from '../util/logger.js';
import { requireTool } from '../../test/support/require-tool.js';
import { startIngress, type IngressController } from './index.js';

const run = promisify(execFile);
const NS = 'default';
const NODE_IP = '10.0.0.7';

interface Backend {
  name: string;
  port: number;
  server: http.Server;
}

/** Answers "<name> <method> <path>" and echoes the forwarding headers; /sse streams events; websockets echo. */
async function backend(name: string): Promise<Backend> {
  const server = http.createServer((req, res) => {
    if (req.url === '/sse') {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('data: first\n\n');
      const t = setTimeout(() => res.end('data: last\n\n'), 1500);
      res.on('close', () => clearTimeout(t));
      return;
    }
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      res.setHeader('x-backend', name);
      for (const h of ['x-forwarded-for', 'x-forwarded-proto', 'x-forwarded-host', 'x-forwarded-port', 'x-real-ip', 'host']) res.setHeader(`echo-${h}`, String(req.headers[h] ?? ''));
      res.end(`${name} ${req.method} ${req.url}${body ? ` ${body}` : ''}`);
    });
  });
  const wss = new WebSocketServer({ server });
  wss.on('connection', (ws) => ws.on('message', (m) => ws.send(`${name}:${m.toString()}`)));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { name, port: (server.address() as AddressInfo).port, server };
}

function service(name: string, ports: { name?: string; port: number }[] = [{ name: 'http', port: 80 }]): KubeObject {
  return { apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: NS }, spec: { ports: ports.map((p) => ({ ...p, protocol: 'TCP' })) } };
}

/** One slice per backend port: EndpointSlice ports are per slice, so each loopback backend gets its own. */
function slice(name: string, svc: string, port: number, ready = true, portName = 'http'): KubeObject {
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { name, namespace: NS, labels: { 'kubernetes.io/service-name': svc } },
    addressType: 'IPv4',
    ports: [{ name: portName, port, protocol: 'TCP' }],
    endpoints: [{ addresses: ['127.0.0.1'], conditions: { ready } }],
  };
}

function ingress(name: string, spec: Record<string, unknown>, annotations?: Record<string, string>): KubeObject {
  return { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { name, namespace: NS, ...(annotations ? { annotations } : {}) }, spec };
}

const path = (p: string, svc: string, port: Record<string, unknown> = { name: 'http' }, pathType = 'Prefix') => ({ path: p, pathType, backend: { service: { name: svc, port } } });

function tlsSecret(name: string, kc: KeyAndCert): KubeObject {
  return { apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace: NS }, type: 'kubernetes.io/tls', data: { 'tls.crt': Buffer.from(kc.cert).toString('base64'), 'tls.key': Buffer.from(kc.key).toString('base64') } };
}

interface Got {
  status: number;
  body: string;
  headers: http.IncomingHttpHeaders;
}

function get(port: number, host: string, p: string, method = 'GET', body?: string): Promise<Got> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path: p, method, headers: { host }, agent: false }, (res) => {
      let b = '';
      res.on('data', (c: Buffer) => (b += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: b, headers: res.headers }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

// Both data paths: in this process, and worker processes that get the connections and the route table over IPC.
for (const workers of [0, 2])
describe(`ingress controller (${workers ? `${workers} worker processes` : 'in-process'})`, () => {
  let api: TestApi;
  let ing: IngressController;
  let ca: KeyAndCert;
  let certA: KeyAndCert;
  let certB: KeyAndCert;
  const bs: Record<string, Backend> = {};
  const stop = new AbortController();
  let dead: number;

  before(async () => {
    api = await startTestApi();
    for (const n of ['a1', 'a2', 'b', 'new']) bs[n] = await backend(n);
    // A port nobody listens on: connections to it are refused.
    const tmp = http.createServer();
    await new Promise<void>((r) => tmp.listen(0, '127.0.0.1', r));
    dead = (tmp.address() as AddressInfo).port;
    await new Promise((r) => tmp.close(r));

    ca = makeCert({ commonName: 'test-ca', usage: 'ca', days: 1 });
    certA = makeCert({ commonName: 'a.example.test', sans: ['a.example.test'], usage: 'server', days: 1 }, ca);
    certB = makeCert({ commonName: 'wild.b.example.test', sans: ['*.b.example.test', 'b.example.test'], usage: 'server', days: 1 }, ca);
    const c = api.client;
    await c.create(secrets, NS, tlsSecret('a-tls', certA));
    await c.create(secrets, NS, tlsSecret('b-tls', certB));
    await c.create(services, NS, service('svc-a'));
    await c.create(services, NS, service('svc-b', [{ port: 8080 }]));
    await c.create(services, NS, service('svc-down'));
    // An ExternalName service: the ingress dials its DNS name (localhost, from /etc/hosts) on the Ingress's port.
    await c.create(services, NS, { apiVersion: 'v1', kind: 'Service', metadata: { name: 'svc-ext', namespace: NS }, spec: { type: 'ExternalName', externalName: 'localhost' } });
    await c.create(endpointslices, NS, slice('svc-a-1', 'svc-a', bs.a1!.port));
    await c.create(endpointslices, NS, slice('svc-a-2', 'svc-a', bs.a2!.port));
    // svc-a also has a refused endpoint: idempotent requests retry another one.
    await c.create(endpointslices, NS, slice('svc-a-dead', 'svc-a', dead));
    await c.create(endpointslices, NS, slice('svc-b-1', 'svc-b', bs.b!.port, true, ''));
    await c.create(endpointslices, NS, slice('svc-down-1', 'svc-down', bs.b!.port, false));
    await c.create(
      ingresses,
      NS,
      ingress('web', {
        tls: [{ hosts: ['a.example.test'], secretName: 'a-tls' }, { hosts: ['*.b.example.test', 'b.example.test'], secretName: 'b-tls' }],
        rules: [
          { host: 'a.example.test', http: { paths: [path('/', 'svc-a')] } },
          { host: 'b.example.test', http: { paths: [path('/api', 'svc-b', { number: 8080 }), path('/down', 'svc-down'), path('/missing', 'svc-missing'), path('/badport', 'svc-a', { name: 'nope' }), path('/ext', 'svc-ext', { number: bs.b!.port })] } },
          { host: '*.b.example.test', http: { paths: [path('/', 'svc-b', { number: 8080 })] } },
        ],
      }),
    );
    ing = await startIngress({
      client: c,
      logger: silentLogger,
      signal: stop.signal,
      nodeName: 'node-1',
      nodeIP: NODE_IP,
      http: { host: '127.0.0.1', port: 0 },
      https: { host: '127.0.0.1', port: 0 },
      className: 'tugboat',
      workers,
    });
    // Until the workers hold the table, connections are served here: wait, so the tests below exercise them.
    if (workers) await eventually(async () => (ing.workers?.current() === workers ? true : undefined), 'workers serving');
  });

  after(async () => {
    stop.abort();
    await ing?.close();
    for (const b of Object.values(bs)) {
      b.server.closeAllConnections();
      await new Promise((r) => b.server.close(r));
    }
    await api?.close();
  });

  it('creates its IngressClass, marked default', async () => {
    const cls = await api.client.get({ group: 'networking.k8s.io', version: 'v1', resource: 'ingressclasses', namespaced: false }, undefined, 'tugboat');
    assert.equal((cls.spec as { controller: string }).controller, 'tugboat.dev/ingress');
    assert.equal(cls.metadata?.annotations?.['ingressclass.kubernetes.io/is-default-class'], 'true');
  });

  it('routes by host and path over http, with forwarding headers', async () => {
    const a = await get(ing.httpPort!, 'a.example.test', '/hello?x=1');
    assert.equal(a.status, 200);
    assert.match(a.body, /^a[12] GET \/hello\?x=1$/);
    assert.equal(a.headers['echo-x-forwarded-for'], '127.0.0.1');
    assert.equal(a.headers['echo-x-real-ip'], '127.0.0.1');
    assert.equal(a.headers['echo-x-forwarded-proto'], 'http');
    assert.equal(a.headers['echo-x-forwarded-host'], 'a.example.test');
    assert.equal(a.headers['echo-x-forwarded-port'], String(ing.httpPort));
    assert.equal(a.headers['echo-host'], 'a.example.test');
    const b = await get(ing.httpPort!, 'b.example.test:80', '/api/users');
    assert.equal(b.body, 'b GET /api/users');
    assert.equal((await get(ing.httpPort!, 'x.b.example.test', '/anything')).body, 'b GET /anything');
    const nf = await get(ing.httpPort!, 'b.example.test', '/apix');
    assert.equal(nf.status, 404);
    assert.match(nf.body, /404 Not Found/);
    assert.equal((await get(ing.httpPort!, 'nobody.test', '/')).status, 404);
  });

  it('balances over the ready endpoints and retries a refused one for idempotent requests', async () => {
    const seen = new Map<string, number>();
    for (let i = 0; i < 12; i++) {
      const r = await get(ing.httpPort!, 'a.example.test', '/');
      assert.equal(r.status, 200, r.body);
      const who = r.body.split(' ')[0]!;
      seen.set(who, (seen.get(who) ?? 0) + 1);
    }
    assert.deepEqual([...seen.keys()].sort(), ['a1', 'a2']);
    // A POST is not retried: some POSTs land on the refused endpoint and get the 502 page.
    const codes = new Set<number>();
    for (let i = 0; i < 6; i++) codes.add((await get(ing.httpPort!, 'a.example.test', '/', 'POST', 'payload')).status);
    assert.deepEqual([...codes].sort(), [200, 502]);
  });

  it('streams request bodies to the backend', async () => {
    const r = await get(ing.httpPort!, 'b.example.test', '/api/echo', 'PUT', 'x'.repeat(100_000));
    assert.equal(r.body, `b PUT /api/echo ${'x'.repeat(100_000)}`);
  });

  it('answers 503 without a ready endpoint, and for a missing service or port, with Warning events', async () => {
    for (const p of ['/down', '/missing', '/badport']) {
      const r = await get(ing.httpPort!, 'b.example.test', p);
      assert.equal(r.status, 503, p);
      assert.match(r.body, /503 Service Temporarily Unavailable/);
    }
    const msgs = await eventually(async () => {
      const l = await api.client.list(events, NS);
      const m = l.items.filter((e) => (e.involvedObject as { name?: string }).name === 'web' && e.type === 'Warning').map((e) => String(e.message));
      return m.length >= 2 ? m.sort() : undefined;
    }, 'warning events');
    assert.deepEqual(msgs, ['service "default/svc-a" does not have a port named "nope"', 'service "default/svc-missing" not found']);
  });

  it('proxies to an ExternalName service by its DNS name', async () => {
    const r = await get(ing.httpPort!, 'b.example.test', '/ext/x');
    assert.equal(r.status, 200, r.body);
    assert.equal(r.body, 'b GET /ext/x');
    assert.equal(r.headers['echo-host'], 'b.example.test');
  });

  it('writes the node address into status.loadBalancer', async () => {
    const lb = await eventually(async () => {
      const o = await api.client.get(ingresses, NS, 'web');
      return (o.status as { loadBalancer?: { ingress?: unknown[] } } | undefined)?.loadBalancer?.ingress;
    }, 'status.loadBalancer.ingress');
    assert.deepEqual(lb, [{ ip: NODE_IP }]);
  });

  it('serves https with the Secret certificate chosen by SNI, and the default certificate for unknown names', async (t: TestContext) => {
    const curl = requireTool(t, 'curl', 'apt-get install curl');
    if (!curl) return;
    const { writeFileSync, mkdtempSync, rmSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const dir = mkdtempSync(join(tmpdir(), 'ingress-test-'));
    try {
      writeFileSync(join(dir, 'ca.crt'), ca.cert);
      const p = ing.httpsPort!;
      const res = (h: string) => ['--resolve', `${h}:${p}:127.0.0.1`, '--cacert', join(dir, 'ca.crt'), '-sS'];
      const a = await run(curl, [...res('a.example.test'), `https://a.example.test:${p}/tls`]);
      assert.match(a.stdout, /^a[12] GET \/tls$/);
      const h2 = await run(curl, [...res('x.b.example.test'), '--http2', '-w', ' %{http_version}', `https://x.b.example.test:${p}/h2`]);
      assert.equal(h2.stdout, 'b GET /h2 2');
      // An HTTP/2 request body (no content-length on the way in) reaches the HTTP/1.1 backend whole.
      const post = await run(curl, [...res('x.b.example.test'), '--http2', '--data-binary', 'y'.repeat(70_000), '-H', 'content-length:', `https://x.b.example.test:${p}/post`]);
      assert.equal(post.stdout, `b POST /post ${'y'.repeat(70_000)}`);
      const h1 = await run(curl, [...res('b.example.test'), '--http1.1', '-w', ' %{http_version}', '-H', 'x-forwarded-for: 6.6.6.6', '-D', '-', `https://b.example.test:${p}/api/h1`]);
      assert.match(h1.stdout, /b GET \/api\/h1 1\.1$/);
      assert.match(h1.stdout, /echo-x-forwarded-proto: https/);
      assert.match(h1.stdout, /echo-x-forwarded-for: 127\.0\.0\.1\r/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    const peer = (servername?: string) =>
      new Promise<string>((resolve, reject) => {
        const s = tls.connect({ host: '127.0.0.1', port: ing.httpsPort!, ...(servername ? { servername } : {}), rejectUnauthorized: false, ALPNProtocols: ['http/1.1'] }, () => {
          const pem = `-----BEGIN CERTIFICATE-----\n${s.getPeerCertificate().raw.toString('base64')}\n-----END CERTIFICATE-----\n`;
          s.end();
          resolve(subjectOf(pem).cn);
        });
        s.on('error', reject);
      });
    assert.equal(await peer('a.example.test'), 'a.example.test');
    assert.equal(await peer('q.b.example.test'), 'wild.b.example.test');
    assert.equal(await peer('unknown.test'), 'Tugboat Ingress Controller Fake Certificate');
    assert.equal(await peer(), 'Tugboat Ingress Controller Fake Certificate');
  });

  it('passes websockets through both ways, over http and https', async () => {
    for (const url of [`ws://127.0.0.1:${ing.httpPort}/ws`, `wss://127.0.0.1:${ing.httpsPort}/ws`]) {
      const ws = new WebSocket(url, { headers: { host: 'ws.b.example.test' }, ...({ servername: 'ws.b.example.test' } as object), rejectUnauthorized: false });
      const got: string[] = [];
      await new Promise<void>((resolve, reject) => {
        ws.on('open', () => ws.send('one'));
        ws.on('message', (m) => {
          got.push(m.toString());
          if (got.length === 1) ws.send('two');
          else ws.close();
        });
        ws.on('close', () => resolve());
        ws.on('error', reject);
      });
      assert.deepEqual(got, ['b:one', 'b:two'], url);
    }
  });

  it('streams server-sent events as they come', async () => {
    const started = Date.now();
    const first = await new Promise<{ chunk: string; at: number }>((resolve, reject) => {
      const req = http.get({ host: '127.0.0.1', port: ing.httpPort!, path: '/sse', headers: { host: 'a.example.test' }, agent: false }, (res) => {
        assert.equal(res.headers['content-type'], 'text/event-stream');
        res.once('data', (c: Buffer) => {
          resolve({ chunk: c.toString(), at: Date.now() - started });
          req.destroy();
        });
      });
      req.on('error', reject);
    });
    assert.equal(first.chunk, 'data: first\n\n');
    assert.ok(first.at < 1000, `first event after ${first.at} ms: held back until the stream ended`);
  });

  it('picks up endpoint changes live', async () => {
    await api.client.create(services, NS, service('svc-new'));
    await api.client.create(ingresses, NS, ingress('late', { rules: [{ host: 'late.test', http: { paths: [path('/', 'svc-new')] } }] }));
    await eventually(async () => ((await get(ing.httpPort!, 'late.test', '/')).status === 503 ? true : undefined), 'late ingress served (503, no endpoints yet)');
    await api.client.create(endpointslices, NS, slice('svc-new-1', 'svc-new', bs.new!.port));
    const r = await eventually(async () => {
      const g = await get(ing.httpPort!, 'late.test', '/');
      return g.status === 200 ? g : undefined;
    }, 'new endpoint used');
    assert.equal(r.body, 'new GET /');
    const s = await api.client.get(endpointslices, NS, 'svc-new-1');
    (s.endpoints as { conditions: { ready: boolean } }[])[0]!.conditions.ready = false;
    await api.client.update(endpointslices, NS, s);
    await eventually(async () => ((await get(ing.httpPort!, 'late.test', '/')).status === 503 ? true : undefined), 'not-ready endpoint dropped');
  });

  it('redirects http to https for Ingresses annotated tugboat.dev/ssl-redirect=true', async () => {
    const spec = (host: string) => ({ tls: [{ hosts: [host], secretName: 'a-tls' }], rules: [{ host, http: { paths: [path('/', 'svc-b', { number: 8080 })] } }] });
    await api.client.create(ingresses, NS, ingress('secure', spec('secure.test'), { 'tugboat.dev/ssl-redirect': 'true' }));
    await api.client.create(ingresses, NS, ingress('plain', spec('plain.test')));
    const r = await eventually(async () => {
      const g = await get(ing.httpPort!, 'secure.test', '/x?y=1');
      return g.status === 308 ? g : undefined;
    }, 'redirect');
    assert.equal(r.headers.location, `https://secure.test:${ing.httpsPort}/x?y=1`);
    assert.equal((await get(ing.httpPort!, 'plain.test', '/x')).status, 200);
  });

  it('serves only Ingresses of its class (by name, legacy annotation, or default class)', async () => {
    const rules = (host: string) => ({ rules: [{ host, http: { paths: [path('/', 'svc-b', { number: 8080 })] } }] });
    await api.client.create(ingresses, NS, ingress('other-class', { ingressClassName: 'nginx', ...rules('other.test') }));
    await api.client.create(ingresses, NS, ingress('legacy-other', rules('legacy-other.test'), { 'kubernetes.io/ingress.class': 'nginx' }));
    await api.client.create(ingresses, NS, ingress('legacy-ours', rules('legacy-ours.test'), { 'kubernetes.io/ingress.class': 'tugboat' }));
    await api.client.create(ingresses, NS, ingress('named-ours', { ingressClassName: 'tugboat', ...rules('named.test') }));
    for (const h of ['legacy-ours.test', 'named.test']) {
      await eventually(async () => ((await get(ing.httpPort!, h, '/')).status === 200 ? true : undefined), `${h} served`);
    }
    assert.equal((await get(ing.httpPort!, 'other.test', '/')).status, 404);
    assert.equal((await get(ing.httpPort!, 'legacy-other.test', '/')).status, 404);
    await eventually(async () => ((await api.client.get(ingresses, NS, 'named-ours')).status as { loadBalancer?: { ingress?: unknown[] } } | undefined)?.loadBalancer?.ingress, 'status of named-ours');
    const other = await api.client.get(ingresses, NS, 'other-class');
    assert.equal((other.status as { loadBalancer?: { ingress?: unknown[] } } | undefined)?.loadBalancer?.ingress, undefined);
  });

  // Only the worker run has workers to check (registered there alone, not skipped in the other).
  if (workers > 0) it('hands connections to the workers, and replaces one that dies', async () => {
    const pool = ing.workers!;
    const before = pool.handedOver;
    for (let i = 0; i < 4; i++) assert.equal((await get(ing.httpPort!, 'a.example.test', '/')).status, 200);
    assert.ok(pool.handedOver >= before + 4, `handed over ${pool.handedOver - before} of 4 connections`);
    const [victim] = pool.pids();
    process.kill(victim!, 'SIGKILL');
    // Connections handed to it in the instant it died die with it, as its open ones do. Once its exit is seen, its
    // share goes to the other worker or this process until the replacement has the table: no request fails.
    await eventually(async () => (pool.pids().includes(victim!) ? undefined : true), 'worker exit seen');
    for (let i = 0; i < 4; i++) assert.equal((await get(ing.httpPort!, 'a.example.test', '/')).status, 200);
    await eventually(async () => (pool.current() === workers ? true : undefined), 'worker replaced');
    assert.equal((await get(ing.httpPort!, 'a.example.test', '/')).status, 200);
  });
});
