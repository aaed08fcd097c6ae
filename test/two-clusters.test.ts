// Two Tugboat clusters on one machine, both with their node services (nftables proxy, cluster DNS), started at
// once: each has its own bridge and pod range but the same service addresses (10.43.0.1 for the API, 10.43.0.10
// for DNS). From a pod of each (commands run in the pod's network namespace, as the process runtime runs them),
// its own cluster's names resolve and the other's do not, and 10.43.0.1 is its own API (the serving certificate
// verifies against its own CA only). Then one server stops and the other's pods keep resolving and reaching their
// API. DNS for outside names goes only to a test server on loopback; no name is looked up but through
// `dig @10.43.0.10`. Needs root, the CNI plugins, nft, curl and dig.
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, it, type TestContext } from 'node:test';
import type { Pod } from 'kubernetes-types/core/v1.js';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import type { KubeObject } from '../src/api/object.js';
import { clientFromKubeconfig, endpointslices, pods, services, type RestClient } from '../src/client/index.js';
import { netnsName } from '../src/network/index.js';
import { startDnsUpstream, type DnsUpstream } from './support/dns-upstream.js';
import { poll } from './support/poll.js';
import { stopAgentCluster } from './support/real-pods.js';
import { haveAllTools, POD_NETWORK_TOOLS, requireRootAndTools, SERVICE_CLIENT_TOOLS, type Tool } from './support/require-tool.js';
import { startTugCluster, type TugCluster } from './support/tug-cluster.js';

type P = Pod & KubeObject;
type ES = EndpointSlice & KubeObject;

const TOOLS: Tool[] = [...POD_NETWORK_TOOLS, ...SERVICE_CLIENT_TOOLS];
const haveTools = process.getuid?.() === 0 && haveAllTools(TOOLS);
const sh = promisify(execFile);

interface Side {
  key: 'a' | 'b';
  bridge: string;
  podCidr: string;
  node: string;
  server?: TugCluster;
  api?: RestClient;
  /** The client pod's network namespace. */
  netns?: string;
  stopped?: boolean;
}
const A: Side = { key: 'a', bridge: 'tugt238', podCidr: '10.42.238.0/24', node: 'tug-two-a' };
const B: Side = { key: 'b', bridge: 'tugt239', podCidr: '10.42.239.0/24', node: 'tug-two-b' };
let upstream: DnsUpstream | undefined;

const caOf = (s: Side) => join(s.server!.dataDir, 'pki', 'ca.crt');
const other = (s: Side) => (s === A ? B : A);

/** Runs argv in the side's client pod network namespace: exit code and output. */
async function inPod(s: Side, argv: string[]): Promise<{ code: number; out: string }> {
  try {
    const { stdout, stderr } = await sh('ip', ['netns', 'exec', s.netns!, ...argv], { timeout: 15_000 });
    return { code: 0, out: stdout + stderr };
  } catch (e) {
    const x = e as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof x.code === 'number' ? x.code : -1, out: `${x.stdout ?? ''}${x.stderr ?? ''}` };
  }
}

/** dig at the cluster DNS address from the pod: status (NOERROR, NXDOMAIN...) and the A records. */
async function lookup(s: Side, name: string): Promise<{ status: string; addrs: string[]; out: string }> {
  const r = await inPod(s, ['dig', '@10.43.0.10', '+tries=1', '+time=2', '+noall', '+comments', '+answer', name, 'A']);
  const status = /status: (\w+)/.exec(r.out)?.[1] ?? `dig exit ${r.code}`;
  const addrs = [...r.out.matchAll(/\sIN\s+A\s+(\d+\.\d+\.\d+\.\d+)/g)].map((m) => m[1]!);
  return { status, addrs, out: r.out };
}

/** curl https://10.43.0.1/version from the pod, verifying the serving certificate against the given CA. */
const apiVersion = (s: Side, ca: string) => inPod(s, ['curl', '-sS', '--max-time', '5', '--cacert', ca, 'https://10.43.0.1/version']);

const detail = () => ['A', 'B'].map((n, i) => `--- server ${n}:\n${[A, B][i]!.server?.output().slice(-2000) ?? ''}`).join('\n');
const waitFor = <T>(what: string, fn: () => Promise<T | undefined | false>, ms = 30_000) => poll(what, fn, { ms, everyMs: 200, detail });

function usable(t: TestContext): boolean {
  if (!requireRootAndTools(t, 'the two-clusters suite needs root (pod network namespaces, nftables)', TOOLS)) return false;
  assert.ok(A.server && B.server, 'the servers did not start (see the before hook)');
  return true;
}

async function startSide(s: Side): Promise<void> {
  s.server = await startTugCluster({
    simNodes: 0,
    agent: true,
    services: true,
    timeoutMs: 60_000,
    args: [
      '--node-ip', '127.0.0.1', '--kubelet-port', '0', '--pod-cidr', s.podCidr, '--cni-bridge', s.bridge, '--node-name', s.node,
      '--shutdown-grace-period', '2', '--proxy-mode', 'nftables', '--dns-upstream', `127.0.0.1:${upstream!.port}`, '--no-ingress',
    ],
  });
  s.api = clientFromKubeconfig(s.server.kubeconfig);
}

