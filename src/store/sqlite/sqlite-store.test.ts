import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import {
  chmodSync,
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { collect, runConformance } from '../conformance.js';
import { isStoreError, type StoreErrorCode } from '../types.js';
import { SqliteStore } from './sqlite-store.js';

const STORE_MODULE = fileURLToPath(new URL('./sqlite-store.js', import.meta.url));

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'tug-sqlite-'));
  dirs.push(dir);
  return dir;
}
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function openThrows(file: string, code: StoreErrorCode): string {
  try {
    SqliteStore.open({ file }).close().catch(() => {});
  } catch (err) {
    assert.ok(isStoreError(err, code), `expected StoreError ${code}, got ${String(err)}`);
    assert.ok(!err.message.includes('\n'), `message is one line: ${err.message}`);
    return err.message;
  }
  assert.fail(`expected open(${file}) to fail with ${code}`);
}

/** The size of the database and its WAL. */
function diskBytes(file: string): number {
  let total = 0;
  for (const suffix of ['', '-wal', '-shm']) {
    try {
      total += statSync(file + suffix).size;
    } catch {
      // absent
    }
  }
  return total;
}

/** A closed store file with some history. */
async function sampleFile(dir: string, rows = 300): Promise<string> {
  const file = join(dir, 'state.db');
  const s = SqliteStore.open({ file });
  for (let i = 0; i < rows; i++) await s.create(`/sample/${i}`, 'x'.repeat(500));
  await s.close();
  return file;
}

/** Run an ES module script in a child node process, with env. */
function nodeScript(script: string, env: Record<string, string>, uid?: number) {
  return spawnSync(process.execPath, ['--input-type=module', '-e', script], {
    env: { ...process.env, ...env },
    encoding: 'utf8',
    timeout: 20_000,
    ...(uid === undefined ? {} : { uid, gid: uid }),
  });
}

const TRY_OPEN = `
const { SqliteStore } = await import(process.env.STORE_MODULE);
try {
  const s = SqliteStore.open({ file: process.env.FILE, busyTimeoutMs: 100 });
  await s.close();
  console.log(JSON.stringify({ ok: true }));
} catch (err) {
  console.log(JSON.stringify({ code: err.code, message: err.message }));
}`;

runConformance('sqlite', async () => {
  const dir = tempDir();
  return { store: SqliteStore.open({ file: join(dir, 'state.db') }), cleanup: async () => {} };
});

