import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatReference, parseReference } from './reference.js';
import { ImagePullError } from '../types.js';

const D = `sha256:${'a'.repeat(64)}`;

test('references normalize as containerd does', () => {
  const cases: [string, string][] = [
    ['busybox', 'docker.io/library/busybox:latest'],
    ['busybox:1.36', 'docker.io/library/busybox:1.36'],
    ['library/busybox', 'docker.io/library/busybox:latest'],
    ['bitnami/nginx:1', 'docker.io/bitnami/nginx:1'],
    ['docker.io/busybox', 'docker.io/library/busybox:latest'],
    ['index.docker.io/library/busybox:2', 'docker.io/library/busybox:2'],
    ['127.0.0.1:5000/app:v1', '127.0.0.1:5000/app:v1'],
    ['localhost/app', 'localhost/app:latest'],
    ['registry.k8s.io/pause:3.9', 'registry.k8s.io/pause:3.9'],
    ['ghcr.io/a/b/c:x_y.z-1', 'ghcr.io/a/b/c:x_y.z-1'],
    [`busybox@${D}`, `docker.io/library/busybox@${D}`],
    [`127.0.0.1:5000/app:v1@${D}`, `127.0.0.1:5000/app:v1@${D}`],
    // "foo" has no dot or port: a Docker Hub user, not a host.
    ['foo/bar', 'docker.io/foo/bar:latest'],
  ];
  for (const [input, want] of cases) assert.equal(formatReference(parseReference(input)), want, input);
});

test('invalid references are refused with words', () => {
  for (const bad of ['', 'Busybox', 'a b', 'busybox:', 'busybox@sha256:abc', 'a//b', 'x:-tag']) {
    assert.throws(() => parseReference(bad), (e: unknown) => e instanceof ImagePullError && e.kind === 'invalid', bad);
  }
});
