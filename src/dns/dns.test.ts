// The DNS server on 127.0.0.1:<free port>, asked with dig: service, headless, endpoint hostname, SRV, pod, PTR,
// ExternalName, NXDOMAIN with SOA, AAAA NODATA, truncation to TCP, and forwarding to a local test upstream
// (never a real resolver) including its TCP fallback; SERVFAIL without upstreams.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { createServer } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import dnsPacket, { type Answer } from 'dns-packet';
import { startTestApi, eventually, type TestApi } from '../client/testing.js';
import { silentLogger } from '../util/logger.js';
import { requireTool } from '../../test/support/require-tool.js';
import { ENDPOINT_SLICES, PODS, SERVICES } from './cluster-view.js';
import { startDns, type DnsServer } from './index.js';

const run = promisify(execFile);

/** A local stand-in for an upstream resolver: *.test names, a big answer only complete over TCP. */
async function startUpstream(): Promise<{ port: number; udpQueries: string[]; tcpQueries: string[]; close(): Promise<void> }> {
  const udpQueries: string[] = [];
  const tcpQueries: string[] = [];
  const reply = (msg: Buffer, tcp: boolean): Buffer => {
    const q = dnsPacket.decode(msg);
    const name = q.questions?.[0]?.name ?? '';
    (tcp ? tcpQueries : udpQueries).push(name);
    const big = name === 'big.test';
    const answers: Answer[] =
      name === 'up.test' ? [{ name, type: 'A', ttl: 60, data: '198.51.100.7' }] : big ? Array.from({ length: 60 }, (_, i) => ({ name, type: 'A' as const, ttl: 60, data: `198.51.100.${i + 1}` })) : [];
    const flags = (answers.length ? 0 : 3) | (big && !tcp ? dnsPacket.TRUNCATED_RESPONSE : 0);
    return dnsPacket.encode({ type: 'response', id: q.id ?? 0, flags, questions: q.questions ?? [], answers: big && !tcp ? [] : answers });
  };
  const udp = createSocket('udp4');
  await new Promise<void>((r) => udp.bind(0, '127.0.0.1', () => r()));
  const port = udp.address().port;
  udp.on('message', (m, ri) => udp.send(reply(m, false), ri.port, ri.address));
  const tcp = createServer((s) => {
    let buf = Buffer.alloc(0);
    s.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      if (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
        const out = reply(buf.subarray(2, 2 + buf.readUInt16BE(0)), true);
        const len = Buffer.alloc(2);
        len.writeUInt16BE(out.length);
        s.end(Buffer.concat([len, out]));
      }
    });
  });
  await new Promise<void>((r) => tcp.listen(port, '127.0.0.1', () => r()));
  return { port, udpQueries, tcpQueries, close: () => new Promise((r) => (udp.close(), tcp.close(() => r()))) };
}

