import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { after, describe, it } from 'node:test';
import { createServer } from 'node:net';
import { parseCriLine } from './cri-log.js';
import { ProcessRuntime } from './runtime.js';
import type { ContainerConfig, ContainerInfo } from '../types.js';

const root = mkdtempSync(join(tmpdir(), 'tug-proc-'));
after(() => rmSync(root, { recursive: true, force: true }));

function cfg(name: string, argv: string[], extra: Partial<ContainerConfig> = {}): ContainerConfig {
  return { name, attempt: 0, argv, env: { PATH: process.env.PATH ?? '/usr/bin:/bin' }, mounts: [], tty: false, stdin: false, stdinOnce: false, logPath: join(root, 'logs', `${name}.log`), ...extra };
}

async function waitExit(rt: ProcessRuntime, id: string): Promise<ContainerInfo> {
  for (let i = 0; i < 200; i++) {
    const s = await rt.status(id);
    if (s?.status.state === 'exited') return s;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error('container did not exit');
}

describe('ProcessRuntime', () => {
  const rt = new ProcessRuntime({ root: join(root, 'rt'), hostIP: '127.0.0.1' });
  const sbP = rt.createSandbox({ podUid: 'u1', namespace: 'ns', name: 'p', hostname: 'p', hostNetwork: true, podDir: join(root, 'pod') });

  it('runs a command, writes CRI logs and the exit code', async () => {
    const sb = await sbP;
    const exits: ContainerInfo[] = [];
    rt.onExit((i) => exits.push(i));
    const c = await rt.createAndStart(sb, cfg('a', ['sh', '-c', 'echo out; echo err >&2; echo "$FOO"; exit 3'], { env: { PATH: '/usr/bin:/bin', FOO: 'bar' } }));
    const done = await waitExit(rt, c.id);
    assert.equal(done.status.state, 'exited');
    assert.equal(done.status.state === 'exited' && done.status.exitCode, 3);
    const lines = readFileSync(join(root, 'logs', 'a.log'), 'utf8').trim().split('\n').map((l) => parseCriLine(l)!);
    assert.deepEqual(lines.map((l) => `${l.stream}:${l.text}`).sort(), ['stderr:err', 'stdout:bar', 'stdout:out']);
    assert.match(lines[0]!.time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z$/);
    for (let i = 0; i < 40 && !exits.length; i++) await new Promise((r) => setTimeout(r, 25));
    assert.equal(exits[0]?.id, c.id);
  });

  it('fails clearly when the program is not on PATH', async () => {
    await assert.rejects(rt.createAndStart(await sbP, cfg('b', ['no-such-prog-xyz'])), /executable file not found in \$PATH/);
  });

  it('stops with SIGTERM then SIGKILL after the grace period', async () => {
    const sb = await sbP;
    const c = await rt.createAndStart(sb, cfg('c', ['sh', '-c', 'trap "echo term; exit 7" TERM; while true; do sleep 0.05; done']));
    assert.equal(c.status.state, 'running');
    await new Promise((r) => setTimeout(r, 100));
    await rt.stop(c.id, 2000);
    const s = await rt.status(c.id);
    assert.equal(s?.status.state === 'exited' && s.status.exitCode, 7);
    const d = await rt.createAndStart(sb, cfg('d', ['sh', '-c', 'trap "" TERM; while true; do sleep 0.05; done']));
    await new Promise((r) => setTimeout(r, 100));
    const t0 = Date.now();
    await rt.stop(d.id, 300);
    assert.ok(Date.now() - t0 >= 290);
    const sd = await rt.status(d.id);
    assert.equal(sd?.status.state === 'exited' && sd.status.signal, 'SIGKILL');
  });

  it('finds running containers again from a new runtime instance (agent restart)', async () => {
    const sb = await sbP;
    const c = await rt.createAndStart(sb, cfg('e', ['sleep', '30']));
    const rt2 = new ProcessRuntime({ root: join(root, 'rt'), pollMs: 50 });
    const found = (await rt2.list()).find((x) => x.id === c.id);
    assert.equal(found?.status.state, 'running');
    const exited = new Promise<ContainerInfo>((r) => rt2.onExit(r));
    await rt2.stop(c.id, 1000);
    assert.equal((await exited).id, c.id);
    await rt2.remove(c.id);
    assert.equal(await rt.status(c.id), undefined);
  });

  it('survives the death of the process that started it', async () => {
    // A child node process starts a container and is SIGKILLed; the container keeps running.
    const script = `import('${new URL('./runtime.js', import.meta.url).href}').then(async ({ProcessRuntime}) => {
      const rt = new ProcessRuntime({ root: ${JSON.stringify(join(root, 'rt3'))} });
      const sb = await rt.createSandbox({ podUid: 'u3', namespace: 'n', name: 'p', hostname: 'p', hostNetwork: true, podDir: ${JSON.stringify(join(root, 'pod3'))} });
      const c = await rt.createAndStart(sb, { name: 'x', attempt: 0, argv: ['sleep', '30'], env: { PATH: '/usr/bin:/bin' }, mounts: [], tty: false, stdin: false, stdinOnce: false, logPath: ${JSON.stringify(join(root, 'x.log'))} });
      console.log(c.id); setInterval(() => {}, 1000);
    })`;
    const agent = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    const id = await new Promise<string>((r) => agent.stdout.once('data', (d: Buffer) => r(d.toString().trim())));
    agent.kill('SIGKILL');
    await new Promise((r) => agent.once('exit', r));
    const rt3 = new ProcessRuntime({ root: join(root, 'rt3') });
    const s = await rt3.status(id);
    assert.equal(s?.status.state, 'running');
    await rt3.stop(id, 0);
    assert.equal((await rt3.status(id))?.status.state, 'exited');
  });

  it('execs in the container environment and returns the exit code', async () => {
    const sb = await sbP;
    const c = await rt.createAndStart(sb, cfg('f', ['sleep', '30'], { env: { PATH: '/usr/bin:/bin', GREETING: 'hello' } }));
    const out = new PassThrough();
    let text = '';
    out.on('data', (d: Buffer) => (text += d.toString()));
    const code = await rt.exec(c.id, ['sh', '-c', 'echo $GREETING; exit 4'], { stdout: out, stderr: out, tty: false });
    assert.equal(code, 4);
    assert.equal(text, 'hello\n');
    await rt.stop(c.id, 0);
  });

  it('port-forwards on the host network', async () => {
    const srv = createServer((s) => s.end('pong'));
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    const port = (srv.address() as { port: number }).port;
    const sb = await sbP;
    const a = new PassThrough();
    const b = new PassThrough();
    const duplex = Object.assign(new PassThrough(), {});
    let got = '';
    duplex.on('data', () => undefined);
    void a;
    void b;
    const { Duplex } = await import('node:stream');
    const pair = new Duplex({
      read() {},
      write(chunk, _enc, cb) {
        got += chunk.toString();
        cb();
      },
    });
    const done = rt.portForward(sb.id, port, pair);
    for (let i = 0; i < 100 && !got; i++) await new Promise((r) => setTimeout(r, 10));
    pair.destroy();
    await done;
    srv.close();
    assert.equal(got, 'pong');
  });
});
