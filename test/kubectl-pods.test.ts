// Real pods with real kubectl (1.27 and 1.33): a `tug server` child WITH its node agent (process runtime, CNI pod
// network on a bridge of its own) runs node scripts as containers. Covers init containers and an emptyDir shared
// by two containers that talk over localhost, env from a ConfigMap and a Secret, CrashLoopBackOff and
// `logs --previous`, a liveness restart, readiness flipping Ready, exec exit codes, port-forward, cp both ways,
// delete with a grace period (SIGTERM first), and a rollout whose new pods answer on their pod IPs. At the end
// SIGTERM stops the server: no container process, network namespace or bridge may be left.
// Needs root, the CNI plugins (containernetworking-plugins), nft and the kubectl binaries.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { get } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it, type TestContext } from 'node:test';
import type { Pod } from 'kubernetes-types/core/v1.js';
import type { KubeObject } from '../src/api/object.js';
import { clientFromKubeconfig, events, pods, type RestClient } from '../src/client/index.js';
import { netnsName } from '../src/network/index.js';
import { haveAllTools, POD_NETWORK_TOOLS, requireRootAndTools, type Tool } from './support/require-tool.js';
import { poll } from './support/poll.js';
import { fetchScript, stopAgentCluster, suiteObjects } from './support/real-pods.js';
import { startTugCluster, type TugCluster } from './support/tug-cluster.js';
import { kubectl, kubectlStream, kubectlTool, repoRoot } from './support/tug-server.js';

const VERSIONS = ['1.27', '1.33'];
const BRIDGE = 'tugk221';
const POD_CIDR = '10.42.221.0/24';
const NODE_NAME = 'tug-pods-e2e';
type P = Pod & KubeObject;

const TOOLS: Tool[] = [...POD_NETWORK_TOOLS, ...VERSIONS.map(kubectlTool)];
const haveTools = process.getuid?.() === 0 && haveAllTools(TOOLS);
const dir = mkdtempSync(join(tmpdir(), 'tug-pods-e2e-'));
let server: TugCluster | undefined;
let api: RestClient;
const cacheDirs = new Map(VERSIONS.map((v) => [v, join(dir, `cache-${v}`)]));
/** Every pod UID seen, for the network namespace check at the end. */
const uids = new Set<string>();

function usable(t: TestContext): boolean {
  return requireRootAndTools(t, 'the real-pod suite needs root (pod network namespaces)', TOOLS) && !!server;
}

async function k(v: string, args: string[], o: { input?: string; timeoutMs?: number } = {}) {
  return kubectl(v, args, { kubeconfig: server!.kubeconfig, cacheDir: cacheDirs.get(v)!, ...o });
}

async function ok(v: string, args: string[], o: { input?: string; timeoutMs?: number } = {}): Promise<string> {
  const r = await k(v, args, o);
  assert.equal(r.code, 0, `kubectl ${v} ${args.join(' ')} -> ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}\nserver output (tail):\n${server!.output().slice(-2000)}`);
  return r.stdout;
}

const waitFor = <T>(what: string, fn: () => Promise<T | undefined | false>, ms = 20_000, everyMs = 100): Promise<T> =>
  poll(what, fn, { ms, everyMs, detail: () => `server output:\n${server?.output().slice(-3000)}` });

const getPod = (name: string) => api.get<P>(pods, 'default', name);
const ready = (p: P) => p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;

function httpGet(url: string): Promise<string> {
  return new Promise((resolve, reject) => {
    get(url, (r) => {
      let b = '';
      r.on('data', (d: Buffer) => (b += d.toString()));
      r.on('end', () => resolve(b));
    }).on('error', reject);
  });
}

/** Host state before the server touched it, so the end can check it was put back. */
const hostBefore = {
  ipForward: readFileSync('/proc/sys/net/ipv4/ip_forward', 'utf8').trim(),
};

function serverOptions(dataDir?: string): Parameters<typeof startTugCluster>[0] {
  return {
    ...(dataDir ? { dataDir } : {}),
    simNodes: 0,
    agent: true,
    args: ['--node-ip', '127.0.0.1', '--kubelet-port', '0', '--pod-cidr', POD_CIDR, '--cni-bridge', BRIDGE, '--node-name', NODE_NAME, '--shutdown-grace-period', '5'],
  };
}

