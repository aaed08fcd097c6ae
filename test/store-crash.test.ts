// Crash safety: a child writes as fast as it can and reports each acknowledged write; we SIGKILL it
// mid-stream, reopen the store, and every acknowledged write must be there, the log readable, and the revision
// must continue past the last acknowledged one.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore, type StoreConfig } from '../src/store/open.js';
import { requireTool } from './support/require-tool.js';
import { startEtcd } from './support/etcd-server.js';

const writerScript = new URL('./support/crash-writer.js', import.meta.url).pathname;

interface Acked {
  key: string;
  revision: number;
}

/** Runs the writer until it has acknowledged `minAcks` writes, then kills it with SIGKILL. */
async function writeThenKill(
  cfg: StoreConfig,
  prefix: string,
  minAcks: number,
  crashFirst?: () => Promise<void>,
): Promise<Acked[]> {
  const child = spawn(process.execPath, [writerScript, JSON.stringify(cfg), prefix], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const acked: Acked[] = [];
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  let buf = '';
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`writer made only ${acked.length} acks in 60 s: ${stderr}`)), 60_000);
    child.stdout.on('data', (d: Buffer) => {
      buf += d.toString();
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        const m = /^ack (\S+) (\d+)$/.exec(line);
        if (m) acked.push({ key: m[1]!, revision: Number(m[2]) });
      }
      if (acked.length >= minAcks && !child.killed) {
        clearTimeout(timer);
        // mid-stream: 16 writes are in flight. crashFirst kills the store's server (etcd) before the writer.
        void (crashFirst ?? (async () => {}))().then(() => {
          child.kill('SIGKILL');
          resolve();
        }, reject);
      }
    });
    child.on('exit', (code) => {
      if (acked.length < minAcks) reject(new Error(`writer exited early (${code}): ${stderr}`));
    });
  });
  await exited;
  return acked;
}

async function verifyAfterCrash(cfg: StoreConfig, prefix: string, acked: Acked[]): Promise<void> {
  const store = await openStore(cfg);
  try {
    const { kvs } = await store.range(prefix);
    const present = new Map(kvs.map((kv) => [kv.key, kv]));
    const missing = acked.filter((a) => !present.has(a.key));
    assert.deepEqual(missing, [], `${missing.length} acknowledged writes lost`);
    for (const a of acked) {
      const kv = present.get(a.key)!;
      assert.equal(kv.modRevision, a.revision);
      assert.equal((JSON.parse(kv.value) as { key: string }).key, a.key);
    }
    const maxAcked = Math.max(...acked.map((a) => a.revision));
    assert.ok((await store.currentRevision()) >= maxAcked);
    const after = await store.create(`${prefix}after-crash`, 'ok');
    assert.ok(after.modRevision > maxAcked, `revision went back: ${after.modRevision} <= ${maxAcked}`);
    // the log is readable: a watch from before the crash replays through it in order
    // (background compaction may already have dropped the oldest part of the history)
    const from = Math.max(acked[0]!.revision - 1, await store.compactedRevision());
    const w = store.watch(prefix, { afterRevision: from });
    let last = from;
    let n = 0;
    for await (const ev of w) {
      assert.ok(ev.revision > last);
      last = ev.revision;
      if (ev.key === `${prefix}after-crash`) break;
      n++;
    }
    assert.ok(n >= acked.filter((a) => a.revision > from).length);
  } finally {
    await store.close();
  }
}

describe('store crash safety (SIGKILL mid-write)', () => {
  it('sqlite loses no acknowledged write', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tug-crash-'));
    try {
      const cfg: StoreConfig = { backend: 'sqlite', dataDir: dir };
      const first = await writeThenKill(cfg, '/crash/', 3000);
      await verifyAfterCrash(cfg, '/crash/', first);
      // and again on the reopened database: the revision keeps going across two crashes
      const second = await writeThenKill(cfg, '/crash2/', 1000);
      assert.ok(second[0]!.revision > Math.max(...first.map((a) => a.revision)));
      await verifyAfterCrash(cfg, '/crash2/', second);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('etcd loses no acknowledged write', async (t) => {
    if (!requireTool(t, 'etcd', 'apt-get install etcd-server')) return;
    const etcd = await startEtcd();
    try {
      const cfg: StoreConfig = { backend: 'etcd', endpoints: [etcd.endpoint] };
      const acked = await writeThenKill(cfg, '/crash/', 1500);
      await verifyAfterCrash(cfg, '/crash/', acked);
      // a crash of etcd itself: SIGKILL the server mid-stream, restart it on the same data
      const acked2 = await writeThenKill(cfg, '/crash-etcd/', 1500, () => etcd.kill9());
      await etcd.restart();
      await verifyAfterCrash(cfg, '/crash-etcd/', acked2);
    } finally {
      await etcd.stop();
    }
  });
});
