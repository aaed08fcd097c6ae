import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { chainsOnlyIn, onlyUntags } from './removal-plan.js';
import type { ImageRecord, IndexFile } from './store.js';

const img = (id: string, chains: string[], repoTags: string[] = []): ImageRecord => ({
  id,
  manifestDigest: `m-${id}`,
  repoTags,
  repoDigests: [],
  layers: chains.map((c) => ({ digest: `d-${c}`, mediaType: 'x', size: 1, diffId: `x-${c}`, chainId: c })),
  config: {},
  platform: { os: 'linux', architecture: 'amd64' },
  created: '',
});

describe('removal plan', () => {
  it('onlyUntags mirrors remove(): a tag of an image with other tags only untags', () => {
    const tags = ['docker.io/library/app:1', 'docker.io/library/app:latest'];
    assert.equal(onlyUntags('app:1', tags), true);
    assert.equal(onlyUntags('docker.io/library/app:latest', tags), true);
    assert.equal(onlyUntags('app:1', ['docker.io/library/app:1']), false, 'the last tag deletes the image');
    assert.equal(onlyUntags('sha256:0123456789abcdef', tags), false, 'an ID deletes the image');
    assert.equal(onlyUntags('app@sha256:' + 'a'.repeat(64), tags), false, 'a digest deletes the image');
  });

  it('chainsOnlyIn leaves layers other images share', () => {
    const idx: IndexFile = { version: 1, images: { a: img('a', ['base', 'mid', 'topA']), b: img('b', ['base', 'mid', 'topB']), c: img('c', ['solo']) } };
    assert.deepEqual(chainsOnlyIn(idx, 'a'), ['topA']);
    assert.deepEqual(chainsOnlyIn(idx, 'c'), ['solo']);
    assert.deepEqual(chainsOnlyIn(idx, 'missing'), []);
  });
});
