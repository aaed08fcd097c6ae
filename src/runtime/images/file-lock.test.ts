import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { LockTimeoutError, withFileLock } from './file-lock.js';
import { ContentStore } from './store.js';

const dir = mkdtempSync(join(tmpdir(), 'tug-file-lock-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** The pid of a process that has exited (pids are not reused that quickly). */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(r.stdout);
}

// A child process adding `count` images named `<prefix>-<i>`, one store.update() each, to the store at root.
const CHILD = `
const [storeUrl, root, prefix, count] = process.argv.slice(1);
const { ContentStore } = await import(storeUrl);
const s = new ContentStore(root);
for (let i = 0; i < Number(count); i++) {
  await s.update((idx) => {
    idx.images[prefix + '-' + i] = { id: prefix + '-' + i, manifestDigest: '', repoTags: [], repoDigests: [], layers: [], config: {}, platform: { os: 'linux', architecture: 'amd64' }, created: '' };
  });
}
`;

function child(root: string, prefix: string, count: number): Promise<void> {
  const storeUrl = new URL('./store.js', import.meta.url).href;
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, ['--input-type=module', '-e', CHILD, storeUrl, root, prefix, String(count)], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    p.stderr.on('data', (d: Buffer) => (err += d.toString()));
    p.on('error', reject);
    p.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`child ${prefix} exited ${code}: ${err}`))));
  });
}

describe('file lock', () => {
  it('two processes adding images at once lose none of each other\'s updates', async () => {
    const root = join(dir, 'store');
    const n = 150;
    await Promise.all([child(root, 'a', n), child(root, 'b', n)]);
    const names = Object.keys(new ContentStore(root).read().images);
    assert.equal(names.filter((k) => k.startsWith('a-')).length, n);
    assert.equal(names.filter((k) => k.startsWith('b-')).length, n);
    assert.equal(existsSync(join(root, 'images.lock')), false, 'the lock is released');
  });

  it('takes over a lock whose holder pid is gone', async () => {
    const file = join(dir, 'stale.lock');
    writeFileSync(file, `${deadPid()} 12345\n`);
    const t0 = Date.now();
    const got = await withFileLock(file, () => readFileSync(file, 'utf8'), { timeoutMs: 2000 });
    assert.match(got, new RegExp(`^${process.pid} `));
    assert.ok(Date.now() - t0 < 1000);
    assert.equal(existsSync(file), false);
  });

  it('takes over a lock whose pid is alive but is another process (start time differs: pid reused)', async () => {
    const file = join(dir, 'reused.lock');
    writeFileSync(file, `${process.pid} 1\n`);
    assert.equal(await withFileLock(file, () => 'mine', { timeoutMs: 2000 }), 'mine');
  });

  it('waits for a live holder, then times out naming its pid', async () => {
    const file = join(dir, 'held.lock');
    const holder = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 30000)'], { stdio: 'ignore' });
    try {
      writeFileSync(file, `${holder.pid}\n`);
      const t0 = Date.now();
      await assert.rejects(
        withFileLock(file, () => 'never', { timeoutMs: 150 }),
        (e: unknown) => e instanceof LockTimeoutError && e.holderPid === holder.pid && e.message.includes(`held by pid ${holder.pid}`),
      );
      assert.ok(Date.now() - t0 >= 150);
      assert.ok(existsSync(file), 'a live holder\'s lock stays');
    } finally {
      holder.kill('SIGKILL');
      rmSync(file, { force: true });
    }
  });

  it('a waiter gets the lock as soon as the holder releases it, and fn errors release it too', async () => {
    const file = join(dir, 'queue.lock');
    const order: string[] = [];
    let release!: () => void;
    const first = withFileLock(file, () => new Promise<void>((r) => (release = () => (order.push('first'), r()))));
    await new Promise((r) => setTimeout(r, 20));
    const second = withFileLock(file, () => void order.push('second'), { timeoutMs: 2000 });
    setTimeout(() => release(), 30);
    await Promise.all([first, second]);
    assert.deepEqual(order, ['first', 'second']);
    await assert.rejects(withFileLock(file, () => Promise.reject(new Error('boom'))), /boom/);
    assert.equal(existsSync(file), false);
  });
});