describe('cluster DNS server', () => {
  let t: TestApi;
  let dns: DnsServer;
  let bare: DnsServer;
  let up: Awaited<ReturnType<typeof startUpstream>>;
  const ac = new AbortController();
  let port = 0;

  const dig = async (args: string[], server = port) => {
    const { stdout } = await run('dig', ['@127.0.0.1', '-p', String(server), '+time=3', '+tries=1', ...args]);
    return stdout;
  };
  const short = async (...args: string[]) => (await dig(['+short', ...args])).trim().split('\n').filter(Boolean).sort();
  const status = async (...args: string[]) => /status: (\w+)/.exec(await dig(args))?.[1];

  before(async () => {
    t = await startTestApi();
    const c = t.client;
    up = await startUpstream();
    const svc = (name: string, spec: object) => c.create(SERVICES, 'demo', { apiVersion: 'v1', kind: 'Service', metadata: { name }, spec });
    await c.create({ group: '', version: 'v1', resource: 'namespaces', namespaced: false }, undefined, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'demo' } });
    await svc('web', { clusterIP: '10.43.0.20', selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 8080 }] });
    await svc('db', { clusterIP: 'None', selector: { app: 'db' }, ports: [{ name: 'pg', port: 5432 }] });
    await svc('ext', { type: 'ExternalName', externalName: 'web.demo.svc.cluster.local' });
    await svc('outside', { type: 'ExternalName', externalName: 'up.test' });
    const slice = (name: string, service: string, endpoints: object[], ports: object[]) =>
      c.create(ENDPOINT_SLICES, 'demo', { apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata: { name, labels: { 'kubernetes.io/service-name': service } }, addressType: 'IPv4', endpoints, ports } as never);
    await slice('db-1', 'db', [
      { addresses: ['10.42.0.31'], hostname: 'db-0', conditions: { ready: true } },
      { addresses: ['10.42.0.32'], hostname: 'db-1', conditions: { ready: true } },
      { addresses: ['10.42.0.33'], hostname: 'db-2', conditions: { ready: false } },
    ], [{ name: 'pg', port: 5432, protocol: 'TCP' }]);
    // A headless service big enough that its answer only fits over TCP.
    await svc('many', { clusterIP: 'None', selector: { app: 'many' } });
    await slice('many-1', 'many', Array.from({ length: 60 }, (_, i) => ({ addresses: [`10.42.1.${i + 1}`], conditions: { ready: true } })), []);
    await c.create(PODS, 'demo', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { containers: [{ name: 'c', image: 'i' }] } });
    await c.patch(PODS, 'demo', 'p', 'merge', { status: { podIP: '10.42.0.77' } }, { subresource: 'status' });
    dns = await startDns({ client: c, logger: silentLogger, signal: ac.signal, listen: [{ host: '127.0.0.1', port: 0 }], clusterDomain: 'cluster.local', upstreams: [`127.0.0.1:${up.port}`], serviceIP: '10.43.0.10' });
    port = dns.addresses[0]!.port;
    bare = await startDns({ client: c, logger: silentLogger, signal: ac.signal, listen: [{ host: '127.0.0.1', port: 0 }], clusterDomain: 'cluster.local', upstreams: [] });
  });
  after(async () => {
    ac.abort();
    await dns?.close();
    await bare?.close();
    await up?.close();
    await t?.close();
  });

  it('answers services, headless endpoints, hostnames, SRV, pods and PTR', async (ctx) => {
    if (!requireTool(ctx, 'dig', 'apt-get install dnsutils')) return;
    assert.deepEqual(await short('web.demo.svc.cluster.local'), ['10.43.0.20']);
    assert.deepEqual(await short('WEB.Demo.svc.cluster.local.'), ['10.43.0.20']);
    assert.deepEqual(await short('db.demo.svc.cluster.local'), ['10.42.0.31', '10.42.0.32']);
    assert.deepEqual(await short('db-1.db.demo.svc.cluster.local'), ['10.42.0.32']);
    assert.deepEqual(await short('10-42-0-31.db.demo.svc.cluster.local'), ['10.42.0.31']);
    assert.deepEqual(await short('SRV', '_http._tcp.web.demo.svc.cluster.local'), ['0 100 80 web.demo.svc.cluster.local.']);
    assert.deepEqual(await short('SRV', '_pg._tcp.db.demo.svc.cluster.local'), ['0 50 5432 db-0.db.demo.svc.cluster.local.', '0 50 5432 db-1.db.demo.svc.cluster.local.']);
    const srvFull = await dig(['SRV', '_pg._tcp.db.demo.svc.cluster.local']);
    assert.match(srvFull, /ADDITIONAL SECTION:\n(.*\n)*db-0\.db\.demo\.svc\.cluster\.local\.\s+5\s+IN\s+A\s+10\.42\.0\.31/);
    assert.deepEqual(await short('10-42-0-77.demo.pod.cluster.local'), ['10.42.0.77']);
    assert.deepEqual(await short('-x', '10.43.0.20'), ['web.demo.svc.cluster.local.']);
    assert.deepEqual(await short('-x', '10.42.0.31'), ['db-0.db.demo.svc.cluster.local.']);
    assert.deepEqual(await short('-x', '10.42.0.77'), ['10-42-0-77.demo.pod.cluster.local.']);
    assert.deepEqual(await short('ext.demo.svc.cluster.local'), ['10.43.0.20', 'web.demo.svc.cluster.local.']);
    const full = await dig(['web.demo.svc.cluster.local']);
    assert.match(full, /flags: qr aa rd ra/);
    assert.match(full, /web\.demo\.svc\.cluster\.local\.\s+5\s+IN\s+A\s+10\.43\.0\.20/);
  });

  it('NXDOMAIN with the SOA for unknown names, NODATA for AAAA, SERVFAIL without upstreams', async (ctx) => {
    if (!requireTool(ctx, 'dig', 'apt-get install dnsutils')) return;
    const nx = await dig(['nope.demo.svc.cluster.local']);
    assert.match(nx, /status: NXDOMAIN/);
    assert.match(nx, /AUTHORITY SECTION:\ncluster\.local\.\s+5\s+IN\s+SOA\s+ns\.dns\.cluster\.local\. hostmaster\.cluster\.local\. \d+ 7200 1800 86400 5/);
    assert.equal(await status('web.demo.demo.svc.cluster.local'), 'NXDOMAIN');
    assert.equal(await status('-x', '10.43.9.9'), 'NXDOMAIN');
    const aaaa = await dig(['AAAA', 'web.demo.svc.cluster.local']);
    assert.match(aaaa, /status: NOERROR/);
    assert.match(aaaa, /ANSWER: 0/);
    assert.equal(await status('up.test'), 'NOERROR');
    assert.match(await dig(['up.test'], bare.addresses[0]!.port), /status: SERVFAIL/);
  });

  it('forwards other names to the upstream, with TCP when truncated; big cluster answers truncate to TCP', async (ctx) => {
    if (!requireTool(ctx, 'dig', 'apt-get install dnsutils')) return;
    assert.deepEqual(await short('up.test'), ['198.51.100.7']);
    // An ExternalName outside the cluster: the CNAME, and the target's address from upstream.
    assert.deepEqual(await short('outside.demo.svc.cluster.local'), ['198.51.100.7', 'up.test.']);
    assert.equal(await status('missing.test'), 'NXDOMAIN');
    // big.test comes back truncated over UDP; we ask again over TCP and relay the whole of it when it fits dig's EDNS size.
    const big = await short('+bufsize=4096', 'big.test');
    assert.equal(big.length, 60);
    assert.ok(up.tcpQueries.includes('big.test'));
    // Without EDNS the answer is too big for 512 bytes: dig sees TC and retries over TCP itself.
    assert.equal((await short('+noedns', 'many.demo.svc.cluster.local')).length, 60);
    const tc = await dig(['+noedns', '+ignore', 'many.demo.svc.cluster.local']);
    assert.match(tc, /flags: qr aa tc/);
    assert.equal((await short('+tcp', 'many.demo.svc.cluster.local')).length, 60);
  });

  it('made the kube-dns service', async () => {
    const s = await eventually(() => t.client.get<{ spec?: { clusterIP?: string; ports?: { name?: string; protocol?: string }[] } } & import('../api/object.js').KubeObject>(SERVICES, 'kube-system', 'kube-dns'), 'kube-dns');
    assert.equal(s.spec?.clusterIP, '10.43.0.10');
    assert.deepEqual(s.spec?.ports?.map((p) => [p.name, p.protocol]), [['dns', 'UDP'], ['dns-tcp', 'TCP']]);
    assert.equal(s.metadata?.labels?.['k8s-app'], 'kube-dns');
  });
});
