import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { layerTar, sha256 } from '../../../test/support/oci-images.js';
import { ImagePullError } from '../types.js';
import { UnpackPool } from './unpack-pool.js';

test('a worker unpacks a layer, waits for the lower ones for its opaque directories, and reports errors with their kind', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'tug-pool-'));
  const pool = new UnpackPool(1);
  t.after(() => {
    pool.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const lower = await layerTar({ 'd/old': { content: 'old' } });
  writeFileSync(join(dir, 'l1'), gzipSync(lower));
  const upper = await layerTar({ 'd/.wh..wh..opq': {}, 'd/new': { content: 'new' } });
  writeFileSync(join(dir, 'l2'), upper);

  // The upper layer starts first and must not finish before it is told the lower one is in.
  let lowerIn!: () => void;
  const lowersReady = new Promise<void>((r) => (lowerIn = r));
  let upperDone = false;
  const u2 = pool
    .unpack({ file: join(dir, 'l2'), dest: join(dir, 'u2'), lowerDirs: [join(dir, 'u1')], lowersReady, diffId: sha256(upper), keepMarkers: true })
    .then((r) => ((upperDone = true), r));
  const r1 = await pool.unpack({ file: join(dir, 'l1'), dest: join(dir, 'u1'), diffId: sha256(lower) });
  assert.equal(r1.diffId, sha256(lower));
  assert.equal(readFileSync(join(dir, 'u1/d/old'), 'utf8'), 'old');
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(upperDone, false, 'the opaque directory waits for the lower layer');
  lowerIn();
  await u2;
  assert.equal(readFileSync(join(dir, 'u2/d/new'), 'utf8'), 'new');

  await assert.rejects(
    pool.unpack({ file: join(dir, 'l1'), dest: join(dir, 'bad'), diffId: sha256('other') }),
    (e: unknown) => e instanceof ImagePullError && e.kind === 'invalid' && /diff_id/.test(e.message),
  );
  assert.ok(!readdirSync(dir).some((n) => n.startsWith('bad')), 'a failed unpack leaves nothing');
});
