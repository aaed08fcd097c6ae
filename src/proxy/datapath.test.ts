// The nftables data path for real: namespaces on a bridge of our own (10.42.250.0/24), HTTP servers in them,
// Services and EndpointSlices in an in-process API, the proxy in a table of its own. Needs root, nft and ip;
// skipped otherwise (a failure when CI=true). Cleans up every namespace, link, route and table it made.
import assert from 'node:assert/strict';
import { writeFile, readFile } from 'node:fs/promises';
import { after, before, describe, it, type TestContext } from 'node:test';
import { startTestApi, type TestApi } from '../client/testing.js';
import { endpointslices, services } from '../client/index.js';
import { claimAddresses, releaseAddresses, type Claim } from '../network/host-rules.js';
import { createLogger } from '../util/logger.js';
import { findTool } from '../../test/support/require-tool.js';
import { runTool } from './exec.js';
import { startProxy, waitForRules, type Proxy } from './index.js';
import { createTestNet, countScript, udpScript, type TestNet } from './testing-net.js';
import { SharedInformerFactory, nodes } from '../client/index.js';
import { startServiceLbController } from '../controllers/servicelb/index.js';
import { realClock } from '../util/clock.js';

const TABLE = 'tugboat-proxy-test';
const PREFIX = '10.42.250';
const NODE = 'px-node';
const CIP = '10.43.250.10';
const NS = ['tpx-a', 'tpx-b', 'tpx-c', 'tpx-cl'];

const missing = process.getuid?.() !== 0 ? 'root' : ['nft', 'ip'].find((t) => !findTool(t));
function needRoot(t: TestContext): boolean {
  if (!missing) return true;
  const msg = missing === 'root' ? 'needs root (nftables and network namespaces)' : `${missing} not found: apt install nftables iproute2`;
  if (process.env.CI === 'true') throw new Error(msg);
  t.skip(msg);
  return false;
}

const ip = (ns: string) => `${PREFIX}.${10 + NS.indexOf(ns)}`;
const ep = (ns: string, ready = true) => ({ addresses: [ip(ns)], nodeName: NODE, conditions: { ready, serving: ready, terminating: false } });
const slice = (svc: string, eps: object[], port = 8080) => ({
  apiVersion: 'discovery.k8s.io/v1',
  kind: 'EndpointSlice',
  metadata: { name: `${svc}-1`, namespace: 'default', labels: { 'kubernetes.io/service-name': svc } },
  addressType: 'IPv4',
  ports: [{ name: 'http', port, protocol: 'TCP' }],
  endpoints: eps,
});
const service = (name: string, spec: object) => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name, namespace: 'default' },
  spec: { selector: { app: name }, ports: [{ name: 'http', port: 80, targetPort: 8080, protocol: 'TCP' }], ...spec },
});
const onHost = async (script: string) => {
  const r = await runTool('timeout', ['10', process.execPath, '-e', script]);
  if (r.code !== 0) throw new Error(r.stderr);
  return r.stdout;
};
const counts = (out: string) => JSON.parse(out) as Record<string, number>;