describe('sqlite store', () => {
  it('keeps data across reopen and continues the revision, even when the newest rows were compacted', async () => {
    const file = join(tempDir(), 'state.db');
    let s = SqliteStore.open({ file });
    const a = await s.create('/r/a', 'one');
    await s.update('/r/a', 'two', a.modRevision);
    const gone = await s.create('/r/gone', 'x');
    await s.delete('/r/gone', gone.modRevision); // the head revision is now a tombstone...
    const head = await s.currentRevision();
    await s.compact(head); // ...which compaction removes
    await s.close();

    s = SqliteStore.open({ file });
    assert.equal(await s.currentRevision(), head);
    assert.equal(await s.compactedRevision(), head);
    assert.deepEqual(await s.get('/r/a'), { key: '/r/a', value: 'two', createRevision: a.modRevision, modRevision: a.modRevision + 1 });
    assert.equal(await s.get('/r/gone'), undefined);
    const next = await s.create('/r/gone', 'back');
    assert.equal(next.modRevision, head + 1);
    await s.close();
  });

  it('loses no acknowledged write when the process is killed with SIGKILL', async () => {
    const file = join(tempDir(), 'state.db');
    const writer = spawn(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `const { SqliteStore } = await import(process.env.STORE_MODULE);
         const s = SqliteStore.open({ file: process.env.FILE });
         let n = 0;
         for (let w = 0; w < 16; w++) (async () => {
           for (;;) { const kv = await s.create('/kill/' + n++, 'v' + n); process.stdout.write(kv.key + ' ' + kv.modRevision + '\\n'); }
         })();`,
      ],
      { env: { ...process.env, STORE_MODULE, FILE: file }, stdio: ['ignore', 'pipe', 'inherit'] },
    );
    const acked = new Map<string, number>();
    let buf = '';
    const guard = setTimeout(() => writer.kill('SIGKILL'), 15_000); // never hang the suite
    const exited = new Promise<void>((resolve) => writer.on('exit', () => resolve()));
    writer.stdout.setEncoding('utf8');
    writer.stdout.on('data', (chunk: string) => {
      buf += chunk;
      const lines = buf.split('\n');
      buf = lines.pop() ?? '';
      for (const line of lines) {
        const [key, rev] = line.split(' ');
        acked.set(key!, Number(rev));
      }
      if (acked.size >= 2000) writer.kill('SIGKILL');
    });
    await exited;
    clearTimeout(guard);
    assert.ok(acked.size >= 2000, `writer acknowledged only ${acked.size} writes`);

    const s = SqliteStore.open({ file });
    const stored = new Map((await s.range('/kill/')).kvs.map((kv) => [kv.key, kv.modRevision]));
    for (const [key, rev] of acked) assert.equal(stored.get(key), rev, `acknowledged ${key} at ${rev}`);
    assert.ok((await s.currentRevision()) >= Math.max(...acked.values()));
    await s.close();
  });

  it('refuses a file that is not a database, leaving it untouched', () => {
    const dir = tempDir();
    const file = join(dir, 'state.db');
    const junk = Buffer.alloc(16384, 'not sqlite ');
    writeFileSync(file, junk);
    const msg = openThrows(file, 'Corrupt');
    assert.match(msg, /state\.db is corrupt \(file is not a database\): restore it from a backup or move it aside/);
    assert.deepEqual(readFileSync(file), junk);
    assert.deepEqual(readdirSync(dir), ['state.db']);
  });

  it('refuses truncated and damaged databases, leaving them untouched', async () => {
    const dir = tempDir();
    const good = await sampleFile(dir);
    const size = statSync(good).size;
    const damage: Record<string, (f: string) => void> = {
      'half.db': (f) => truncateSync(f, Math.floor(size / 2)),
      'last-page-gone.db': (f) => truncateSync(f, size - 4096),
      'odd-length.db': (f) => truncateSync(f, size - 1000),
      'header-only.db': (f) => truncateSync(f, 60),
      'flipped.db': (f) => {
        const b = readFileSync(f);
        for (let i = 2 * 4096; i < 2 * 4096 + 64; i++) b[i] = b[i]! ^ 0xff;
        writeFileSync(f, b);
      },
    };
    for (const [name, hurt] of Object.entries(damage)) {
      const file = join(dir, name);
      copyFileSync(good, file);
      hurt(file);
      const before = readFileSync(file);
      const msg = openThrows(file, 'Corrupt');
      assert.match(msg, /is corrupt .*: restore it from a backup or move it aside to start empty$/, name);
      assert.deepEqual(readFileSync(file), before, `${name} unchanged`);
      assert.deepEqual(
        readdirSync(dir).filter((f) => f.startsWith(name)),
        [name],
        `no -wal or -shm left next to ${name}`,
      );
    }
  });

  it('refuses an SQLite database that is not a Tugboat store', () => {
    const file = join(tempDir(), 'other.db');
    const other = new Database(file);
    other.exec('CREATE TABLE invoices (id INTEGER PRIMARY KEY, total REAL)');
    other.close();
    const before = readFileSync(file);
    assert.match(openThrows(file, 'Corrupt'), /is not a Tugboat store .*invoices.*choose another data directory/);
    assert.deepEqual(readFileSync(file), before);
  });

  it('reports PermissionDenied when the path cannot be created', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'plain-file'), 'x');
    const msg = openThrows(join(dir, 'plain-file', 'state.db'), 'PermissionDenied');
    assert.match(msg, /cannot create directory .*plain-file: a part of the path is a file, not a directory/);
  });

  it('reports PermissionDenied in a directory this user may not write', () => {
    const dir = tempDir();
    const locked = join(dir, 'locked');
    mkdirSync(locked, { mode: 0o755 });
    const file = join(locked, 'state.db');
    // root may write anywhere, so as root the attempt is made by an unprivileged child process (uid 65534)
    let result: { code?: string; message?: string; ok?: boolean };
    if (process.getuid?.() === 0) {
      chmodSync(dir, 0o755); // let the child reach it
      const child = nodeScript(TRY_OPEN, { STORE_MODULE, FILE: file }, 65534);
      assert.equal(child.status, 0, child.stderr);
      result = JSON.parse(child.stdout) as typeof result;
    } else {
      chmodSync(locked, 0o555);
      try {
        SqliteStore.open({ file });
        result = { ok: true };
      } catch (err) {
        result = { code: (err as { code?: string }).code, message: (err as Error).message };
      }
    }
    assert.equal(result.code, 'PermissionDenied', JSON.stringify(result));
    assert.match(result.message ?? '', /cannot open database .*state\.db .*permission denied.*give this user write access/);
    assert.deepEqual(readdirSync(locked), []);
  });

  it('refuses to open a database another process holds open', async () => {
    const file = join(tempDir(), 'state.db');
    const s = SqliteStore.open({ file });
    await s.create('/held', 'x');
    const child = nodeScript(TRY_OPEN, { STORE_MODULE, FILE: file });
    assert.equal(child.status, 0, child.stderr);
    const result = JSON.parse(child.stdout) as { code?: string; message?: string };
    assert.equal(result.code, 'Unavailable');
    assert.match(result.message ?? '', /locked by another process/);
    assert.equal((await s.get('/held'))?.value, 'x');
    await s.close();
  });

  it('checks each write of a group commit on its own: a failing one fails only itself', async () => {
    const s = SqliteStore.open({ file: join(tempDir(), 'state.db') });
    const kvs = await Promise.all(Array.from({ length: 20 }, (_, i) => s.create(`/g/${i}`, 'v0')));
    const start = await s.currentRevision();
    // in one turn: good updates, stale tokens, a duplicate create, a delete, and a write on top of that delete
    const results = await Promise.allSettled([
      ...kvs.map((kv, i) => s.update(kv.key, 'v1', i % 2 === 0 ? kv.modRevision : kv.modRevision - 1)),
      s.create('/g/0', 'dup'),
      s.delete('/g/1'),
      s.create('/g/1', 'reborn'),
    ]);
    const codes = results.map((r) => (r.status === 'fulfilled' ? 'ok' : (r.reason as { code: string }).code));
    assert.deepEqual(codes, [
      ...kvs.map((_, i) => (i % 2 === 0 ? 'ok' : 'Conflict')),
      'AlreadyExists',
      'ok',
      'ok',
    ]);
    // the winners got consecutive revisions, in submission order
    const revs = results.flatMap((r) =>
      r.status === 'fulfilled' ? [('deleteRevision' in r.value ? r.value.deleteRevision : r.value.modRevision) as number] : [],
    );
    assert.deepEqual(revs, Array.from({ length: revs.length }, (_, i) => start + 1 + i));
    assert.equal((await s.get('/g/1'))?.value, 'reborn');
    assert.equal((await s.get('/g/0'))?.value, 'v1');
    await s.close();
  });

  it('orders keys by UTF-8 bytes and bounds prefixes exactly, also where the bound is not valid UTF-8', async () => {
    const s = SqliteStore.open({ file: join(tempDir(), 'state.db') });
    // U+FF21 sorts before U+1F600 in UTF-8 but after it in UTF-16; '¿' is C2 BF, so the prefix end is C2 C0
    for (const k of ['/u/¿x', '/u/¿😀', '/u/À', '/u/\uff21', '/u/😀', '/u/¿']) await s.create(k, k);
    assert.deepEqual(
      (await s.range('/u/')).kvs.map((kv) => kv.key),
      ['/u/¿', '/u/¿x', '/u/¿😀', '/u/À', '/u/\uff21', '/u/😀'],
    );
    assert.deepEqual(
      (await s.range('/u/¿')).kvs.map((kv) => kv.key),
      ['/u/¿', '/u/¿x', '/u/¿😀'],
    );
    assert.equal((await s.range('')).kvs.length, 6);
    await s.close();
  });

  it('compacts in the background so heavy churn keeps the file small', async () => {
    const file = join(tempDir(), 'state.db');
    const window = 100;
    const batch = 100;
    const s = SqliteStore.open({ file, compactWindow: window, compactBatch: batch, compactIntervalMs: 100 });
    const value = JSON.stringify({ spec: 'x'.repeat(200) });
    const keys = 20;
    const updates = 2000;
    const watch = s.watch('/churn/', { afterRevision: await s.currentRevision() });
    const seen = collect(watch, (evs) => evs.length >= keys * (updates + 1), 30_000);
    await Promise.all(
      Array.from({ length: keys }, async (_, k) => {
        let kv = await s.create(`/churn/${k}`, value);
        for (let i = 0; i < updates; i++) kv = await s.update(kv.key, value, kv.modRevision);
      }),
    );
    const head = await s.currentRevision();
    // 40,000 writes of ~210 bytes would take over 10 MB without compaction
    assert.ok((await s.compactedRevision()) >= head - window - 2 * batch, 'compaction kept up with the writes');
    // a timer round hands free pages back and truncates the WAL
    const deadline = Date.now() + 10_000;
    while (diskBytes(file) > 1_000_000 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    assert.ok(diskBytes(file) <= 1_000_000, `database and WAL take ${diskBytes(file)} bytes`);
    // history within the window is readable, older history is gone, live values are intact
    const compacted = await s.compactedRevision();
    assert.ok(compacted > 0);
    await assert.rejects(s.get('/churn/0', { revision: compacted - 1 }), (err) => isStoreError(err, 'Compacted'));
    const all = await s.range('/churn/');
    assert.equal(all.kvs.length, keys);
    for (const kv of all.kvs) assert.ok(kv.modRevision >= kv.createRevision + updates);
    // a watcher that kept up saw every event, with no gap
    const evs = await seen;
    assert.equal(evs.length, keys * (updates + 1));
    assert.equal(evs.at(-1)?.revision, head);
    await s.close();
  });

  it('ends watches, commits queued writes, and refuses calls on close', async () => {
    const s = SqliteStore.open({ file: join(tempDir(), 'state.db') });
    const watch = s.watch('/c/');
    await new Promise((r) => setImmediate(r)); // established: later events are queued for it
    const ended = (async () => {
      const evs = [];
      for await (const ev of watch) evs.push(ev);
      return evs;
    })();
    const queued = s.create('/c/last', 'x'); // not yet committed when close starts
    await s.close();
    assert.equal((await queued).value, 'x');
    assert.deepEqual(
      (await ended).map((e) => e.key),
      ['/c/last'],
    );
    await assert.rejects(s.get('/c/last'), (err) => isStoreError(err, 'Unavailable'));
    await assert.rejects(s.create('/c/more', 'y'), (err) => isStoreError(err, 'Unavailable'));
  });
});
