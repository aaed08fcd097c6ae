// hostPort on real pods: a `tug server` child with its node agent (process runtime, CNI pod network on a bridge
// of its own, portmap for hostPort). A pod maps hostPort 18080 to its HTTP server on 8080; a GET to
// 127.0.0.1:18080 on this host reaches it (portmap's DNAT in OUTPUT, with route_localnet and masquerade for
// localhost sources), and so does a GET from another pod to the node's address on the pod network (the bridge
// gateway: the node IP of this test is 127.0.0.1, which inside a pod is the pod's own loopback).
// SIGTERM stops everything; nothing is left behind: netns, bridge, nft guard, portmap's per-pod iptables chains.
// Needs root, containernetworking-plugins (bridge, host-local, portmap), iptables and nft.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it, type TestContext } from 'node:test';
import type { Pod } from 'kubernetes-types/core/v1.js';
import type { KubeObject } from '../src/api/object.js';
import { clientFromKubeconfig, pods, type RestClient } from '../src/client/index.js';
import { haveAllTools, requireRootAndTools, type Tool } from './support/require-tool.js';
import { poll } from './support/poll.js';
import { startAgentCluster, stopAgentClusterCleanly } from './support/real-pods.js';
import type { TugCluster } from './support/tug-cluster.js';

const BRIDGE = 'tugp233';
const POD_CIDR = '10.42.233.0/24';
const GATEWAY = '10.42.233.1';
const HOST_PORT = 18080;
type P = Pod & KubeObject;

const TOOLS: Tool[] = [
  ['/usr/lib/cni/portmap', 'apt-get install containernetworking-plugins'],
  ['/usr/lib/cni/bridge', 'apt-get install containernetworking-plugins'],
  ['iptables', 'apt-get install iptables'],
  ['nft', 'apt-get install nftables'],
];
const haveTools = process.getuid?.() === 0 && haveAllTools(TOOLS);
const dir = mkdtempSync(join(tmpdir(), 'tug-hostport-'));
let server: TugCluster | undefined;
let api: RestClient;
const uids = new Set<string>();

/** portmap's per-pod chains (CNI-DN-..., CNI-SN-...) in the nat table now. */
function portmapChains(): string[] {
  const out = execFileSync('iptables', ['-w', '-t', 'nat', '-S'], { encoding: 'utf8' });
  return out.split('\n').filter((l) => /^-N CNI-(DN|SN)-/.test(l)).map((l) => l.slice(3)).sort();
}
/** Every CNI chain and rule in the v4 and v6 nat tables, and which nft tables exist. */
function natState(): string[] {
  const rules = ['iptables', 'ip6tables'].flatMap((cmd) => execFileSync(cmd, ['-w', '-t', 'nat', '-S'], { encoding: 'utf8' }).split('\n').filter((l) => l.includes('CNI-')).map((l) => `${cmd} ${l}`));
  return [...rules, ...execFileSync('nft', ['list', 'tables'], { encoding: 'utf8' }).split('\n').filter((l) => l && l !== 'table inet tugboat')].sort();
}
let chainsBefore: string[] = [];
let natBefore: string[] = [];

const node = process.execPath;
const webPod: P = {
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'hp-web', namespace: 'default' },
  spec: {
    terminationGracePeriodSeconds: 3,
    containers: [
      {
        name: 'web',
        image: 'node',
        command: [node, '-e', "const s = require('http').createServer((q, r) => r.end('hello from ' + process.env.POD_NAME)).listen(8080); process.on('SIGTERM', () => s.close(() => process.exit(0)));"],
        env: [{ name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }],
        ports: [{ containerPort: 8080, hostPort: HOST_PORT }],
        readinessProbe: { tcpSocket: { port: 8080 }, periodSeconds: 1 },
      },
    ],
  },
} as P;

