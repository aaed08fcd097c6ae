import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, lstatSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { layerTar, sha256, type FileMap } from '../../../test/support/oci-images.js';
import { ImagePullError } from '../types.js';
import { safeName, unpackLayer } from './unpack.js';

const isRoot = process.getuid?.() === 0;

async function layerFile(dir: string, name: string, files: FileMap, gzip = true): Promise<{ file: string; diffId: string }> {
  const t = await layerTar(files);
  const file = join(dir, name);
  writeFileSync(file, gzip ? gzipSync(t) : t);
  return { file, diffId: sha256(t) };
}

function isWhiteout(p: string): boolean {
  const st = lstatSync(p);
  return st.isCharacterDevice() && st.rdev === 0;
}

test('safe names stay inside the layer', () => {
  assert.equal(safeName('./a/b/'), 'a/b');
  assert.equal(safeName('/etc/passwd'), 'etc/passwd');
  assert.equal(safeName('a/../b'), 'b');
  // As containerd does: a name is resolved as if the layer were /, so .. stops there.
  assert.equal(safeName('../x'), 'x');
  assert.equal(safeName('a/../../x'), 'x');
  assert.equal(safeName('./'), '');
});

test('layers unpack with modes, owners, links, whiteouts and opaque directories', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'tug-unpack-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const l1 = await layerFile(dir, 'l1', {
    'etc/': { dir: true },
    'etc/app.conf': { content: 'one', mode: 0o640, uid: 1000, gid: 1001 },
    'etc/gone': { content: 'x' },
    'data/': { dir: true, mode: 0o700 },
    'data/a': { content: 'a' },
    'data/sub/b': { content: 'b' },
    'bin/tool': { content: '#!/bin/sh\n', mode: 0o4755 },
    'bin/alias': { symlink: 'tool' },
    'bin/hard': { hardlink: 'bin/tool' },
  });
  const d1 = join(dir, 'u1');
  const r1 = await unpackLayer({ file: l1.file, dest: d1, diffId: l1.diffId });
  assert.equal(r1.diffId, l1.diffId);
  assert.equal(readFileSync(join(d1, 'etc/app.conf'), 'utf8'), 'one');
  assert.equal(statSync(join(d1, 'etc/app.conf')).mode & 0o7777, 0o640);
  assert.equal(statSync(join(d1, 'bin/tool')).mode & 0o7777, 0o4755);
  assert.equal(statSync(join(d1, 'data')).mode & 0o7777, 0o700);
  if (isRoot) assert.equal(statSync(join(d1, 'etc/app.conf')).uid, 1000);
  assert.equal(readlinkSync(join(d1, 'bin/alias')), 'tool');
  assert.equal(statSync(join(d1, 'bin/hard')).ino, statSync(join(d1, 'bin/tool')).ino);

  const l2 = await layerFile(dir, 'l2', {
    'etc/.wh.gone': {},
    'data/.wh..wh..opq': {},
    'data/new': { content: 'new' },
  }, false);
  const d2 = join(dir, 'u2');
  await unpackLayer({ file: l2.file, dest: d2, lowerDirs: [d1], diffId: l2.diffId, keepMarkers: !isRoot });
  if (!isRoot) {
    assert.ok(existsSync(join(d2, 'etc/.wh.gone')));
    return;
  }
  assert.ok(isWhiteout(join(d2, 'etc/gone')), 'a .wh. entry becomes a 0:0 character device');
  assert.ok(!existsSync(join(d2, 'etc/.wh.gone')));
  // The opaque directory hides everything below it: whiteouts for a and sub, new kept.
  assert.deepEqual(readdirSync(join(d2, 'data')).sort(), ['a', 'new', 'sub']);
  assert.ok(isWhiteout(join(d2, 'data/a')) && isWhiteout(join(d2, 'data/sub')));
  assert.equal(readFileSync(join(d2, 'data/new'), 'utf8'), 'new');

  // overlayfs agrees: mount the two as lower layers and look.
  const m = join(dir, 'm');
  execFileSync('mkdir', [m]);
  try {
    execFileSync('mount', ['-t', 'overlay', 'overlay', '-o', `lowerdir=${d2}:${d1}`, m]);
  } catch {
    t.diagnostic('overlay mount failed here: checked the layer directories only');
    return;
  }
  try {
    assert.deepEqual(readdirSync(join(m, 'etc')), ['app.conf']);
    assert.deepEqual(readdirSync(join(m, 'data')), ['new']);
  } finally {
    execFileSync('umount', [m]);
  }
});

test('entries that escape the layer are refused, nothing written outside', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'tug-unpack-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const outside = join(dir, 'outside');
  execFileSync('mkdir', [outside]);
  const l = await layerFile(dir, 'evil', {
    '../escaped': { content: 'x' },
    esc: { symlink: outside },
    'esc/through-link': { content: 'x' },
    ok: { content: 'fine' },
  });
  const res = await unpackLayer({ file: l.file, dest: join(dir, 'u') });
  assert.deepEqual(readdirSync(outside), []);
  assert.ok(!existsSync(join(dir, 'escaped')));
  assert.equal(readFileSync(join(dir, 'u', 'escaped'), 'utf8'), 'x');
  assert.equal(readFileSync(join(dir, 'u', 'ok'), 'utf8'), 'fine');
  assert.deepEqual(res.skipped, ['esc/through-link: a parent is not a directory']);
});

test('a layer whose content does not match its diff_id is an error and leaves nothing', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'tug-unpack-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const l = await layerFile(dir, 'l', { a: { content: 'a' } });
  await assert.rejects(
    unpackLayer({ file: l.file, dest: join(dir, 'u'), diffId: sha256('something else') }),
    (e: unknown) => e instanceof ImagePullError && e.kind === 'invalid' && /diff_id/.test(e.message),
  );
  assert.deepEqual(readdirSync(dir), ['l']);
});
