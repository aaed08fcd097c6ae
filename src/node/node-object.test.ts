import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MAX_NAMES_PER_IMAGE, NODE_STATUS_MAX_IMAGES, nodeImages, type StoredImage } from './node-object.js';

const img = (id: string, size: number, tags: string[] = [], digests: string[] = []): StoredImage => ({ id: `sha256:${id}`, size, repoTags: tags, repoDigests: digests });

describe('nodeImages (status.images)', () => {
  it('lists the largest first, digests then tags as names', () => {
    const out = nodeImages([
      img('aa', 10, ['docker.io/library/busybox:1.36']),
      img('bb', 300, ['reg:5000/e2e/both:v1'], ['reg:5000/e2e/both@sha256:11']),
      img('cc', 20, [], ['reg:5000/e2e/x@sha256:22']),
    ]);
    assert.deepEqual(out, [
      { names: ['reg:5000/e2e/both@sha256:11', 'reg:5000/e2e/both:v1'], sizeBytes: 300 },
      { names: ['reg:5000/e2e/x@sha256:22'], sizeBytes: 20 },
      { names: ['docker.io/library/busybox:1.36'], sizeBytes: 10 },
    ]);
  });

  it('keeps the 50 largest (kubelet\'s default cap); -1 keeps all', () => {
    const many = Array.from({ length: 70 }, (_, i) => img(`i${String(i).padStart(2, '0')}`, i + 1, [`r/img:${i}`]));
    const out = nodeImages(many);
    assert.equal(NODE_STATUS_MAX_IMAGES, 50);
    assert.equal(out.length, 50);
    assert.equal(out[0]!.sizeBytes, 70);
    assert.equal(out[49]!.sizeBytes, 21);
    assert.deepEqual(out[0]!.names, ['r/img:69']);
    assert.equal(nodeImages(many, -1).length, 70);
    assert.equal(nodeImages(many, 3).length, 3);
  });

  it('reports at most 5 names of one image', () => {
    const tags = Array.from({ length: 4 }, (_, i) => `r/a:t${i}`);
    const digests = ['r/a@sha256:1', 'r/b@sha256:1'];
    const out = nodeImages([img('aa', 1, tags, digests)]);
    assert.equal(MAX_NAMES_PER_IMAGE, 5);
    assert.deepEqual(out[0]!.names, ['r/a@sha256:1', 'r/b@sha256:1', 'r/a:t0', 'r/a:t1', 'r/a:t2']);
  });

  it('orders equal sizes by ID so the same store always gives the same list; one image seen twice is one entry', () => {
    const a = img('aa', 5, ['r/a:1']);
    const b = img('bb', 5, ['r/b:1']);
    assert.deepEqual(nodeImages([b, a]), nodeImages([a, b]));
    const twice = nodeImages([a, img('aa', 5, ['r/a:2'], ['r/a@sha256:9'])]);
    assert.deepEqual(twice, [{ names: ['r/a@sha256:9', 'r/a:1', 'r/a:2'], sizeBytes: 5 }]);
  });

  it('an empty store reports no images', () => {
    assert.deepEqual(nodeImages([]), []);
  });
});
