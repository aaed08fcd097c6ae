// End-to-end: an in-process API server, the node agent with the process runtime (and the CNI pod network when
// root and the plugins are there), real pods as host processes. Pods are bound by setting spec.nodeName.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Pod } from 'kubernetes-types/core/v1.js';
import type { KubeObject } from '../src/api/object.js';
import { startTestApi, type TestApi } from '../src/client/testing.js';
import { configmaps, events, pods, secrets } from '../src/client/resources.js';
import { startNodeAgent, type NodeAgent } from '../src/node/index.js';
import { defaultRuntime } from '../src/node/defaults.js';
import type { PodNetwork } from '../src/network/index.js';
import type { ProcessRuntime } from '../src/runtime/process/index.js';
import { freePort } from './support/child-server.js';
import { poll } from './support/poll.js';

const NODE = 'node-e2e';
const root = mkdtempSync(join(tmpdir(), 'tug-agent-'));
let api: TestApi;
let agent: NodeAgent;
let runtime: ProcessRuntime;
let network: PodNetwork;
let ac = new AbortController();

type P = Pod & KubeObject;

function pod(name: string, spec: Partial<NonNullable<Pod['spec']>>, extra: Partial<P['metadata']> = {}): P {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default', ...extra },
    spec: { nodeName: NODE, terminationGracePeriodSeconds: 2, containers: [], ...spec },
  } as P;
}

const waitFor = <T>(what: string, fn: () => Promise<T | undefined | false>, ms = 20_000): Promise<T> => poll(what, fn, { ms });

const get = (name: string) => api.client.get<P>(pods, 'default', name);

before(async () => {
  api = await startTestApi();
  const r = await defaultRuntime({ dataDir: root, podCidr: '10.42.202.0/24', bridge: 'tugt202' });
  runtime = r.runtime;
  network = r.network;
  agent = await startNodeAgent({ client: api.client, signal: ac.signal, nodeName: NODE, dataDir: root, runtime, network, nodeIP: r.nodeIP, heartbeatMs: 1000, resyncMs: 1000 });
});

after(async () => {
  for (const p of (await api.client.list<P>(pods, 'default')).items) await api.client.delete(pods, 'default', p.metadata?.name ?? '', { gracePeriodSeconds: 0 }).catch(() => undefined);
  await waitFor('pods gone', async () => agent.slots.size === 0, 10_000).catch(() => undefined);
  ac.abort();
  await agent.done.catch(() => undefined);
  // Anything left (a failing test) is stopped here.
  for (const c of await runtime.list()) await runtime.remove(c.id);
  for (const s of await runtime.listSandboxes()) await runtime.removeSandbox(s.id);
  await network.cleanup();
  await api.close();
  rmSync(root, { recursive: true, force: true });
});

