import { test } from 'node:test';
import assert from 'node:assert/strict';
import { credentialsFor, hostOfAuthKey, parseChallenge } from './auth.js';

test('WWW-Authenticate challenges parse into scheme and parameters', () => {
  assert.deepEqual(parseChallenge('Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/busybox:pull"'), {
    scheme: 'bearer',
    params: { realm: 'https://auth.docker.io/token', service: 'registry.docker.io', scope: 'repository:library/busybox:pull' },
  });
  assert.deepEqual(parseChallenge('Basic realm="tugboat test"'), { scheme: 'basic', params: { realm: 'tugboat test' } });
  assert.deepEqual(parseChallenge('Bearer realm=http://x/t, error="invalid_token"'), { scheme: 'bearer', params: { realm: 'http://x/t', error: 'invalid_token' } });
  assert.deepEqual(parseChallenge('Bearer realm="a\\"b"'), { scheme: 'bearer', params: { realm: 'a"b' } });
  assert.equal(parseChallenge(''), undefined);
});

test('credentials are found by registry host, in the order given', () => {
  assert.equal(hostOfAuthKey('https://index.docker.io/v1/'), 'docker.io');
  assert.equal(hostOfAuthKey('http://127.0.0.1:5000/v2/'), '127.0.0.1:5000');
  const pod = { '127.0.0.1:5000': { auth: Buffer.from('alice:s3:cret').toString('base64') } };
  const node = { 'https://127.0.0.1:5000': { username: 'node', password: 'pw' }, 'other:1': { username: 'x', password: 'y' } };
  assert.deepEqual(credentialsFor('127.0.0.1:5000', [pod, node]), [
    { username: 'alice', password: 's3:cret' },
    { username: 'node', password: 'pw' },
  ]);
  assert.deepEqual(credentialsFor('docker.io', [{ 'https://index.docker.io/v1/': { username: 'u', password: 'p' } }]), [{ username: 'u', password: 'p' }]);
  assert.deepEqual(credentialsFor('elsewhere:1', [pod, node, undefined]), []);
  // `az acr login` and docker's OAuth2 logins store a refresh token with a placeholder user and no password.
  assert.deepEqual(credentialsFor('acr.example:443', [{ 'acr.example:443': { username: '00000000-0000-0000-0000-000000000000', identitytoken: 'rt' } }]), [
    { username: '00000000-0000-0000-0000-000000000000', identityToken: 'rt' },
  ]);
});
