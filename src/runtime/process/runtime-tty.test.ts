import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { after, describe, it } from 'node:test';
import { ProcessRuntime } from './runtime.js';
import { shellQuote } from './pty.js';
import type { ContainerConfig } from '../types.js';

const root = mkdtempSync(join(tmpdir(), 'tug-tty-'));
after(() => rmSync(root, { recursive: true, force: true }));

function cfg(name: string, argv: string[]): ContainerConfig {
  return { name, attempt: 0, argv, env: { PATH: '/usr/bin:/bin' }, mounts: [], tty: false, stdin: false, stdinOnce: false, logPath: join(root, 'logs', `${name}.log`) };
}

/** A resize stream the test pushes sizes into. */
function resizer() {
  const queue: { width: number; height: number }[] = [];
  let wake: (() => void) | undefined;
  let ended = false;
  return {
    push(s: { width: number; height: number }) {
      queue.push(s);
      wake?.();
    },
    end() {
      ended = true;
      wake?.();
    },
    async *[Symbol.asyncIterator]() {
      for (;;) {
        while (queue.length) yield queue.shift()!;
        if (ended) return;
        await new Promise<void>((r) => (wake = r));
      }
    },
  };
}

describe('ProcessRuntime exec with a tty', () => {
  const rt = new ProcessRuntime({ root: join(root, 'rt'), hostIP: '127.0.0.1' });
  const sbP = rt.createSandbox({ podUid: 'u1', namespace: 'ns', name: 'p', hostname: 'p', hostNetwork: true, podDir: join(root, 'pod') });

  it('quotes words for sh', () => {
    assert.equal(shellQuote(['a b', "it's"]), `'a b' 'it'\\''s'`);
  });

  it('runs the command on a pty, merges stderr, applies sizes and passes the exit code', async () => {
    const c = await rt.createAndStart(await sbP, cfg('a', ['sleep', '30']));
    const out = new PassThrough();
    let text = '';
    out.on('data', (d: Buffer) => (text += d.toString()));
    const sizes = resizer();
    sizes.push({ width: 91, height: 17 });
    const script = 'tty; test -t 0 && test -t 1 && echo isatty; echo err >&2; stty size; while [ "$(stty size)" = "17 91" ]; do sleep 0.05; done; stty size; exit 5';
    const done = rt.exec(c.id, ['sh', '-c', script], { stdout: out, stderr: new PassThrough(), tty: true, resize: sizes });
    for (let i = 0; i < 100 && !text.includes('17 91'); i++) await new Promise((r) => setTimeout(r, 20));
    sizes.push({ width: 120, height: 40 });
    const code = await done;
    sizes.end();
    assert.equal(code, 5);
    const lines = text.split('\r\n');
    assert.match(lines[0] ?? '', /^\/dev\/pts\/\d+$/);
    assert.deepEqual(lines.slice(1, 5), ['isatty', 'err', '17 91', '40 120']);
    await rt.stop(c.id, 0);
  });

  it('feeds stdin to the pty and ends on stdin EOF', async () => {
    const c = await rt.createAndStart(await sbP, cfg('b', ['sleep', '30']));
    const out = new PassThrough();
    let text = '';
    out.on('data', (d: Buffer) => (text += d.toString()));
    const stdin = new PassThrough();
    const done = rt.exec(c.id, ['sh', '-c', 'read x; echo "got $x"; test -t 0 && echo yes'], { stdin, stdout: out, tty: true });
    stdin.end('hi\n');
    assert.equal(await done, 0);
    assert.match(text, /got hi\r\nyes\r\n/);
    await rt.stop(c.id, 0);
  });
});