describe('nftables data path', { concurrency: false, timeout: 60_000 }, () => {
  let net: TestNet | undefined;
  let claim: Claim | undefined;
  let api: TestApi | undefined;
  let proxy: Proxy | undefined;
  let forwardBefore = '';
  const abort = new AbortController();

  const start = () =>
    startProxy({
      client: api!.client,
      logger: createLogger({ level: 'warn' }),
      signal: abort.signal,
      nodeName: NODE,
      nodeIPs: [`${PREFIX}.1`, '127.0.0.1'],
      mode: 'nftables',
      serviceCidr: '10.43.0.0/16',
      clusterCidr: '10.42.0.0/16',
      // As a node agent runs it: ClusterIPs in prerouting only for this bridge's pods.
      podBridge: 'tugpx0',
      table: TABLE,
    });
  /** Writes a slice and waits until the proxy has applied the change. */
  const putSlice = async (s: ReturnType<typeof slice>) => {
    const cur = await api!.client.get(endpointslices, 'default', s.metadata.name).catch(() => undefined);
    if (cur) await api!.client.update(endpointslices, 'default', { ...s, metadata: { ...s.metadata, resourceVersion: cur.metadata?.resourceVersion } });
    else await api!.client.create(endpointslices, 'default', s);
  };
  const settle = async () => {
    await new Promise((r) => setTimeout(r, 30)); // let the watch deliver the write
    await proxy!.synced();
  };

  before(async () => {
    if (missing) return;
    forwardBefore = (await readFile('/proc/sys/net/ipv4/ip_forward', 'utf8')).trim();
    net = await createTestNet({ bridge: 'tugpx0', prefix: PREFIX, namespaces: NS });
    claim = await claimAddresses({ clusterCidr: '10.42.0.0/16', serviceCidr: '10.43.0.0/16', bridge: 'tugpx0' });
    await writeFile('/proc/sys/net/ipv4/ip_forward', '1');
    await Promise.all(['tpx-a', 'tpx-b', 'tpx-c'].map((ns) => net!.serve(ns, 8080)));
    api = await startTestApi();
    await api.client.create(services, 'default', service('web', { clusterIP: CIP }));
    await putSlice(slice('web', [ep('tpx-a'), ep('tpx-b'), ep('tpx-c')]));
    proxy = await start();
  });

  after(async () => {
    abort.abort();
    await proxy?.stop();
    await api?.close();
    if (claim) await releaseAddresses(claim);
    await net?.cleanup();
    if (forwardBefore === '0' && !claim) await writeFile('/proc/sys/net/ipv4/ip_forward', '0').catch(() => undefined);
    await runTool('nft', ['delete', 'table', 'ip', TABLE]);
  });

  it('spreads ClusterIP connections from the host and from a pod over every ready backend', async (t) => {
    if (!needRoot(t)) return;
    const fromHost = counts(await onHost(countScript(`http://${CIP}/`, 60)));
    const fromPod = counts(await net!.nodeIn('tpx-cl', countScript(`http://${CIP}/`, 60)));
    for (const c of [fromHost, fromPod]) {
      assert.deepEqual(Object.keys(c).sort(), ['tpx-a', 'tpx-b', 'tpx-c'], JSON.stringify(c));
      for (const n of Object.values(c)) assert.ok(n >= 5, JSON.stringify(c));
    }
  });

  it('lets a backend reach its own service (hairpin) and its neighbours through it', async (t) => {
    if (!needRoot(t)) return;
    const c = counts(await net!.nodeIn('tpx-a', countScript(`http://${CIP}/`, 45)));
    assert.deepEqual(Object.keys(c).sort(), ['tpx-a', 'tpx-b', 'tpx-c'], JSON.stringify(c));
  });

  it('lets pods on one bridge reach each other through their services both ways', async (t) => {
    if (!needRoot(t)) return;
    await api!.client.create(services, 'default', service('only-a', { clusterIP: '10.43.250.15' }));
    await api!.client.create(services, 'default', service('only-b', { clusterIP: '10.43.250.16' }));
    await putSlice(slice('only-a', [ep('tpx-a')]));
    await putSlice(slice('only-b', [ep('tpx-b')]));
    await settle();
    assert.deepEqual(counts(await net!.nodeIn('tpx-b', countScript('http://10.43.250.15/', 5))), { 'tpx-a': 5 });
    assert.deepEqual(counts(await net!.nodeIn('tpx-a', countScript('http://10.43.250.16/', 5))), { 'tpx-b': 5 });
  });

  it('keeps a pod client\'s address and masquerades the host\'s', async (t) => {
    if (!needRoot(t)) return;
    // With br_netfilter on (the usual case) pod sources are kept; with it off every source is masqueraded.
    const brnf = (await readFile('/proc/sys/net/bridge/bridge-nf-call-iptables', 'utf8').catch(() => '0')).trim() === '1';
    const fromPod = Object.keys(counts(await net!.nodeIn('tpx-cl', countScript('http://10.43.250.15/ip', 3))));
    assert.ok(fromPod.length === 1 && fromPod[0]!.endsWith(brnf ? ip('tpx-cl') : `${PREFIX}.1`), JSON.stringify(fromPod));
    const fromHost = Object.keys(counts(await onHost(countScript('http://10.43.250.15/ip', 3))));
    assert.ok(fromHost.length === 1 && fromHost[0]!.endsWith(`${PREFIX}.1`), JSON.stringify(fromHost));
  });

  it('stops sending new connections to an endpoint once it is not ready', async (t) => {
    if (!needRoot(t)) return;
    await putSlice(slice('web', [ep('tpx-a'), ep('tpx-b'), ep('tpx-c', false)]));
    await settle();
    const c = counts(await net!.nodeIn('tpx-cl', countScript(`http://${CIP}/`, 40)));
    assert.deepEqual(Object.keys(c).sort(), ['tpx-a', 'tpx-b'], JSON.stringify(c));
    await putSlice(slice('web', [ep('tpx-a'), ep('tpx-b'), ep('tpx-c')]));
    await settle();
  });

  it('answers a NodePort on the node address, from the host and from a pod', async (t) => {
    if (!needRoot(t)) return;
    await api!.client.create(services, 'default', service('np', { type: 'NodePort', ports: [{ name: 'http', port: 80, targetPort: 8080, nodePort: 31080 }] }));
    await putSlice(slice('np', [ep('tpx-b')]));
    await settle();
    assert.deepEqual(counts(await onHost(countScript(`http://${PREFIX}.1:31080/`, 5))), { 'tpx-b': 5 });
    assert.deepEqual(counts(await net!.nodeIn('tpx-cl', countScript(`http://${PREFIX}.1:31080/`, 5))), { 'tpx-b': 5 });
    // Not by nftables on loopback (as kube-proxy), but by the relay: a node whose address is 127.0.0.1 still answers.
    assert.doesNotMatch(proxy!.state().rules, /127\.0\.0\.1/);
    assert.deepEqual(proxy!.state().listeners, ['TCP/127.0.0.1:31080']);
    assert.deepEqual(counts(await onHost(countScript('http://127.0.0.1:31080/', 5))), { 'tpx-b': 5 });
  });

  it('keeps a client on one backend with sessionAffinity ClientIP', async (t) => {
    if (!needRoot(t)) return;
    const sticky = '10.43.250.11';
    await api!.client.create(services, 'default', service('sticky', { clusterIP: sticky, sessionAffinity: 'ClientIP' }));
    await putSlice(slice('sticky', [ep('tpx-a'), ep('tpx-b'), ep('tpx-c')]));
    await settle();
    const c = counts(await net!.nodeIn('tpx-cl', countScript(`http://${sticky}/`, 20)));
    assert.equal(Object.keys(c).length, 1, JSON.stringify(c));
  });

  it('refuses connections to a service with a selector and no ready endpoint', async (t) => {
    if (!needRoot(t)) return;
    const ip = '10.43.250.12';
    await api!.client.create(services, 'default', service('none', { clusterIP: ip }));
    await putSlice(slice('none', [ep('tpx-a', false)]));
    await settle();
    const started = Date.now();
    assert.deepEqual(counts(await net!.nodeIn('tpx-cl', countScript(`http://${ip}/`, 3))), { 'error:ECONNREFUSED': 3 });
    assert.deepEqual(counts(await onHost(countScript(`http://${ip}/`, 3))), { 'error:ECONNREFUSED': 3 });
    assert.ok(Date.now() - started < 5000);
  });

  it('relays UDP through a ClusterIP', async (t) => {
    if (!needRoot(t)) return;
    await net!.serveUdp('tpx-c', 5353);
    const dns = '10.43.250.14';
    await api!.client.create(services, 'default', service('udp', { clusterIP: dns, ports: [{ name: 'dns', port: 53, targetPort: 5353, protocol: 'UDP' }] }));
    await putSlice({ ...slice('udp', [ep('tpx-c')]), ports: [{ name: 'dns', port: 5353, protocol: 'UDP' }] });
    await settle();
    assert.equal((await net!.nodeIn('tpx-cl', udpScript(dns, 53))).trim(), 'tpx-c');
    assert.equal((await onHost(udpScript(dns, 53))).trim(), 'tpx-c');
  });

  it('moves a UDP flow off an endpoint that is gone (its conntrack entries are deleted), as kube-proxy does', async (t) => {
    if (!needRoot(t)) return;
    if (!findTool('conntrack')) {
      const msg = 'conntrack not found: apt-get install conntrack';
      if (process.env.CI === 'true') throw new Error(msg);
      return t.skip(msg);
    }
    await Promise.all([net!.serveUdp('tpx-a', 5354), net!.serveUdp('tpx-b', 5354)]);
    const vip = '10.43.250.25';
    await api!.client.create(services, 'default', service('udp2', { clusterIP: vip, ports: [{ name: 'dns', port: 53, targetPort: 5354, protocol: 'UDP' }] }));
    await putSlice({ ...slice('udp2', [ep('tpx-a')]), ports: [{ name: 'dns', port: 5354, protocol: 'UDP' }] });
    await settle();
    // One client socket (one source port: one conntrack flow) asking every 50 ms for 3 s; each reply noted with its time.
    const client = net!.nodeIn(
      'tpx-cl',
      `const s=require('dgram').createSocket('udp4');const got=[];s.on('message',m=>got.push([Date.now(),String(m)]));
s.bind(40053,()=>{const t=setInterval(()=>s.send('q',53,${JSON.stringify(vip)}),50);setTimeout(()=>{clearInterval(t);console.log(JSON.stringify(got));process.exit(0)},3000)})`,
    );
    await new Promise((r) => setTimeout(r, 1000));
    // tpx-a leaves the service (its server still answers, so only a stale flow would still reach it).
    await putSlice({ ...slice('udp2', [ep('tpx-b')]), ports: [{ name: 'dns', port: 5354, protocol: 'UDP' }] });
    await settle();
    const changed = Date.now();
    const got = JSON.parse(await client) as [number, string][];
    const before = got.filter(([at]) => at < changed - 200).map(([, who]) => who);
    const after = got.filter(([at]) => at > changed + 200).map(([, who]) => who);
    assert.ok(before.length > 5 && before.every((w) => w === 'tpx-a'), `before the change: ${before.join(',')}`);
    assert.ok(after.length > 5 && after.every((w) => w === 'tpx-b'), `after the change: ${after.join(',')}`);
  });

  it('gives a LoadBalancer service the node address (servicelb) and answers its port there', async (t) => {
    if (!needRoot(t)) return;
    const lbAbort = new AbortController();
    const node = await api!.client.create(nodes, undefined, { apiVersion: 'v1', kind: 'Node', metadata: { name: NODE } });
    await api!.client.update(nodes, undefined, { ...node, status: { addresses: [{ type: 'InternalIP', address: `${PREFIX}.1` }], conditions: [{ type: 'Ready', status: 'True' }] } }, { subresource: 'status' });
    const lb = startServiceLbController({
      client: api!.client,
      informers: new SharedInformerFactory({ client: api!.client, logger: createLogger({ level: 'error' }) }),
      clock: realClock,
      logger: createLogger({ level: 'error' }),
      signal: lbAbort.signal,
    });
    try {
      await api!.client.create(services, 'default', service('lb', { type: 'LoadBalancer', ports: [{ name: 'http', port: 8081, targetPort: 8080 }] }));
      await putSlice(slice('lb', [ep('tpx-a')]));
      const deadline = Date.now() + 5000;
      let ingress: { ip?: string }[] | undefined;
      while (!ingress?.length && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 20));
        ingress = (await api!.client.get<{ status?: { loadBalancer?: { ingress?: { ip?: string }[] } } } & import('../api/object.js').KubeObject>(services, 'default', 'lb')).status?.loadBalancer?.ingress;
      }
      assert.deepEqual(ingress, [{ ip: `${PREFIX}.1`, ipMode: 'VIP' }]);
      await settle();
      assert.deepEqual(counts(await net!.nodeIn('tpx-cl', countScript(`http://${PREFIX}.1:8081/`, 5))), { 'tpx-a': 5 });
      assert.deepEqual(counts(await onHost(countScript(`http://${PREFIX}.1:8081/`, 5))), { 'tpx-a': 5 });
    } finally {
      lbAbort.abort();
      await lb;
    }
  });

  it('programs an EndpointSlice change within 100 ms (p50/p99 over 50 changes)', async (t) => {
    if (!needRoot(t)) return;
    const times: number[] = [];
    const syncMs: number[] = [];
    const off = proxy!.onSync((s) => s.applied && syncMs.push(s.durationMs));
    for (let i = 0; i < 50; i++) {
      const target = i % 2 ? ['tpx-a', 'tpx-b', 'tpx-c'] : ['tpx-a', 'tpx-b'];
      const want = (r: string) => r.includes(`web__${ip('tpx-c')}/8080 meta l4proto tcp dnat`) === target.includes('tpx-c');
      const t0 = performance.now();
      const done = waitForRules(proxy!, (st) => want(st.rules), 2000);
      await putSlice(slice('web', target.map((n) => ep(n))));
      times.push((await done) - t0);
    }
    off();
    times.sort((a, b) => a - b);
    syncMs.sort((a, b) => a - b);
    const p = (q: number, xs = times) => xs[Math.min(xs.length - 1, Math.floor(q * xs.length))]!;
    t.diagnostic(`EndpointSlice change -> rules in place: p50 ${p(0.5).toFixed(1)} ms, p99 ${p(0.99).toFixed(1)} ms`);
    t.diagnostic(`of which one sync (render + nft -f): p50 ${p(0.5, syncMs).toFixed(1)} ms, p99 ${p(0.99, syncMs).toFixed(1)} ms`);
    assert.ok(p(0.5) < 100, `p50 ${p(0.5)} ms`);
  });

  it('removes its table on stop and puts the same rules back after a restart', async (t) => {
    if (!needRoot(t)) return;
    await settle();
    const before = proxy!.state().rules;
    const listed = (await runTool('nft', ['list', 'table', 'ip', TABLE])).stdout;
    await proxy!.stop();
    assert.notEqual((await runTool('nft', ['list', 'table', 'ip', TABLE])).code, 0);
    proxy = await start();
    const noDeletes = (s: string) => s.split('\n').filter((l) => !l.startsWith('delete ')).join('\n');
    assert.equal(noDeletes(proxy.state().rules), noDeletes(before));
    const relisted = (await runTool('nft', ['list', 'table', 'ip', TABLE])).stdout;
    // Sticky clients recorded in affinity sets (lines with `expires`) are the one thing a restart forgets; nft
    // lists chains in creation order, which differs for a table that lived through changes.
    const rulesOnly = (s: string) => s.split('\n').filter((l) => !l.includes('expires')).sort().join('\n');
    assert.equal(rulesOnly(relisted), rulesOnly(listed));
    const c = counts(await net!.nodeIn('tpx-cl', countScript(`http://${CIP}/`, 30)));
    assert.ok(Object.keys(c).length >= 2 && !Object.keys(c).some((k) => k.startsWith('error')), JSON.stringify(c));
  });

  it('puts its rules back when its table was deleted by hand', async (t) => {
    if (!needRoot(t)) return;
    await runTool('nft', ['delete', 'table', 'ip', TABLE]);
    const back = waitForRules(proxy!, (st) => !st.rules.includes(`web__${ip('tpx-c')}/8080`), 5000);
    await putSlice(slice('web', [ep('tpx-a'), ep('tpx-b')])); // its first sync fails: it deletes a chain that is gone
    await back;
    await settle();
    const c = counts(await net!.nodeIn('tpx-cl', countScript(`http://${CIP}/`, 20)));
    assert.deepEqual(Object.keys(c).sort(), ['tpx-a', 'tpx-b'], JSON.stringify(c));
  });

  it('measures requests/s through a ClusterIP against the backend directly (wrk, 3 s each)', async (t) => {
    if (!needRoot(t)) return;
    if (!findTool('wrk')) return t.skip('wrk not found: apt install wrk');
    const one = '10.43.250.13';
    await api!.client.create(services, 'default', service('one', { clusterIP: one }));
    await putSlice(slice('one', [ep('tpx-b')]));
    await settle();
    const rps = async (url: string) => {
      const r = await runTool('wrk', ['-t', '1', '-c', '16', '-d', '3s', url]);
      return Number(/Requests\/sec:\s+([\d.]+)/.exec(r.stdout)?.[1] ?? 0);
    };
    const direct = await rps(`http://${ip('tpx-b')}:8080/`);
    const viaService = await rps(`http://${one}/`);
    t.diagnostic(`wrk: direct ${direct.toFixed(0)} req/s, ClusterIP ${viaService.toFixed(0)} req/s (${((100 * viaService) / direct).toFixed(1)}%)`);
    assert.ok(direct > 0 && viaService > 0);
  });
});
