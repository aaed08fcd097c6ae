// A removal that deletes content a concurrent import had found present (and so did not store again) must not
// leave the imported image pointing at nothing: registering re-checks under the store's lock and imports again.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, it } from 'node:test';
import { buildImage, writeOciArchive } from '../../../test/support/oci-images.js';
import { poll } from '../../../test/support/poll.js';
import { chainIds } from './image-spec.js';
import { createImageService } from './index.js';
import { ContentStore } from './store.js';

const dir = mkdtempSync(join(tmpdir(), 'tug-store-race-'));
after(() => rmSync(dir, { recursive: true, force: true }));

it('an image removed while another sharing its layer is being imported: the import stores the layer again', async () => {
  const base = { 'base.txt': { content: 'shared\n' } };
  const [a, b] = await Promise.all([buildImage({ layers: [base], files: { 'a.txt': { content: 'a\n' } } }), buildImage({ layers: [base], files: { 'b.txt': { content: 'b\n' } } })]);
  await Promise.all([writeOciArchive(join(dir, 'a.tar'), 'r/a:1', a!), writeOciArchive(join(dir, 'b.tar'), 'r/b:1', b!)]);
  const root = join(dir, 'images');
  const svc = createImageService({ root, unpackWorkers: 0 });
  try {
    await svc.import(join(dir, 'a.tar'));
    const [shared, bTop] = chainIds(b!.diffIds);
    const store = new ContentStore(root);
    // Another holder of the store's lock (as `tug images rm` in another process would be).
    let release!: () => void;
    let removing!: () => Promise<void>;
    const gate = new Promise<void>((r) => (release = r));
    const held = store.exclusive(async () => {
      await gate;
      await removing();
    });
    await poll('lock held', async () => existsSync(join(root, 'images.lock')), { ms: 5000 });
    const importing = svc.import(join(dir, 'b.tar'));
    // B's own layer unpacked: the import has checked the shared layer was there and now waits to register.
    await poll('b unpacked', async () => existsSync(store.layerPath(bTop!)), { ms: 10_000 });
    removing = async () => {
      // What removing A does under the lock: its record, its blobs, its layers (the shared one too: no
      // registered image uses it any more).
      const idx = store.read();
      delete idx.images[a!.id];
      writeFileSync(join(root, 'images.json'), JSON.stringify(idx));
      for (const l of a!.layers) rmSync(store.blobPath(l.digest), { force: true });
      for (const c of chainIds(a!.diffIds)) rmSync(store.layerPath(c), { recursive: true, force: true });
    };
    release();
    await held;
    const [got] = await importing;
    assert.equal(got?.id, b!.id);
    assert.ok(existsSync(store.layerPath(shared!)), 'the shared layer is unpacked again');
    for (const l of b!.layers) assert.ok(existsSync(store.blobPath(l.digest)), `blob ${l.digest} is there`);
    assert.deepEqual((await svc.list()).map((i) => i.id), [b!.id]);
  } finally {
    svc.close();
  }
});
