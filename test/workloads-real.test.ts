// A StatefulSet on real pods (issue 9): a `tug server` child WITH its node agent (process runtime, CNI pod
// network on a bridge of its own) and kubectl 1.33. Three replicas with a volumeClaimTemplate that names no
// storage class, so DefaultStorageClass admission gives each claim `local-path` and the provisioner makes a
// directory per ordinal on this node. Every container appends its pod UID to a file in its volume when it
// starts. Pod 1 is deleted: it comes back with the same name and the same claim, and the file still holds the
// first pod's line. Then a rolling update replaces the pods in the order 2, 1, 0. SIGTERM stops everything.
// Needs root, the CNI plugins (containernetworking-plugins), nft and kubectl 1.33.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it, type TestContext } from 'node:test';
import type { PersistentVolume, PersistentVolumeClaim, Pod } from 'kubernetes-types/core/v1.js';
import type { KubeObject } from '../src/api/object.js';
import { clientFromKubeconfig, persistentvolumeclaims, persistentvolumes, pods, type RestClient } from '../src/client/index.js';
import { haveAllTools, POD_NETWORK_TOOLS, requireRootAndTools, type Tool } from './support/require-tool.js';
import { poll } from './support/poll.js';
import { startAgentCluster, stopAgentClusterCleanly } from './support/real-pods.js';
import type { TugCluster } from './support/tug-cluster.js';
import { kubectl, kubectlTool } from './support/tug-server.js';

const V = '1.33';
const BRIDGE = 'tugw232';
const NODE_NAME = 'tug-wr';
const NS = 'default';
type P = Pod & KubeObject;
type Claim = PersistentVolumeClaim & KubeObject;
type Volume = PersistentVolume & KubeObject;

const TOOLS: Tool[] = [...POD_NETWORK_TOOLS, kubectlTool(V)];
const haveTools = process.getuid?.() === 0 && haveAllTools(TOOLS);
const dir = mkdtempSync(join(tmpdir(), 'tug-workloads-real-'));
let server: TugCluster | undefined;
let api: RestClient;
const uids = new Set<string>();

/** Appends "<pod uid> <VERSION>" to boots in the volume at start, then idles until SIGTERM. */
const container = (version: string) => ({
  name: 'app',
  image: 'node',
  command: [
    process.execPath,
    '-e',
    [
      "const fs = require('fs');",
      "fs.appendFileSync(process.env.TUG_MOUNT_DATA + '/boots', process.env.POD_UID + ' ' + process.env.VERSION + '\\n');",
      'const t = setInterval(() => {}, 60000);',
      "process.on('SIGTERM', () => { clearInterval(t); process.exit(0); });",
    ].join('\n'),
  ],
  env: [
    { name: 'VERSION', value: version },
    { name: 'POD_UID', valueFrom: { fieldRef: { fieldPath: 'metadata.uid' } } },
  ],
  volumeMounts: [{ name: 'data', mountPath: '/data' }],
});

const manifests = [
  { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: NS }, spec: { clusterIP: 'None', selector: { app: 'web' }, ports: [{ port: 80 }] } },
  {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: { name: 'web', namespace: NS },
    spec: {
      serviceName: 'web',
      replicas: 3,
      selector: { matchLabels: { app: 'web' } },
      template: { metadata: { labels: { app: 'web' } }, spec: { terminationGracePeriodSeconds: 3, containers: [container('v1')] } },
      volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '10Mi' } } } }],
    },
  },
];

function usable(t: TestContext): boolean {
  return requireRootAndTools(t, 'the real workload suite needs root (pod network namespaces)', TOOLS) && !!server;
}

async function ok(args: string[], o: { input?: string } = {}): Promise<string> {
  const r = await kubectl(V, args, { kubeconfig: server!.kubeconfig, cacheDir: join(dir, 'cache'), ...o });
  assert.equal(r.code, 0, `kubectl ${args.join(' ')} -> ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}\nserver output (tail):\n${server!.output().slice(-2000)}`);
  return r.stdout;
}

const waitFor = <T>(what: string, fn: () => Promise<T | undefined | false>, ms = 30_000): Promise<T> =>
  poll(what, fn, { ms, everyMs: 150, detail: () => `server output:\n${server?.output().slice(-3000)}` });

const ready = (p: P) => p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
const webPods = async () => (await api.list<P>(pods, NS, { labelSelector: 'app=web' })).items;

/** All three pods Ready (and not being deleted); returns them by name. */
const allReady = () =>
  waitFor('web-0..2 Ready', async () => {
    const ps = await webPods();
    for (const p of ps) uids.add(p.metadata!.uid!);
    const live = ps.filter((p) => !p.metadata?.deletionTimestamp && ready(p));
    return live.length === 3 ? new Map(live.map((p) => [p.metadata!.name!, p])) : undefined;
  });

before(async () => {
  if (!haveTools) return;
  server = await startAgentCluster({ bridge: BRIDGE, podCidr: '10.42.232.0/24', nodeName: NODE_NAME });
  api = clientFromKubeconfig(server.kubeconfig);
});