/** Another pod that GETs the node's address on HOST_PORT until it answers, and writes the answer to a host file. */
const clientPod = (out: string): P =>
  ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'hp-client', namespace: 'default' },
    spec: {
      terminationGracePeriodSeconds: 1,
      containers: [
        {
          name: 'client',
          image: 'node',
          command: [
            node,
            '-e',
            [
              "const http = require('http'), fs = require('fs');",
              `const get = () => http.get('http://${GATEWAY}:${HOST_PORT}/', (r) => { let b = ''; r.on('data', (d) => (b += d)); r.on('end', () => fs.writeFileSync(${JSON.stringify(out)}, b)); }).on('error', () => setTimeout(get, 300));`,
              'get();',
              'setInterval(() => {}, 60000);',
              "process.on('SIGTERM', () => process.exit(0));",
            ].join('\n'),
          ],
        },
      ],
    },
  }) as P;

function usable(t: TestContext): boolean {
  return requireRootAndTools(t, 'the hostPort suite needs root (pod network namespaces, iptables)', TOOLS) && !!server;
}

const waitFor = <T>(what: string, fn: () => Promise<T | undefined | false>, ms = 30_000): Promise<T> =>
  poll(what, fn, { ms, everyMs: 200, detail: () => `server output:\n${server?.output().slice(-3000)}` });

function httpGet(host: string, port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request({ host, port, path: '/', timeout: 2000 }, (res) => {
      let b = '';
      res.on('data', (d: Buffer) => (b += d.toString()));
      res.on('end', () => resolve(b));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

const ready = (p: P) => p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;

before(async () => {
  if (!haveTools) return;
  chainsBefore = portmapChains();
  natBefore = natState();
  server = await startAgentCluster({ bridge: BRIDGE, podCidr: POD_CIDR, nodeName: 'tug-hp' });
  api = clientFromKubeconfig(server.kubeconfig);
});

after(async () => {
  api?.close();
  try {
    if (server) {
      await stopAgentClusterCleanly(server, BRIDGE, uids);
      assert.deepEqual(portmapChains(), chainsBefore, 'portmap chains left behind');
      // With no other hostPort pod on this machine, portmap's shared chains go too; with one, they stay.
      if (chainsBefore.length === 0) assert.deepEqual(natState(), natBefore, 'nat rules or tables left behind');
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

describe('hostPort through portmap', { concurrency: false }, () => {
  it('a GET to 127.0.0.1:hostPort on the host reaches the pod', async (t) => {
    if (!usable(t)) return;
    await api.create(pods, 'default', webPod);
    const p = await waitFor('hp-web Ready', async () => {
      const p = await api.get<P>(pods, 'default', 'hp-web');
      return ready(p) && p;
    });
    uids.add(p.metadata!.uid!);
    assert.ok(p.status?.podIP?.startsWith('10.42.233.'), p.status?.podIP);
    t.diagnostic(`per-pod portmap chains: ${portmapChains().filter((c) => !chainsBefore.includes(c)).join(' ')}`);
    const body = await waitFor('GET 127.0.0.1:18080', () => httpGet('127.0.0.1', HOST_PORT), 10_000);
    assert.equal(body, 'hello from hp-web');
  });

  it('another pod reaches it through the node address and the hostPort', async (t) => {
    if (!usable(t)) return;
    const out = join(dir, 'from-pod');
    const c = await api.create<P>(pods, 'default', clientPod(out));
    uids.add(c.metadata!.uid!);
    const body = await waitFor('the client pod wrote its answer', async () => existsSync(out) && readFileSync(out, 'utf8'), 20_000);
    assert.equal(body, 'hello from hp-web');
  });

  it('deleting the pod removes its portmap chains and frees the host port', async (t) => {
    if (!usable(t)) return;
    await api.delete(pods, 'default', 'hp-web');
    await waitFor('hp-web gone', async () => !(await api.list<P>(pods, 'default')).items.some((p) => p.metadata?.name === 'hp-web'));
    const added = () => portmapChains().filter((c) => !chainsBefore.includes(c));
    await waitFor('portmap chains removed', async () => added().length === 0, 10_000);
    await assert.rejects(httpGet('127.0.0.1', HOST_PORT));
  });
});
