import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chainIds, choosePlatform, type Descriptor } from './image-spec.js';

const d = (n: number, platform?: Descriptor['platform']): Descriptor => ({
  mediaType: 'application/vnd.oci.image.manifest.v1+json',
  digest: `sha256:${String(n).repeat(64).slice(0, 64)}`,
  size: 1,
  ...(platform ? { platform } : {}),
});

test('the node platform is chosen from an index', () => {
  const entries = [
    d(1, { os: 'linux', architecture: 'arm', variant: 'v6' }),
    d(2, { os: 'linux', architecture: 'arm', variant: 'v7' }),
    d(3, { os: 'linux', architecture: 'arm64' }),
    d(4, { os: 'linux', architecture: 'amd64' }),
    d(5, { os: 'unknown', architecture: 'unknown' }),
  ];
  assert.equal(choosePlatform(entries, { os: 'linux', architecture: 'amd64' }), entries[3]);
  assert.equal(choosePlatform(entries, { os: 'linux', architecture: 'arm', variant: 'v7' }), entries[1]);
  assert.equal(choosePlatform(entries, { os: 'linux', architecture: 'arm64', variant: 'v8' }), entries[2]);
  assert.equal(choosePlatform(entries, { os: 'linux', architecture: 's390x' }), undefined);
  assert.equal(choosePlatform([d(1)], { os: 'linux', architecture: 'amd64' }), undefined);
});

test('chain IDs follow the OCI image spec', () => {
  const a = `sha256:${'a'.repeat(64)}`;
  const b = `sha256:${'b'.repeat(64)}`;
  const ids = chainIds([a, b]);
  assert.equal(ids[0], a);
  // sha256("sha256:aaa… sha256:bbb…"), computed once with sha256sum.
  assert.equal(ids[1], 'sha256:ccd722928bd92476ba1745586fed6e45a102504185ad88cd89e01ff116fd146c');
  assert.deepEqual(chainIds([a, b]), ids);
});
