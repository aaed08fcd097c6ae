// The OCI runtime against real runc: needs root and runc (skipped otherwise, failing when CI=true).
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { after, before, describe, it, type TestContext } from 'node:test';
import { requireTool } from '../../../test/support/require-tool.js';
import type { ContainerConfig, ContainerInfo, Sandbox } from '../types.js';
import { parseCriLine } from '../process/cri-log.js';
import { cgroupExists, containerCgroup, podCgroup } from './cgroups.js';
import { isMounted } from './rootfs.js';
import { OciRuntime } from './runtime.js';
import { IMAGE_ID, fakeImages, makeBusyboxLayer, netnsNetwork } from './test-fixtures.js';

const root = mkdtempSync(join(tmpdir(), 'tug-oci-'));
const layer = makeBusyboxLayer(join(root, 'layer'));
const network = netnsNetwork(`tugoci${process.pid}`);
const runtimes: OciRuntime[] = [];
const sandboxes: Sandbox[] = [];

function newRuntime(): OciRuntime {
  const rt = new OciRuntime({ dataDir: join(root, 'rt'), images: fakeImages([layer]), network, binary: 'runc', pollMs: 50 });
  runtimes.push(rt);
  return rt;
}

function ready(t: TestContext): boolean {
  if (process.getuid?.() !== 0) {
    if (process.env.CI === 'true') throw new Error('the OCI runtime tests need root');
    t.skip('needs root (namespaces, cgroups, overlay mounts)');
    return false;
  }
  return requireTool(t, 'runc', 'apt-get install runc') !== undefined;
}

function cfg(name: string, argv: string[], extra: Partial<ContainerConfig> = {}): ContainerConfig {
  return {
    name,
    attempt: 0,
    argv,
    env: {},
    mounts: [],
    tty: false,
    stdin: false,
    stdinOnce: false,
    logPath: join(root, 'logs', `${name}.log`),
    ...extra,
    oci: { imageId: IMAGE_ID, ...extra.oci },
  };
}

async function waitExit(rt: OciRuntime, id: string, ms = 5000): Promise<ContainerInfo & { status: { state: 'exited' } }> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    const s = await rt.status(id);
    if (s?.status.state === 'exited') return s as ContainerInfo & { status: { state: 'exited' } };
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`container ${id} did not exit within ${ms} ms`);
}

function logText(name: string): string[] {
  return readFileSync(join(root, 'logs', `${name}.log`), 'utf8').trim().split('\n').filter(Boolean).map((l) => parseCriLine(l)!.text);
}

const canRun = process.getuid?.() === 0 && (existsSync("/usr/sbin/runc") || existsSync("/usr/bin/runc"));

