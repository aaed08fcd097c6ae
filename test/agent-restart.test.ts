// The node agent survives its own death and the server's (issue 6): `tug server --no-agent` and `tug agent` run as
// two child processes. Two sleeping pods run on the agent; the agent is SIGKILLed, one pod is deleted meanwhile,
// and the next agent adopts the other (same container id, same PID, restartCount 0) and stops the deleted one's
// process. Then both processes are SIGKILLed, a pod is deleted while the agent is still down, and again the
// survivor is adopted and the deleted one's process stopped. Then only the server is SIGKILLed: the agent rides it
// out and runs a new pod. With --ca-dir, `kubectl logs` reaches the agent through the API server's relay.
// SIGTERM at the end leaves no process, netns or bridge.
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it, type TestContext } from 'node:test';
import type { Pod } from 'kubernetes-types/core/v1.js';
import type { KubeObject } from '../src/api/object.js';
import { clientFromKubeconfig, pods, type RestClient } from '../src/client/index.js';
import { netnsName } from '../src/network/index.js';
import { findTool, requireTool } from './support/require-tool.js';
import { poll } from './support/poll.js';
import { portOf, startTugCluster, type TugCluster } from './support/tug-cluster.js';
import { repoRoot } from './support/tug-server.js';

type P = Pod & KubeObject;
const NODE = 'agent-1';
const BRIDGE = 'tuga241';
const NS = 'default';