async function stopSide(s: Side): Promise<string[]> {
  s.api?.close();
  if (!s.server || s.stopped) return [];
  s.stopped = true;
  return (await stopAgentCluster(s.server, s.bridge, `two-clusters (server ${s.key})`)).left;
}

let startMs = 0;
before(async () => {
  if (!haveTools) return;
  upstream = await startDnsUpstream({ 'outside.test': ['127.0.0.9'] });
  const t0 = Date.now();
  await Promise.all([startSide(A), startSide(B)]);
  startMs = Date.now() - t0;
});

after(async () => {
  await Promise.all([stopSide(A), stopSide(B)]);
  await upstream?.close();
});

describe('two clusters on one machine', { concurrency: false }, () => {
  it('each pod resolves its own cluster\'s names only and reaches its own API at 10.43.0.1', async (t) => {
    if (!usable(t)) return;
    t.diagnostic(`both servers ready in ${startMs} ms`);
    // Neither server warned that its DNS could not start (the second one used to find 10.43.0.10:53 taken).
    for (const s of [A, B]) assert.doesNotMatch(s.server!.output(), /cluster DNS could not start/, s.server!.output());
    await Promise.all(
      [A, B].map(async (s) => {
        const api = s.api!;
        await api.create(services, 'default', {
          apiVersion: 'v1',
          kind: 'Service',
          metadata: { name: `only-${s.key}`, namespace: 'default' },
          spec: { selector: { app: `only-${s.key}` }, ports: [{ port: 80 }] },
        });
        await api.create(pods, 'default', {
          apiVersion: 'v1',
          kind: 'Pod',
          metadata: { name: 'client', namespace: 'default' },
          spec: { terminationGracePeriodSeconds: 1, containers: [{ name: 'main', image: 'busybox', command: ['sleep', '3600'] }] },
        });
        const pod = await waitFor(`client pod running in ${s.key}`, async () => {
          const p = await api.get<P>(pods, 'default', 'client');
          return p.status?.phase === 'Running' && p;
        });
        assert.ok(pod.status?.podIP && pod.status.podIP.startsWith(s.podCidr.replace(/0\/24$/, '')), `pod IP ${pod.status?.podIP} not in ${s.podCidr}`);
        s.netns = netnsName(pod.metadata!.uid!);
        // The node's DNS endpoint: the pod gateway, published by the DNS server
        const slice = await api.get<ES>(endpointslices, 'kube-system', `kube-dns-${s.node}`);
        assert.deepEqual(slice.endpoints?.map((e) => e.addresses[0]), [s.podCidr.replace(/0\/24$/, '1')]);
      }),
    );
    for (const s of [A, B]) {
      const own = await waitFor(`only-${s.key} resolving in ${s.key}`, async () => {
        const r = await lookup(s, `only-${s.key}.default.svc.cluster.local`);
        return r.status === 'NOERROR' && r.addrs.length === 1 && r;
      });
      const svc = await s.api!.get<KubeObject & { spec?: { clusterIP?: string } }>(services, 'default', `only-${s.key}`);
      assert.deepEqual(own.addrs, [svc.spec!.clusterIP], own.out);
      const theirs = await lookup(s, `only-${other(s).key}.default.svc.cluster.local`);
      assert.equal(theirs.status, 'NXDOMAIN', theirs.out);
      const k8s = await lookup(s, 'kubernetes.default.svc.cluster.local');
      assert.deepEqual(k8s.addrs, ['10.43.0.1'], k8s.out);
      // Its own API: the certificate verifies against its own CA, and not against the other cluster's.
      const mine = await apiVersion(s, caOf(s));
      assert.equal(mine.code, 0, mine.out);
      assert.match(mine.out, /"gitVersion"/);
      const wrong = await apiVersion(s, caOf(other(s)));
      assert.notEqual(wrong.code, 0, `${s.key}'s pod reached an API whose certificate the other CA signed: ${wrong.out}`);
      t.diagnostic(`${s.key}: only-${s.key} -> ${own.addrs.join(',')}, only-${other(s).key} -> ${theirs.status}, API via 10.43.0.1 verified with its own CA`);
    }
  });

  it('stopping one server leaves the other cluster\'s pods resolving and reaching their API', async (t) => {
    if (!usable(t)) return;
    assert.ok(A.netns && B.netns, 'the first test did not get the pods running');
    assert.deepEqual(await stopSide(A), [], 'server a left these behind');
    const tables = spawnSync('nft', ['list', 'tables', 'ip'], { encoding: 'utf8' }).stdout ?? '';
    assert.doesNotMatch(tables, /tugboat-proxy-tug-two-a\b/, 'server a left its proxy table');
    assert.match(tables, /tugboat-proxy-tug-two-b\b/);
    const own = await lookup(B, 'only-b.default.svc.cluster.local');
    assert.equal(own.status, 'NOERROR', own.out);
    const gone = await lookup(B, 'only-a.default.svc.cluster.local');
    assert.equal(gone.status, 'NXDOMAIN', gone.out);
    const outside = await lookup(B, 'outside.test');
    assert.deepEqual(outside.addrs, ['127.0.0.9'], outside.out);
    const mine = await apiVersion(B, caOf(B));
    assert.equal(mine.code, 0, mine.out);
  });
});