describe('OciRuntime with runc', { concurrency: false }, () => {
  let rt: OciRuntime;
  let sb: Sandbox;
  before(async () => {
    if (!canRun || process.getuid?.() !== 0) return;
    rt = newRuntime();
    sb = await rt.createSandbox({ podUid: 'p1', namespace: 'ns', name: 'pod1', hostname: 'pod1', hostNetwork: false, podDir: join(root, 'pods/p1') });
    sandboxes.push(sb);
  });
  after(async () => {
    for (const r of runtimes.slice(0, 1)) for (const s of sandboxes) await r.removeSandbox(s.id).catch(() => undefined);
    for (const n of network.made) await network.tearDown(n.slice(n.indexOf('-') + 1)).catch(() => undefined);
    rmSync(root, { recursive: true, force: true });
  });

  it('runs a command: CRI logs, exit code, env, cwd, user and the pod files', async (t) => {
    if (!ready(t)) return;
    const c = await rt.createAndStart(
      sb,
      cfg('a', ['sh', '-c', 'echo out; echo err >&2; echo "$FOO"; pwd; id -u; id -g; id -G; cat /etc/hostname; exit 3'], {
        env: { FOO: 'bar' },
        workingDir: '/work/dir',
        user: { uid: 1000 },
        oci: { imageId: IMAGE_ID, security: { supplementalGroups: [50], fsGroup: 2000 } },
      }),
    );
    const done = await waitExit(rt, c.id);
    assert.equal(done.status.exitCode, 3);
    assert.equal(done.status.reason, 'Error');
    const lines = logText('a');
    assert.ok(lines.includes('err'));
    assert.deepEqual(lines.filter((l) => l !== 'err'), ['out', 'bar', '/work/dir', '1000', '1001', '1001 50 2000', 'pod1']);
  });

  it('resolves an image user name and refuses root with runAsNonRoot', async (t) => {
    if (!ready(t)) return;
    const c = await rt.createAndStart(sb, cfg('named', ['id'], { oci: { imageId: IMAGE_ID, userName: 'app:staff' } }));
    await waitExit(rt, c.id);
    assert.match(logText('named')[0] ?? '', /^uid=1000\(app\) gid=50\(staff\)/);
    await assert.rejects(rt.createAndStart(sb, cfg('nonroot', ['id'], { oci: { imageId: IMAGE_ID, security: { runAsNonRoot: true } } })), /runAsNonRoot/);
    await assert.rejects(rt.createAndStart(sb, cfg('missing', ['no-such-prog'])), /runc failed to start the container: .*no-such-prog/);
  });

  it('readOnlyRootFilesystem refuses writes; dropped capabilities are gone', async (t) => {
    if (!ready(t)) return;
    const ro = await rt.createAndStart(sb, cfg('ro', ['sh', '-c', 'touch /x; echo rc=$?; touch /tmp/y; echo tmp=$?'], { oci: { imageId: IMAGE_ID, security: { readOnlyRootFilesystem: true } } }));
    await waitExit(rt, ro.id);
    const roLog = logText('ro').join('\n');
    assert.match(roLog, /Read-only file system/);
    assert.match(roLog, /rc=1/);
    const caps = await rt.createAndStart(sb, cfg('caps', ['sh', '-c', 'grep CapEff /proc/self/status; ping -c1 -W1 127.0.0.1; echo ping=$?'], { oci: { imageId: IMAGE_ID, security: { capabilities: { drop: ['NET_RAW'] } } } }));
    await waitExit(rt, caps.id);
    const capLog = logText('caps').join('\n');
    const eff = BigInt(`0x${/CapEff:\s+([0-9a-f]+)/.exec(capLog)![1]}`);
    assert.equal((eff >> 13n) & 1n, 0n, 'NET_RAW (bit 13) dropped');
    assert.equal(eff & 1n, 1n, 'CHOWN kept');
    assert.match(capLog, /ping=[1-9]/);
    // RuntimeDefault seccomp refuses a new user namespace (which needs no capability) with EPERM.
    const sc = await rt.createAndStart(sb, cfg('seccomp', ['sh', '-c', 'unshare -U true; echo rc=$?'], { oci: { imageId: IMAGE_ID, security: { seccomp: 'RuntimeDefault' } } }));
    await waitExit(rt, sc.id);
    // stderr and stdout reach the log through separate pipes: their order is not fixed.
    const scLog = logText('seccomp').join('\n');
    assert.match(scLog, /Operation not permitted/);
    assert.match(scLog, /rc=1/);
    const open = await rt.createAndStart(sb, cfg('noseccomp', ['sh', '-c', 'unshare -U true; echo rc=$?']));
    await waitExit(rt, open.id);
    assert.deepEqual(logText('noseccomp'), ['rc=0']);
  });

  it('reports OOMKilled with exit code 137 when a hog passes its memory limit', async (t) => {
    if (!ready(t)) return;
    const c = await rt.createAndStart(sb, cfg('hog', ['dd', 'if=/dev/zero', 'of=/dev/null', 'bs=100M', 'count=1'], { limits: { memoryBytes: 20 * 1024 * 1024 } }));
    const done = await waitExit(rt, c.id, 10_000);
    assert.equal(done.status.exitCode, 137);
    assert.equal(done.status.reason, 'OOMKilled');
  });

  it('holds a busy loop near its 200m CPU limit', async (t) => {
    if (!ready(t)) return;
    const c = await rt.createAndStart(sb, cfg('busy', ['sh', '-c', 'while :; do :; done'], { limits: { cpuMillis: 200 } }));
    await new Promise((r) => setTimeout(r, 300));
    const a = await rt.usage(c.id);
    const t0 = Date.now();
    await new Promise((r) => setTimeout(r, 3000));
    const b = await rt.usage(c.id);
    const share = (b!.cpuSeconds - a!.cpuSeconds) / ((Date.now() - t0) / 1000);
    t.diagnostic(`cpu share under a 200m limit: ${(share * 100).toFixed(1)}%`);
    assert.ok(share > 0.1 && share < 0.35, `share ${share}`);
    await rt.stop(c.id, 0);
    assert.equal((await rt.status(c.id))?.status.state, 'exited');
  });

  it('stops with SIGTERM, then SIGKILL after the grace period', async (t) => {
    if (!ready(t)) return;
    const c = await rt.createAndStart(sb, cfg('term', ['sh', '-c', 'trap "echo term; exit 7" TERM; while :; do sleep 0.05; done']));
    await new Promise((r) => setTimeout(r, 100));
    await rt.stop(c.id, 2000);
    const s = await rt.status(c.id);
    assert.equal(s?.status.state === 'exited' && s.status.exitCode, 7);
    const d = await rt.createAndStart(sb, cfg('stubborn', ['sh', '-c', 'trap "" TERM; while :; do sleep 0.05; done']));
    const t0 = Date.now();
    await rt.stop(d.id, 300);
    const s2 = await rt.status(d.id);
    assert.equal(s2?.status.state === 'exited' && s2.status.exitCode, 137);
    assert.equal(s2?.status.state === 'exited' && s2.status.reason, 'Error');
    assert.ok(Date.now() - t0 >= 300);
  });

  it('exec: exit codes, and -t with a real terminal and its size', async (t) => {
    if (!ready(t)) return;
    const c = await rt.createAndStart(sb, cfg('sleeper', ['sleep', '30']));
    const out = new PassThrough();
    let text = '';
    out.on('data', (d: Buffer) => (text += d.toString()));
    assert.equal(await rt.exec(c.id, ['sh', '-c', 'echo hi; exit 4'], { stdout: out, stderr: out, tty: false }), 4);
    assert.equal(text, 'hi\n');
    text = '';
    const sizes = new PassThrough({ objectMode: true });
    sizes.write({ width: 91, height: 17 });
    // runc sizes the container's console just after the process starts: the script waits for each size to arrive.
    const waitSize = 'w() { i=0; while [ "$(stty size 2>/dev/null)" != "$1" ] && [ $i -lt 100 ]; do sleep 0.02; i=$((i+1)); done; stty size; }';
    const done = rt.exec(c.id, ['sh', '-c', `${waitSize}; tty; w "17 91"; w "40 120"; exit 5`], { stdout: out, tty: true, resize: sizes });
    for (let i = 0; i < 100 && !text.includes('17 91'); i++) await new Promise((r) => setTimeout(r, 20));
    sizes.write({ width: 120, height: 40 });
    const code = await done;
    sizes.end();
    assert.equal(code, 5);
    assert.match(text, /\/dev\/pts\/\d+\r\n17 91\r\n40 120\r\n/);
    await rt.stop(c.id, 0);
  });

  it('attach feeds stdin through the FIFO and follows the output', async (t) => {
    if (!ready(t)) return;
    const c = await rt.createAndStart(sb, cfg('att', ['sh', '-c', 'read x; echo "got $x"'], { stdin: true, stdinOnce: true }));
    const stdin = new PassThrough();
    const out = new PassThrough();
    let text = '';
    out.on('data', (d: Buffer) => (text += d.toString()));
    const attached = rt.attach(c.id, { stdin, stdout: out, stderr: out, tty: false });
    await new Promise((r) => setTimeout(r, 50));
    stdin.end('hello\n');
    await attached;
    assert.equal(text, 'got hello\n');
    assert.equal((await waitExit(rt, c.id)).status.exitCode, 0);
  });

  it('a tty container: attach feeds its terminal and resizes it', async (t) => {
    if (!ready(t)) return;
    const script = 'read x; i=0; while [ "$(stty size)" != "30 100" ] && [ $i -lt 100 ]; do sleep 0.02; i=$((i+1)); done; stty size; echo "got $x"';
    const c = await rt.createAndStart(sb, cfg('tty', ['sh', '-c', script], { tty: true, stdin: true, stdinOnce: true }));
    const stdin = new PassThrough();
    const out = new PassThrough();
    let text = '';
    out.on('data', (d: Buffer) => (text += d.toString()));
    const sizes = new PassThrough({ objectMode: true });
    const attached = rt.attach(c.id, { stdin, stdout: out, tty: true, resize: sizes });
    sizes.write({ width: 100, height: 30 });
    await new Promise((r) => setTimeout(r, 100));
    stdin.end('hi\n');
    await attached;
    sizes.end();
    assert.equal((await waitExit(rt, c.id)).status.exitCode, 0);
    assert.match(text, /30 100\r?\n[\s\S]*got hi/);
  });

  it('two containers of a pod share localhost and IPC; shareProcessNamespace shares PIDs', async (t) => {
    if (!ready(t)) return;
    const server = await rt.createAndStart(sb, cfg('server', ['sh', '-c', 'echo hello-from-server | nc -l -p 7777']));
    const client = await rt.createAndStart(sb, cfg('client', ['sleep', '30']));
    const out = new PassThrough();
    let text = '';
    out.on('data', (d: Buffer) => (text += d.toString()));
    let code = 1;
    for (let i = 0; i < 20 && code !== 0; i++) {
      code = await rt.exec(client.id, ['nc', '127.0.0.1', '7777'], { stdout: out, tty: false });
      if (code !== 0) await new Promise((r) => setTimeout(r, 50));
    }
    assert.equal(text, 'hello-from-server\n');
    const ns = async (id: string) => {
      let s = '';
      const o = new PassThrough().on('data', (d: Buffer) => (s += d.toString()));
      await rt.exec(id, ['sh', '-c', 'readlink /proc/self/ns/ipc; readlink /proc/self/ns/pid'], { stdout: o, tty: false });
      return s.trim().split('\n');
    };
    const [ipcA, pidA] = await ns(client.id);
    const other = await rt.createAndStart(sb, cfg('other', ['sleep', '30']));
    const [ipcB, pidB] = await ns(other.id);
    assert.equal(ipcA, ipcB);
    assert.notEqual(pidA, pidB, 'separate PID namespaces without shareProcessNamespace');
    const sb2 = await rt.createSandbox({ podUid: 'p2', namespace: 'ns', name: 'pod2', hostname: 'pod2', hostNetwork: true, podDir: join(root, 'pods/p2'), extras: { shareProcessNamespace: true } });
    sandboxes.push(sb2);
    const x = await rt.createAndStart(sb2, cfg('x', ['sleep', '31']));
    const y = await rt.createAndStart(sb2, cfg('y', ['sleep', '30']));
    let ps = '';
    await rt.exec(y.id, ['ps'], { stdout: new PassThrough().on('data', (d: Buffer) => (ps += d.toString())), tty: false });
    assert.match(ps, /sleep 31/);
    for (const id of [server.id, client.id, other.id, x.id, y.id]) await rt.remove(id);
  });

  it('a container outlives the runtime object: a new one finds it, stops it and hears its exit', async (t) => {
    if (!ready(t)) return;
    const c = await rt.createAndStart(sb, cfg('survivor', ['sleep', '30']));
    const rt2 = newRuntime();
    const exits: string[] = [];
    rt2.onExit((i) => exits.push(i.id));
    const found = (await rt2.list()).find((i) => i.id === c.id);
    assert.equal(found?.status.state, 'running');
    assert.ok((await rt2.listSandboxes()).some((s) => s.id === sb.id));
    await rt2.stop(c.id, 1000);
    assert.deepEqual(exits, [c.id]);
  });

  it('remove leaves no mount, directory or cgroup; removeSandbox takes the pod away', async (t) => {
    if (!ready(t)) return;
    const c = await rt.createAndStart(sb, cfg('gone', ['sleep', '30'], { limits: { memoryBytes: 64 << 20 } }));
    const dir = join(root, 'rt', 'containers', c.id);
    assert.ok(isMounted(join(dir, 'rootfs')));
    assert.ok(cgroupExists(rt.cgroups, containerCgroup('p1', c.id)));
    await rt.remove(c.id);
    assert.equal(isMounted(join(dir, 'rootfs')), false);
    assert.equal(existsSync(dir), false);
    assert.equal(cgroupExists(rt.cgroups, containerCgroup('p1', c.id)), false);
    assert.equal(await rt.status(c.id), undefined);
    const left = await rt.createAndStart(sb, cfg('left', ['sleep', '30']));
    await rt.removeSandbox(sb.id);
    assert.equal(await rt.status(left.id), undefined);
    assert.equal(existsSync(join(root, 'rt', 'sandboxes', sb.id)), false);
    assert.equal(cgroupExists(rt.cgroups, podCgroup('p1')), false);
    assert.equal(network.made.size, sandboxes.length - 2);
  });

  it('starts containers fast (create+start to running, image unpacked)', async (t) => {
    if (!ready(t)) return;
    const s = await rt.createSandbox({ podUid: 'p3', namespace: 'ns', name: 'pod3', hostname: 'pod3', hostNetwork: false, podDir: join(root, 'pods/p3') });
    sandboxes.push(s);
    const times: number[] = [];
    const ids: string[] = [];
    for (let i = 0; i < 20; i++) {
      const t0 = performance.now();
      const c = await rt.createAndStart(s, cfg(`fast${i}`, ['sleep', '30']));
      times.push(performance.now() - t0);
      ids.push(c.id);
      assert.equal(c.status.state, 'running');
    }
    times.sort((a, b) => a - b);
    const p50 = times[9]!;
    t.diagnostic(`startup over 20 containers: p50 ${p50.toFixed(0)} ms, max ${times[19]!.toFixed(0)} ms`);
    assert.ok(p50 < 500, `p50 ${p50} ms`);
    const t0 = performance.now();
    await rt.removeSandbox(s.id);
    t.diagnostic(`removing the sandbox with 20 running containers: ${(performance.now() - t0).toFixed(0)} ms`);
  });
});
