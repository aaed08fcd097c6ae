import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { after, describe, it } from 'node:test';
import { ProcessRuntime } from './runtime.js';
import type { ContainerConfig } from '../types.js';

const root = mkdtempSync(join(tmpdir(), 'tug-stdin-'));
after(() => rmSync(root, { recursive: true, force: true }));

function cfg(name: string, argv: string[], stdinOnce: boolean): ContainerConfig {
  return { name, attempt: 0, argv, env: { PATH: '/usr/bin:/bin' }, mounts: [], tty: false, stdin: true, stdinOnce, logPath: join(root, 'logs', `${name}.log`) };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('ProcessRuntime attach stdin', () => {
  const rt = new ProcessRuntime({ root: join(root, 'rt'), hostIP: '127.0.0.1' });
  const sbP = rt.createSandbox({ podUid: 'u1', namespace: 'ns', name: 'p', hostname: 'p', hostNetwork: true, podDir: join(root, 'pod') });

  it('with stdinOnce, the end of the first session is EOF for the container', async () => {
    const c = await rt.createAndStart(await sbP, cfg('once', ['sh', '-c', 'echo started; cat; echo eof'], true));
    const stdin = new PassThrough();
    const out = new PassThrough();
    let text = '';
    out.on('data', (d: Buffer) => (text += d.toString()));
    const attached = rt.attach(c.id, { stdin, stdout: out, stderr: out, tty: false });
    stdin.write('one\n');
    stdin.end('two\n');
    await attached;
    for (let i = 0; i < 100 && (await rt.status(c.id))?.status.state !== 'exited'; i++) await sleep(25);
    const s = await rt.status(c.id);
    assert.equal(s?.status.state, 'exited');
    const log = readFileSync(join(root, 'logs', 'once.log'), 'utf8');
    assert.match(log, /started\n.*one\n.*two\n.*eof\n/);
  });

  it('without stdinOnce, stdin stays open across sessions', async () => {
    const c = await rt.createAndStart(await sbP, cfg('open', ['sh', '-c', 'cat; echo eof'], false));
    for (const word of ['a', 'b']) {
      const stdin = new PassThrough();
      const out = new PassThrough();
      const attached = rt.attach(c.id, { stdin, stdout: out, tty: false });
      stdin.end(`${word}\n`);
      await sleep(300);
      out.destroy();
      await attached;
    }
    assert.equal((await rt.status(c.id))?.status.state, 'running');
    const log = readFileSync(join(root, 'logs', 'open.log'), 'utf8');
    assert.match(log, / a\n.* b\n/);
    assert.doesNotMatch(log, /eof/);
    await rt.stop(c.id, 0);
  });
});