after(async () => {
  api?.close();
  try {
    if (server) await stopAgentClusterCleanly(server, BRIDGE, uids);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

describe('a StatefulSet with local-path claims on real pods (kubectl 1.33)', { concurrency: false }, () => {
  /** Claim name -> uid and volume, from the first rollout. */
  const claims = new Map<string, { uid: string; volume: string; path: string }>();

  it('runs web-0..2, each with its own claim of the default class, provisioned on this node', async (t) => {
    if (!usable(t)) return;
    const t0 = Date.now();
    await ok(['apply', '-f', '-'], { input: manifests.map((m) => JSON.stringify(m)).join('\n') });
    const ps = await allReady();
    t.diagnostic(`3 pods Ready ${Date.now() - t0} ms after apply`);
    assert.deepEqual([...ps.keys()].sort(), ['web-0', 'web-1', 'web-2']);
    for (let i = 0; i < 3; i++) {
      const c = await api.get<Claim>(persistentvolumeclaims, NS, `data-web-${i}`);
      assert.equal(c.spec?.storageClassName, 'local-path', 'the default class, from admission');
      assert.equal(c.status?.phase, 'Bound');
      const v = await api.get<Volume>(persistentvolumes, undefined, c.spec!.volumeName!);
      const path = v.spec?.hostPath?.path ?? '';
      assert.ok(path.startsWith(join(server!.dataDir, 'storage')), path);
      assert.equal(v.spec?.nodeAffinity?.required?.nodeSelectorTerms?.[0]?.matchExpressions?.[0]?.values?.[0], NODE_NAME);
      assert.equal(ps.get(`web-${i}`)?.spec?.nodeName, NODE_NAME);
      // The agent made the directory and the container wrote into it.
      const boots = await waitFor(`web-${i} wrote its line`, async () => existsSync(join(path, 'boots')) && readFileSync(join(path, 'boots'), 'utf8'));
      assert.equal(boots, `${ps.get(`web-${i}`)!.metadata!.uid} v1\n`);
      claims.set(c.metadata!.name!, { uid: c.metadata!.uid!, volume: v.metadata!.name!, path });
    }
    assert.equal(new Set([...claims.values()].map((c) => c.path)).size, 3, 'one directory per ordinal');
  });

  it('pod 1 deleted comes back with the same name, the same claim and the data written before', async (t) => {
    if (!usable(t)) return;
    const before = (await webPods()).find((p) => p.metadata?.name === 'web-1')!;
    const oldUid = before.metadata!.uid!;
    await ok(['exec', 'web-1', '--', 'sh', '-c', 'echo "written by exec" > "$TUG_MOUNT_DATA/note"']);
    await ok(['delete', 'pod', 'web-1', '--wait=true']);
    const ps = await allReady();
    const again = ps.get('web-1')!;
    assert.notEqual(again.metadata!.uid, oldUid, 'a new pod');
    const vol = again.spec?.volumes?.find((v) => v.name === 'data');
    assert.equal(vol?.persistentVolumeClaim?.claimName, 'data-web-1');
    const c = await api.get<Claim>(persistentvolumeclaims, NS, 'data-web-1');
    assert.equal(c.metadata!.uid, claims.get('data-web-1')!.uid, 'the same claim object');
    assert.equal(c.spec?.volumeName, claims.get('data-web-1')!.volume, 'the same volume');
    const boots = await waitFor('the new web-1 wrote its line', async () => {
      const out = await ok(['exec', 'web-1', '--', 'sh', '-c', 'cat "$TUG_MOUNT_DATA/boots"']);
      return out.split('\n').length === 3 && out;
    });
    assert.equal(boots, `${oldUid} v1\n${again.metadata!.uid} v1\n`);
    assert.equal(await ok(['exec', 'web-1', '--', 'sh', '-c', 'cat "$TUG_MOUNT_DATA/note"']), 'written by exec\n');
    // The process runtime maps /data to the volume's host path by env; plain `cat` of that path reads the same.
    assert.equal(await ok(['exec', 'web-1', '--', 'cat', join(claims.get('data-web-1')!.path, 'boots')]), boots);
    // The others were not touched.
    assert.equal((await ok(['get', 'pvc', '-o', 'name'])).trim().split('\n').sort().join(' '), 'persistentvolumeclaim/data-web-0 persistentvolumeclaim/data-web-1 persistentvolumeclaim/data-web-2');
  });

  it('a rolling update replaces the pods in the order 2, 1, 0 and keeps every claim', async (t) => {
    if (!usable(t)) return;
    const first = new Map((await webPods()).map((p) => [p.metadata!.name!, p.metadata!.uid!]));
    const order: string[] = [];
    const watching = (async () => {
      while (order.length < 3) {
        for (const p of await webPods().catch(() => [] as P[])) {
          const name = p.metadata!.name!;
          if (p.metadata!.uid !== first.get(name) && !order.includes(name)) order.push(name);
        }
        await new Promise((r) => setTimeout(r, 50));
      }
    })();
    await ok(['set', 'env', 'statefulset/web', 'VERSION=v2', '-c', 'app']);
    await ok(['rollout', 'status', 'statefulset/web', '--timeout=60s']);
    await waitFor('all three replaced', async () => order.length === 3);
    await watching;
    t.diagnostic(`replaced in the order ${order.join(', ')}`);
    assert.deepEqual(order, ['web-2', 'web-1', 'web-0']);
    for (const [name, c] of claims) {
      // Ready comes with the process start: its first line may be a moment later.
      const lines = await waitFor(`${name}: the new pod wrote into the old volume`, async () => {
        const l = readFileSync(join(c.path, 'boots'), 'utf8').trim().split('\n');
        return l.at(-1)!.endsWith(' v2') && l;
      });
      assert.equal(lines[0]!.endsWith(' v1'), true);
    }
  });
});