describe('node agent', () => {
  it('registers its Node and Lease', async () => {
    const node = await api.client.get(await import('../src/client/resources.js').then((m) => m.nodes), undefined, NODE);
    const st = node as KubeObject & { status?: { nodeInfo?: { kubeletVersion?: string }; conditions?: { type: string; status: string }[] } };
    assert.equal(st.status?.nodeInfo?.kubeletVersion, 'v1.33.0-tugboat');
    assert.equal(st.status?.conditions?.find((c) => c.type === 'Ready')?.status, 'True');
    const lease = await api.client.get(await import('../src/client/resources.js').then((m) => m.leases), 'kube-node-lease', NODE);
    assert.ok(lease);
  });

  it('runs init containers then containers sharing an emptyDir, with env from a ConfigMap and a Secret', async () => {
    await api.client.create(configmaps, 'default', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cfg' }, data: { COLOR: 'blue' } } as KubeObject);
    await api.client.create(secrets, 'default', { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'sec' }, data: { PASS: Buffer.from('hunter2').toString('base64') } } as KubeObject);
    await api.client.create(
      pods,
      'default',
      pod('web', {
        volumes: [{ name: 'data', emptyDir: {} }],
        initContainers: [{ name: 'init', image: 'busybox', command: ['sh', '-c', 'echo from-init > $TUG_MOUNT_DATA/init.txt'], volumeMounts: [{ name: 'data', mountPath: '/data' }] }],
        containers: [
          {
            name: 'main',
            image: 'busybox',
            command: ['sh', '-c', 'echo "color=$COLOR pass=$PASS me=$MY_NAME x=$(X)"; cat $TUG_MOUNT_DATA/init.txt; exec sleep 300'],
            env: [
              { name: 'COLOR', valueFrom: { configMapKeyRef: { name: 'cfg', key: 'COLOR' } } },
              { name: 'PASS', valueFrom: { secretKeyRef: { name: 'sec', key: 'PASS' } } },
              { name: 'MY_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
              { name: 'X', value: 'ex' },
            ],
            volumeMounts: [{ name: 'data', mountPath: '/data' }],
          },
          { name: 'side', image: 'busybox', command: ['sleep', '300'] },
        ],
      }),
    );
    const p = await waitFor('web running and ready', async () => {
      const p = await get('web');
      return p.status?.phase === 'Running' && p.status.conditions?.find((c) => c.type === 'Ready')?.status === 'True' && p;
    });
    assert.equal(p.status?.initContainerStatuses?.[0]?.state?.terminated?.reason, 'Completed');
    assert.ok(p.status?.podIP);
    if (network.mode === 'cni') assert.match(p.status!.podIP!, /^10\.42\.202\./);
    const uid = p.metadata?.uid ?? '';
    const log = await waitFor('main log', async () => {
      const t = readFileSync(join(root, 'pods', uid, 'logs', 'main', '0.log'), 'utf8');
      return t.includes('from-init') && t;
    });
    assert.match(log, /stdout F color=blue pass=hunter2 me=web x=ex/);
  });

  it('reports CreateContainerConfigError for a missing Secret until it appears', async () => {
    await api.client.create(pods, 'default', pod('needs-secret', { containers: [{ name: 'c', image: 'x', command: ['sleep', '300'], envFrom: [{ secretRef: { name: 'a-secrets' } }] }] }));
    const p = await waitFor('config error', async () => {
      const p = await get('needs-secret');
      return p.status?.containerStatuses?.[0]?.state?.waiting?.reason === 'CreateContainerConfigError' && p;
    });
    assert.equal(p.status?.containerStatuses?.[0]?.state?.waiting?.message, 'secret "a-secrets" not found');
    await api.client.create(secrets, 'default', { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'a-secrets' }, data: { K: 'dg==' } } as KubeObject);
    await waitFor('running after the secret appears', async () => (await get('needs-secret')).status?.containerStatuses?.[0]?.state?.running);
  });

  it('fails a container without command with a clear reason', async () => {
    await api.client.create(pods, 'default', pod('no-cmd', { containers: [{ name: 'c', image: 'nginx' }] }));
    const p = await waitFor('CreateContainerError', async () => {
      const p = await get('no-cmd');
      return p.status?.containerStatuses?.[0]?.state?.waiting?.reason === 'CreateContainerError' && p;
    });
    assert.match(p.status?.containerStatuses?.[0]?.state?.waiting?.message ?? '', /needs a command/);
  });

  it('restarts a crashing container with CrashLoopBackOff and keeps the last state', async () => {
    await api.client.create(pods, 'default', pod('crash', { containers: [{ name: 'c', image: 'x', command: ['sh', '-c', 'echo boom; exit 2'] }] }));
    const p = await waitFor('CrashLoopBackOff', async () => {
      const p = await get('crash');
      const cs = p.status?.containerStatuses?.[0];
      return cs?.state?.waiting?.reason === 'CrashLoopBackOff' && p;
    });
    const cs = p.status!.containerStatuses![0]!;
    assert.equal(cs.restartCount, 1);
    assert.equal(cs.lastState?.terminated?.exitCode, 2);
    assert.match(cs.state?.waiting?.message ?? '', /^back-off 10s restarting failed container=c pod=crash_default\(/);
    assert.equal(p.status?.phase, 'Running');
  });

  it('completes a restartPolicy Never pod as Succeeded or Failed', async () => {
    await api.client.create(pods, 'default', pod('ok', { restartPolicy: 'Never', containers: [{ name: 'c', image: 'x', command: ['true'] }] }));
    await api.client.create(pods, 'default', pod('bad', { restartPolicy: 'Never', containers: [{ name: 'c', image: 'x', command: ['sh', '-c', 'exit 5'] }] }));
    await waitFor('Succeeded', async () => (await get('ok')).status?.phase === 'Succeeded');
    const bad = await waitFor('Failed', async () => {
      const p = await get('bad');
      return p.status?.phase === 'Failed' && p;
    });
    assert.equal(bad.status?.containerStatuses?.[0]?.state?.terminated?.exitCode, 5);
    assert.equal(bad.status?.containerStatuses?.[0]?.state?.terminated?.reason, 'Error');
  });

  it('restarts a container whose liveness probe fails, and gates Ready on readiness', async () => {
    // A port the kernel just had free (a random one could be an ephemeral port another test holds).
    const port = await freePort();
    await api.client.create(
      pods,
      'default',
      pod('probed', {
        containers: [
          {
            name: 'c',
            image: 'x',
            command: [process.execPath, '-e', `require('http').createServer((q,s)=>{s.statusCode=require('fs').existsSync('ready')?200:503;s.end()}).listen(${port})`],
            readinessProbe: { httpGet: { path: '/', port }, periodSeconds: 1 },
            livenessProbe: { exec: { command: ['sh', '-c', 'test ! -e dead'] }, periodSeconds: 1, failureThreshold: 1 },
          },
        ],
      }),
    );
    const p = await waitFor('running, not ready', async () => {
      const p = await get('probed');
      return p.status?.containerStatuses?.[0]?.state?.running && p.status.containerStatuses[0].ready === false && p;
    });
    const dir = join(root, 'pods', p.metadata?.uid ?? '');
    const { writeFileSync } = await import('node:fs');
    writeFileSync(join(dir, 'ready'), '');
    await waitFor('ready', async () => (await get('probed')).status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True');
    writeFileSync(join(dir, 'dead'), '');
    const ev = await waitFor('liveness event', async () => {
      const list = await api.client.list<KubeObject & { message?: string; reason?: string }>(events, 'default');
      return list.items.find((e) => e.reason === 'Unhealthy' && e.message?.startsWith('Liveness probe failed'));
    });
    assert.ok(ev);
    rmSync(join(dir, 'dead'));
    await waitFor('restarted', async () => ((await get('probed')).status?.containerStatuses?.[0]?.restartCount ?? 0) >= 1);
  });

  it('deletes gracefully: SIGTERM first, then the final delete', async () => {
    const marker = join(root, 'term-marker');
    await api.client.create(
      pods,
      'default',
      pod('graceful', { containers: [{ name: 'c', image: 'x', command: ['sh', '-c', `trap "echo got-term > ${marker}; exit 0" TERM; while true; do sleep 0.1; done`] }] }),
    );
    await waitFor('running', async () => (await get('graceful')).status?.containerStatuses?.[0]?.state?.running);
    await api.client.delete(pods, 'default', 'graceful', { gracePeriodSeconds: 5 });
    await waitFor('pod object gone', async () => get('graceful').then(() => false, (e: { reason?: string }) => e.reason === 'NotFound'));
    assert.equal(readFileSync(marker, 'utf8'), 'got-term\n');
    assert.equal(agent.slots.has('default/graceful'), false);
  });

  it('serves exec and port-forward through the runtime', async () => {
    // A port the kernel just had free (a random one could be an ephemeral port another test holds).
    const port = await freePort();
    await api.client.create(pods, 'default', pod('srv', { containers: [{ name: 'c', image: 'x', command: [process.execPath, '-e', `require('net').createServer(s=>s.end('pong')).listen(${port})`], readinessProbe: { tcpSocket: { port }, periodSeconds: 1 } }] }));
    await waitFor('ready', async () => (await get('srv')).status?.containerStatuses?.[0]?.ready);
    const slot = agent.slots.get('default/srv')!;
    const { PassThrough, Duplex } = await import('node:stream');
    const out = new PassThrough();
    let text = '';
    out.on('data', (d: Buffer) => (text += d.toString()));
    const code = await runtime.exec(slot.containers.get('c')!.current!.id, ['sh', '-c', 'echo hi; exit 3'], { stdout: out, stderr: out, tty: false });
    assert.equal(code, 3);
    assert.equal(text, 'hi\n');
    let got = '';
    const d = new Duplex({ read() {}, write(c, _e, cb) { got += c.toString(); cb(); } });
    const done = runtime.portForward(slot.sandbox!.id, port, d);
    await waitFor('forwarded reply', async () => got === 'pong', 5000);
    d.destroy();
    await done;
  });

  it('adopts running containers after an agent restart and stops pods deleted meanwhile', async () => {
    await api.client.create(pods, 'default', pod('stays', { containers: [{ name: 'c', image: 'x', command: ['sleep', '300'] }] }));
    await api.client.create(pods, 'default', pod('goes', { containers: [{ name: 'c', image: 'x', command: ['sleep', '300'] }] }));
    await waitFor('both running', async () => {
      const a = await get('stays');
      const b = await get('goes');
      return a.status?.containerStatuses?.[0]?.state?.running && b.status?.containerStatuses?.[0]?.state?.running;
    });
    const staysId = agent.slots.get('default/stays')!.containers.get('c')!.current!.id;
    const goesId = agent.slots.get('default/goes')!.containers.get('c')!.current!.id;
    // The agent goes away (its containers stay), a pod is force-deleted meanwhile, a new agent starts.
    ac.abort();
    await agent.done;
    assert.equal((await runtime.status(goesId))?.status.state, 'running');
    await api.client.delete(pods, 'default', 'goes', { gracePeriodSeconds: 0 });
    const { ProcessRuntime } = await import('../src/runtime/process/index.js');
    runtime = new ProcessRuntime({ root: join(root, 'runtime', 'process'), network, hostIP: agent.hostIP });
    ac = new AbortController();
    agent = await startNodeAgent({ client: api.client, signal: ac.signal, nodeName: NODE, dataDir: root, runtime, network, nodeIP: agent.hostIP, heartbeatMs: 1000, resyncMs: 1000 });
    assert.equal(await runtime.status(goesId), undefined);
    const st = await waitFor('stays adopted', async () => {
      const p = await get('stays');
      return agent.slots.get('default/stays')?.containers.get('c')?.current?.id === staysId && p;
    });
    assert.equal(st.status?.containerStatuses?.[0]?.restartCount, 0);
    assert.equal((await runtime.status(staysId))?.status.state, 'running');
  });
});