interface AgentProc {
  child: ChildProcess;
  output(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function startAgent(server: TugCluster, dataDir: string): Promise<AgentProc> {
  const token = readFileSync(join(server.dataDir, 'pki', 'tokens.csv'), 'utf8').split(',')[0]!;
  const args = [
    join(repoRoot, 'bin/tug.js'), 'agent',
    '--server', server.url, '--token', token, '--certificate-authority', join(server.dataDir, 'pki', 'ca.crt'),
    // Same machine: the agent signs its stream endpoint's certificate with the cluster CA, so logs reach it.
    '--ca-dir', join(server.dataDir, 'pki'),
    '--data-dir', dataDir, '--node-name', NODE, '--node-ip', '127.0.0.1', '--kubelet-port', '0',
    '--pod-cidr', '10.42.241.0/24', '--cni-bridge', BRIDGE, '--shutdown-grace-period', '3',
    // Host commands as containers: the process runtime, whatever `auto` would pick on this machine.
    '--runtime', 'process',
  ];
  const child = spawn(process.execPath, args, { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((res) => child.on('exit', (code, signal) => res({ code, signal })));
  return new Promise((res, rej) => {
    const timer = setTimeout(() => rej(new Error(`tug agent not running after 20 s:\n${out}`)), 20_000);
    const onData = (d: Buffer) => {
      out += d.toString();
      if (/tug: node agent ".*" running/.test(out)) {
        clearTimeout(timer);
        res({ child, output: () => out, exited });
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    void exited.then((e) => {
      clearTimeout(timer);
      rej(new Error(`tug agent exited early (${e.code ?? e.signal}):\n${out}`));
    });
  });
}

const waitFor = <T>(what: string, fn: () => Promise<T | undefined | false>, ms = 20_000): Promise<T> => poll(what, fn, { ms, everyMs: 150 });

/** Alive and not a zombie. */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

function sleeper(name: string): P {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: NS, labels: { suite: 'agent-restart' } },
    spec: {
      nodeSelector: { 'kubernetes.io/hostname': NODE },
      terminationGracePeriodSeconds: 2,
      containers: [{ name: 'main', image: 'busybox', command: ['sh', '-c', `echo hello from ${name}; exec sleep 600`] }],
    },
  } as P;
}

/** The pod with spec.nodeName set, past the scheduler. */
function bound(p: P): P {
  return { ...p, spec: { ...p.spec!, nodeName: NODE } };
}

interface Running {
  uid: string;
  containerID: string;
  pid: number;
}

describe('tug agent: SIGKILL and restart adopt running pods and stop deleted ones', { concurrency: 1 }, () => {
  let server: TugCluster | undefined;
  let agent: AgentProc | undefined;
  let api: RestClient | undefined;
  let agentDir = '';
  let skip = '';
  const pids = new Set<number>();
  const uids = new Set<string>();

  const running = async (name: string): Promise<Running> =>
    waitFor(`${name} running`, async () => {
      const p = await api!.get<P>(pods, NS, name);
      const cs = p.status?.containerStatuses?.[0];
      if (p.status?.phase !== 'Running' || !cs?.state?.running || !cs.containerID) return undefined;
      const id = cs.containerID.replace(/^process:\/\//, '');
      const state = JSON.parse(readFileSync(join(agentDir, 'runtime', 'process', 'containers', id, 'state.json'), 'utf8')) as { pid: number };
      assert.equal(cs.restartCount, 0);
      pids.add(state.pid);
      uids.add(p.metadata!.uid!);
      return { uid: p.metadata!.uid!, containerID: cs.containerID, pid: state.pid };
    });

  const gone = (name: string) =>
    waitFor(`${name} deleted`, async () => {
      try {
        await api!.get<P>(pods, NS, name);
        return undefined;
      } catch (e) {
        return (e as { reason?: string }).reason === 'NotFound';
      }
    });

  const startServer = async (dataDir?: string, port?: number) => {
    server = await startTugCluster({ simNodes: 0, ...(dataDir ? { dataDir } : {}), ...(port ? { port } : {}) });
    api?.transport.close?.();
    api = clientFromKubeconfig(server.kubeconfig);
  };

  const CNI = '/usr/lib/cni/bridge';
  const INSTALL = 'apt-get install -y containernetworking-plugins';
  /** Skips (or in CI fails) a test when root or the CNI plugins are missing. */
  const ready = (t: TestContext): boolean => {
    if (skip) t.skip(skip);
    return !skip && requireTool(t, CNI, INSTALL) !== undefined;
  };

  before(async () => {
    if (process.getuid?.() !== 0) {
      skip = 'needs root (pod network namespaces)';
      return;
    }
    if (!findTool(CNI)) {
      skip = `${CNI} not found: install it with \`${INSTALL}\``;
      if (process.env.CI === 'true') throw new Error(skip);
      return;
    }
    agentDir = mkdtempSync(join(tmpdir(), 'tug-agent-restart-'));
    await startServer();
    agent = await startAgent(server!, agentDir);
  });

  after(async () => {
    const agentExit = agent ? (agent.child.kill('SIGTERM'), await agent.exited) : undefined;
    const serverExit = server ? await server.stop('SIGTERM') : undefined;
    api?.transport.close?.();
    const leftover = [...pids].filter(alive);
    for (const pid of leftover) {
      try {
        process.kill(-pid, 'SIGKILL');
      } catch {
        /* already gone */
      }
    }
    const netns = spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' }).stdout;
    const ourNetns = [...uids].map(netnsName).filter((n) => netns.includes(n));
    const bridge = spawnSync('ip', ['link', 'show', BRIDGE], { encoding: 'utf8' }).status === 0;
    for (const n of ourNetns) spawnSync('ip', ['netns', 'del', n]);
    if (bridge) spawnSync('ip', ['link', 'del', BRIDGE]);
    const out = `${agent?.output() ?? ''}\n--- server ---\n${server?.output() ?? ''}`;
    server?.remove();
    if (agentDir) rmSync(agentDir, { recursive: true, force: true });
    if (skip) return;
    assert.deepEqual(leftover, [], `processes left behind:\n${out}`);
    assert.deepEqual(ourNetns, [], 'network namespaces left behind');
    assert.equal(bridge, false, `bridge ${BRIDGE} left behind`);
    assert.deepEqual(agentExit, { code: 0, signal: null }, out);
    assert.deepEqual(serverExit, { code: 0, signal: null }, out);
  });

  it('adopts a running pod and stops a pod deleted while the agent was dead', async (t) => {
    if (!ready(t)) return;
    await api!.create(pods, NS, sleeper('keep'));
    await api!.create(pods, NS, sleeper('drop'));
    const keep = await running('keep');
    const drop = await running('drop');
    t.diagnostic(agent!.output().trim());
    const ip = (await api!.get<P>(pods, NS, 'keep')).status?.podIP ?? '';
    assert.match(ip, /^10\.42\.241\./, 'the pod has an address in the agent\'s pod CIDR');
    // Through the API server's relay to the agent's stream endpoint (--ca-dir).
    const logs = spawnSync('kubectl', ['--kubeconfig', server!.kubeconfig, 'logs', 'keep'], { encoding: 'utf8', timeout: 15_000 });
    assert.equal(logs.stdout, 'hello from keep\n', logs.stderr);

    agent!.child.kill('SIGKILL');
    await agent!.exited;
    assert.ok(alive(keep.pid) && alive(drop.pid), 'containers outlive a SIGKILLed agent');
    await api!.delete(pods, NS, 'drop');
    const terminating = await api!.get<P>(pods, NS, 'drop');
    assert.ok(terminating.metadata?.deletionTimestamp, 'without an agent the pod stays Terminating');

    agent = await startAgent(server!, agentDir);
    await gone('drop');
    await waitFor('the deleted pod\'s process stopped', async () => !alive(drop.pid), 10_000);
    const again = await running('keep');
    assert.deepEqual(again, keep, 'the running pod was adopted, not restarted');
    assert.ok(alive(keep.pid));
  });

  it('after SIGKILLing server and agent, adopts the survivor and stops a pod deleted meanwhile', async (t) => {
    if (!ready(t)) return;
    await api!.create(pods, NS, sleeper('late'));
    const late = await running('late');
    const keep = await running('keep');

    agent!.child.kill('SIGKILL');
    await agent!.exited;
    const dataDir = server!.dataDir;
    const port = portOf(server!.url);
    await server!.stop('SIGKILL');
    assert.ok(alive(keep.pid) && alive(late.pid), 'containers outlive a SIGKILLed server and agent');

    await startServer(dataDir, port);
    await api!.delete(pods, NS, 'late');
    agent = await startAgent(server!, agentDir);
    await gone('late');
    await waitFor('the deleted pod\'s process stopped', async () => !alive(late.pid), 10_000);
    const again = await running('keep');
    assert.deepEqual(again, keep, 'the running pod was adopted after the whole cluster restarted');
  });

  it('keeps running through a server restart and takes new pods after it', async (t) => {
    if (!ready(t)) return;
    // Bound directly: a scheduler restarted after a SIGKILL first waits out the killed leader's lease (about 15 s).
    await api!.create(pods, NS, bound(sleeper('steady')));
    const steady = await running('steady');
    const dataDir = server!.dataDir;
    const port = portOf(server!.url);
    await server!.stop('SIGKILL');
    await startServer(dataDir, port);
    const t0 = Date.now();
    await api!.create(pods, NS, bound(sleeper('after')));
    await running('after');
    t.diagnostic(`after the server restart the agent ran a new pod in ${Date.now() - t0} ms`);
    assert.equal(agent!.child.exitCode, null, 'the agent is still the same process');
    assert.deepEqual(await running('steady'), steady);
  });
});