/** The pid of every container the process runtime has a record of. */
function containerPids(dataDir: string): number[] {
  const containersDir = join(dataDir, 'runtime', 'process', 'containers');
  return readdirSync(containersDir).flatMap((id) => {
    try {
      return [(JSON.parse(readFileSync(join(containersDir, id, 'state.json'), 'utf8')) as { pid: number }).pid];
    } catch {
      return [];
    }
  });
}

function groupAlive(pid: number): boolean {
  try {
    process.kill(-pid, 0);
    return true;
  } catch {
    return false;
  }
}

before(async () => {
  if (!haveTools) return;
  server = await startTugCluster(serverOptions());
  api = clientFromKubeconfig(server.kubeconfig);
});

after(async () => {
  api?.close();
  if (server) {
    // A failed test may leave the server up: stop it (SIGTERM stops its pods); if it had died instead, remove
    // what its pods left, then the data dir goes.
    await stopAgentCluster(server, BRIDGE, 'kubectl-pods');
  }
  rmSync(dir, { recursive: true, force: true });
});

describe('kubectl against real pods (process runtime, CNI)', { concurrency: false }, () => {
  let startupMs = 0;

  it('tug server --runtime kata (and TUG_RUNTIME=kata) names the runtimes it has', () => {
    const tug = join(repoRoot, 'bin/tug.js');
    for (const [args, env] of [[['--runtime', 'kata'], {}], [[], { TUG_RUNTIME: 'kata' }]] as const) {
      const r = spawnSync(process.execPath, [tug, 'server', '--data-dir', join(dir, 'oci'), '--listen', '127.0.0.1:0', ...args], { encoding: 'utf8', env: { ...process.env, ...env }, timeout: 20_000 });
      assert.equal(r.status, 1, r.stderr);
      assert.equal(r.stderr, 'tug: error: --runtime "kata" is not one of auto, oci, process\n');
    }
  });

  it('starts every pod of the suite: init container, two containers sharing an emptyDir and localhost, env from a ConfigMap and a Secret', async (t) => {
    if (!usable(t)) return;
    const objs = suiteObjects(dir);
    const t0 = Date.now();
    await ok('1.33', ['apply', '-f', '-'], { input: objs.map((o) => JSON.stringify(o)).join('\n') });
    // Pods without probes: created -> Running; duo: -> Ready once its readiness probe passes.
    const graceful = await waitFor('graceful running', async () => {
      const p = await getPod('graceful');
      return p.status?.phase === 'Running' && p;
    }, 20_000, 20);
    startupMs = Date.now() - t0;
    uids.add(graceful.metadata!.uid!);
    const duo = await waitFor('duo ready', async () => {
      const p = await getPod('duo');
      return ready(p) && p;
    });
    t.diagnostic(`pod startup seen by polling every 20 ms from before \`kubectl apply\` (~0.3 s of it kubectl): graceful (no probe) Running after ${startupMs} ms; duo (init + 2 containers, readiness probe) Ready after ${Date.now() - t0} ms`);
    uids.add(duo.metadata!.uid!);
    assert.match(duo.status!.podIP!, /^10\.42\.221\./);
    assert.equal(duo.status?.initContainerStatuses?.[0]?.state?.terminated?.reason, 'Completed');
    const table = await ok('1.33', ['get', 'pod', 'duo']);
    assert.match(table, /duo\s+2\/2\s+Running\s+0/);
    const got = await waitFor('client got an answer over localhost', async () => {
      const out = await ok('1.33', ['logs', 'duo', '-c', 'client', '--tail=1']);
      return out.includes('got: ') && out;
    });
    assert.match(got, /got: init=from-init color=blue pass=s3cret/);
    assert.match(await ok('1.27', ['logs', 'duo', '-c', 'init']), /init done/);
  });

  for (const v of VERSIONS) {
    it(`kubectl ${v}: logs (tail, timestamps, since, limit-bytes, -f, all containers) and attach`, async (t) => {
      if (!usable(t)) return;
      // the client prints a line every 0.5 s: wait until it has printed two, then --tail=2 shows exactly two
      const tail = await waitFor('two client log lines', async () => {
        const out = await ok(v, ['logs', 'duo', '-c', 'client']);
        return out.trim().split('\n').length >= 2 && (await ok(v, ['logs', 'duo', '-c', 'client', '--tail=2']));
      });
      assert.equal(tail.trim().split('\n').length, 2);
      assert.match(await ok(v, ['logs', 'duo', '-c', 'client', '--tail=1', '--timestamps']), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+Z got: /);
      const all = await ok(v, ['logs', 'duo', '--all-containers']);
      assert.match(all, /serving/);
      assert.match(all, /got: /);
      const f = kubectlStream(v, ['logs', '-f', 'duo', '-c', 'client', '--tail=0'], { kubeconfig: server!.kubeconfig });
      try {
        await f.waitFor(/got: init=from-init.*\n.*got: /, 5_000);
      } finally {
        await f.stop();
      }
      assert.match(await ok(v, ['logs', 'duo', '-c', 'server', '--since=1h']), /^serving\n/);
      assert.equal(await ok(v, ['logs', 'duo', '-c', 'client', '--limit-bytes=9']), 'got: init');
      const att = kubectlStream(v, ['attach', 'duo', '-c', 'client'], { kubeconfig: server!.kubeconfig });
      try {
        await att.waitFor(/got: init=from-init/, 5_000);
      } finally {
        await att.stop();
      }
      const r = await k(v, ['logs', 'duo', '-c', 'nope']);
      assert.notEqual(r.code, 0);
      assert.match(r.stderr, /container nope is not valid for pod duo/);
    });

    it(`kubectl ${v}: exec returns the command's exit code and output; stdin reaches it`, async (t) => {
      if (!usable(t)) return;
      const r = await k(v, ['exec', 'duo', '-c', 'server', '--', 'sh', '-c', 'echo out-$COLOR; echo err >&2; exit 3']);
      assert.equal(r.code, 3, r.stderr);
      assert.equal(r.stdout, 'out-blue\n');
      assert.match(r.stderr, /err/);
      assert.equal(await ok(v, ['exec', '-i', 'duo', '-c', 'server', '--', 'cat'], { input: 'piped in\n' }), 'piped in\n');
      // Inside the pod's network namespace: its own address, not the host's.
      const addrs = await ok(v, ['exec', 'duo', '-c', 'client', '--', 'ip', '-4', '-o', 'addr', 'show', 'eth0']);
      assert.match(addrs, /10\.42\.221\./);
    });

    it(`kubectl ${v}: port-forward serves an HTTP request`, async (t) => {
      if (!usable(t)) return;
      const pf = kubectlStream(v, ['port-forward', 'pod/duo', ':8080'], { kubeconfig: server!.kubeconfig });
      try {
        const out = await pf.waitFor(/Forwarding from 127\.0\.0\.1:(\d+)/, 10_000);
        const port = Number(/Forwarding from 127\.0\.0\.1:(\d+)/.exec(out)![1]);
        assert.equal(await httpGet(`http://127.0.0.1:${port}/`), 'init=from-init color=blue pass=s3cret');
        assert.equal(await httpGet(`http://127.0.0.1:${port}/again`), 'init=from-init color=blue pass=s3cret');
      } finally {
        await pf.stop();
      }
    });

    it(`kubectl ${v}: cp both ways`, async (t) => {
      if (!usable(t)) return;
      const up = join(dir, `up-${v}.txt`);
      writeFileSync(up, `copied in by kubectl ${v}\n`);
      const inPod = join(dir, `in-pod-${v}`, 'file.txt');
      await ok(v, ['exec', 'duo', '-c', 'server', '--', 'mkdir', '-p', join(dir, `in-pod-${v}`)]);
      await ok(v, ['cp', up, `duo:${inPod}`, '-c', 'server']);
      assert.equal(await ok(v, ['exec', 'duo', '-c', 'server', '--', 'cat', inPod]), `copied in by kubectl ${v}\n`);
      await ok(v, ['exec', 'duo', '-c', 'server', '--', 'sh', '-c', `echo made in the pod > ${join(dir, `in-pod-${v}`, 'out.txt')}`]);
      const down = join(dir, `down-${v}.txt`);
      await ok(v, ['cp', `duo:${join(dir, `in-pod-${v}`, 'out.txt')}`, down, '-c', 'server']);
      assert.equal(readFileSync(down, 'utf8'), 'made in the pod\n');
    });
  }

  it('a crashing container reaches CrashLoopBackOff and `logs --previous` shows its last run', async (t) => {
    if (!usable(t)) return;
    const p = await waitFor('crash in CrashLoopBackOff', async () => {
      const p = await getPod('crash');
      const cs = p.status?.containerStatuses?.[0];
      return cs?.state?.waiting?.reason === 'CrashLoopBackOff' && (cs.restartCount ?? 0) >= 1 && p;
    });
    uids.add(p.metadata!.uid!);
    const cs = p.status!.containerStatuses![0]!;
    assert.equal(cs.lastState?.terminated?.exitCode, 3);
    assert.equal(cs.lastState?.terminated?.reason, 'Error');
    assert.match(await ok('1.33', ['get', 'pod', 'crash']), /crash\s+0\/1\s+CrashLoopBackOff\s+\d/);
    for (const v of VERSIONS) assert.match(await ok(v, ['logs', 'crash', '--previous']), /^crash attempt at \d{4}-/);
    const none = await k('1.33', ['logs', 'graceful', '--previous']);
    assert.notEqual(none.code, 0);
    assert.match(none.stderr, /previous terminated container "main" in pod "graceful" not found/);
  });

  it('a failing liveness probe restarts the container', async (t) => {
    if (!usable(t)) return;
    const p = await waitFor('live restarted', async () => {
      const p = await getPod('live');
      return (p.status?.containerStatuses?.[0]?.restartCount ?? 0) >= 1 && p;
    }, 20_000, 200);
    uids.add(p.metadata!.uid!);
    const evs = await api.list<KubeObject & { reason?: string; message?: string; involvedObject?: { name?: string } }>(events, 'default');
    const mine = evs.items.filter((e) => e.involvedObject?.name === 'live');
    assert.ok(mine.some((e) => e.reason === 'Unhealthy' && /Liveness probe failed: HTTP probe failed with statuscode: 500/.test(e.message ?? '')), JSON.stringify(mine.map((e) => [e.reason, e.message])));
    assert.ok(mine.some((e) => e.reason === 'Killing' && /failed liveness probe/.test(e.message ?? '')), JSON.stringify(mine.map((e) => [e.reason, e.message])));
  });

  it('readiness flips the Ready condition both ways', async (t) => {
    if (!usable(t)) return;
    const p = await waitFor('ready pod running', async () => {
      const p = await getPod('ready');
      return p.status?.containerStatuses?.[0]?.state?.running && p;
    });
    uids.add(p.metadata!.uid!);
    assert.equal(ready(await getPod('ready')), false);
    assert.match(await ok('1.33', ['get', 'pod', 'ready']), /ready\s+0\/1\s+Running/);
    writeFileSync(join(dir, 'ready-flag'), '');
    await ok('1.33', ['wait', '--for=condition=Ready', 'pod/ready', '--timeout=15s']);
    rmSync(join(dir, 'ready-flag'));
    await ok('1.27', ['wait', '--for=condition=Ready=false', 'pod/ready', '--timeout=15s']);
  });

  it('delete with a grace period sends SIGTERM first and the pod goes as soon as the container exits', async (t) => {
    if (!usable(t)) return;
    const t0 = Date.now();
    assert.match(await ok('1.33', ['delete', 'pod', 'graceful', '--grace-period=20']), /pod "graceful" deleted/);
    const took = Date.now() - t0;
    assert.equal(readFileSync(join(dir, 'graceful.mark'), 'utf8'), 'started\nSIGTERM\n');
    // kubectl waits for the pod to be gone: SIGTERM + 300 ms, far inside the 20 s grace period.
    assert.ok(took < 8_000, `delete took ${took} ms`);
    t.diagnostic(`graceful delete took ${took} ms`);
  });

  /** Waits for the web pods to be exactly the two of a finished rollout, then asks each on its pod IP from duo. */
  async function webAnswers(want: (p: P) => boolean): Promise<string[]> {
    const list = await waitFor('two pods of the new template and no old ones', async () => {
      const l = await api.list<P>(pods, 'default', { labelSelector: 'app=web' });
      const fresh = l.items.filter((p) => !p.metadata?.deletionTimestamp && want(p));
      return l.items.length === 2 && fresh.length === 2 && fresh.every((p) => ready(p) && p.status?.podIP) && fresh;
    }, 30_000, 200);
    const out: string[] = [];
    for (const p of list) {
      uids.add(p.metadata!.uid!);
      const ip = p.status!.podIP!;
      assert.match(ip, /^10\.42\.221\./);
      const body = (await ok('1.33', ['exec', 'duo', '-c', 'client', '--', ...fetchScript(`http://${ip}:8080/`)])).trim();
      assert.ok(body.endsWith(` ${p.metadata!.name}`), body);
      out.push(body.slice(0, -(p.metadata!.name!.length + 1)));
    }
    return out;
  }

  it('Deployment rollouts: a changed ConfigMap is seen after a rollout restart; new pods answer on their pod IPs from another pod', async (t) => {
    if (!usable(t)) return;
    await ok('1.33', ['rollout', 'status', 'deployment/web', '--timeout=30s'], { timeoutMs: 40_000 });
    assert.deepEqual(await webAnswers(() => true), ['v1 blue', 'v1 blue']);
    await ok('1.33', ['patch', 'configmap', 'pods-config', '-p', '{"data":{"color":"green"}}']);
    const t0 = Date.now();
    await ok('1.27', ['rollout', 'restart', 'deployment/web']);
    await ok('1.27', ['rollout', 'status', 'deployment/web', '--timeout=45s'], { timeoutMs: 55_000 });
    t.diagnostic(`rollout restart of 2 pods (readiness probe every 1 s) took ${Date.now() - t0} ms`);
    const restarted = (p: P) => !!p.metadata?.annotations?.['kubectl.kubernetes.io/restartedAt'];
    assert.deepEqual(await webAnswers(restarted), ['v1 green', 'v1 green']);
    await ok('1.33', ['set', 'env', 'deployment/web', 'VERSION=v2']);
    await ok('1.33', ['rollout', 'status', 'deployment/web', '--timeout=45s'], { timeoutMs: 55_000 });
    const v2 = (p: P) => !!p.spec?.containers[0]?.env?.some((e) => e.name === 'VERSION' && e.value === 'v2');
    assert.deepEqual(await webAnswers(v2), ['v2 green', 'v2 green']);
  });

  it('a SIGKILLed server leaves its containers running; started again, it adopts them without restarting them', async (t) => {
    if (!usable(t)) return;
    const steady = ['duo', 'ready', ...(await api.list<P>(pods, 'default', { labelSelector: 'app=web' })).items.map((p) => p.metadata!.name!)];
    const ids = async () => {
      const out: Record<string, string> = {};
      for (const name of steady) {
        const p = await getPod(name);
        for (const c of p.status?.containerStatuses ?? []) out[`${name}/${c.name}`] = `${c.containerID} restarts=${c.restartCount}`;
      }
      return out;
    };
    const before = await ids();
    const pids = containerPids(server!.dataDir).filter(groupAlive);
    const end = await server!.stop('SIGKILL');
    assert.equal(end.signal, 'SIGKILL');
    assert.deepEqual(pids.filter((p) => !groupAlive(p)), [], 'containers died with the server');
    const t0 = Date.now();
    server = await startTugCluster(serverOptions(server!.dataDir));
    api.close();
    api = clientFromKubeconfig(server.kubeconfig);
    await waitFor('duo ready again', async () => ready(await getPod('duo')));
    t.diagnostic(`server restart (SIGKILL to ready line, containers adopted) took ${Date.now() - t0} ms`);
    assert.deepEqual(await ids(), before);
    assert.equal(await ok('1.33', ['exec', 'duo', '-c', 'server', '--', 'printenv', 'COLOR']), 'blue\n');
    assert.match(await ok('1.27', ['logs', 'duo', '-c', 'client', '--tail=1']), /got: init=from-init/);
  });

  it('SIGTERM stops the server, every container and the pod network', async (t) => {
    if (!usable(t)) return;
    for (const p of (await api.list<P>(pods, 'default')).items) uids.add(p.metadata!.uid!);
    const pids = containerPids(server!.dataDir);
    assert.ok(pids.length >= 5, `container pids: ${pids.join(',')}`);
    const t0 = Date.now();
    const end = await server!.stop('SIGTERM');
    t.diagnostic(`graceful shutdown with ${pids.length} containers took ${Date.now() - t0} ms`);
    assert.equal(end.code, 0, server!.output().slice(-2000));
    const alive = pids.filter(groupAlive);
    assert.deepEqual(alive, [], 'container process groups left running');
    const netns = execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' });
    for (const uid of uids) assert.ok(!netns.includes(netnsName(uid)), `netns of pod ${uid} left behind`);
    assert.equal(existsSync(`/sys/class/net/${BRIDGE}`), false, `bridge ${BRIDGE} left behind`);
    const nft = execFileSync('nft', ['list', 'tables'], { encoding: 'utf8' });
    if (!nft.includes('inet tugboat')) {
      // No other pod network runs on this machine now: everything is as it was before.
      assert.equal(readFileSync('/proc/sys/net/ipv4/ip_forward', 'utf8').trim(), hostBefore.ipForward);
    } else {
      assert.ok(!execFileSync('nft', ['list', 'table', 'inet', 'tugboat'], { encoding: 'utf8' }).includes(`forward-guard-${BRIDGE}`));
    }
    server!.remove();
    server = undefined;
  });
});
