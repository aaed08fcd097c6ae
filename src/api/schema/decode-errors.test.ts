// The decoder's 400s that are not plain type mismatches: base64 bytes, quantities, int32 range, and the
// metadata of custom resources.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ResourceInfo } from '../resource.js';
import { base64ErrorAt } from './base64.js';
import { checkDecode, objectMetaDecodeError } from './index.js';

const info = (group: string, kind: string) => ({ group, kind, plural: `${kind.toLowerCase()}s`, namespaced: true }) as ResourceInfo;
const message = (kind: string, group: string, obj: unknown) => checkDecode(info(group, kind), 'v1', obj).error?.message;

test('base64ErrorAt reports the offset Go reports', () => {
  for (const ok of ['', 'YQ==', 'YWI=', 'YWJj', 'YWJj\nZGVm', 'YW\r\nJj']) assert.equal(base64ErrorAt(ok), undefined, ok);
  const bad: [string, number][] = [['!!!not base64!!!', 0], ['YWJj*', 4], ['abc', 0], ['a', 0], ['YQ=', 3], ['Y===', 1], ['YQ==YQ==', 4], ['YW J', 2]];
  for (const [s, at] of bad) assert.equal(base64ErrorAt(s), at, s);
});

test('Secret data and ConfigMap binaryData must be base64', () => {
  assert.equal(message('Secret', '', { data: { password: '!!!not base64!!!' } }), 'Secret in version "v1" cannot be handled as a Secret: illegal base64 data at input byte 0');
  assert.equal(message('ConfigMap', '', { binaryData: { b: 'YWJj***' } }), 'ConfigMap in version "v1" cannot be handled as a ConfigMap: illegal base64 data at input byte 4');
  assert.equal(message('Secret', '', { data: { ok: 'YWJj' }, stringData: { plain: '!!!' } }), undefined);
});

test('quantities take numbers and quantity strings, and refuse the rest with apimachinery\'s text', () => {
  const pod = (v: unknown) => ({ spec: { containers: [{ name: 'a', image: 'b', resources: { requests: { memory: v } } }] } });
  for (const ok of [12345, 0.5, '1Gi', '100m', ' 2 ', '1e3']) assert.equal(message('Pod', '', pod(ok)), undefined, String(ok));
  const want = `Pod in version "v1" cannot be handled as a Pod: quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'`;
  for (const bad of ['abc', '1GiB', true, {}, [1]]) assert.equal(message('Pod', '', pod(bad)), want, JSON.stringify(bad));
});

test('int32 fields take -2^31 .. 2^31-1', () => {
  const d = (n: number) => ({ spec: { replicas: n } });
  assert.equal(message('Deployment', 'apps', d(2147483647)), undefined);
  assert.equal(message('Deployment', 'apps', d(-2147483648)), undefined);
  assert.equal(message('Deployment', 'apps', d(2147483648)), 'Deployment in version "v1" cannot be handled as a Deployment: json: cannot unmarshal number 2147483648 into Go struct field DeploymentSpec.spec.replicas of type int32');
  assert.match(message('Deployment', 'apps', d(-2147483649)) ?? '', /cannot unmarshal number -2147483649/);
});

test('server-set metadata is type-checked like the rest', () => {
  assert.equal(message('Pod', '', { metadata: { uid: 5 } }), 'Pod in version "v1" cannot be handled as a Pod: json: cannot unmarshal number into Go struct field ObjectMeta.metadata.uid of type string');
});

test('custom resource metadata decodes as ObjectMeta', () => {
  assert.equal(objectMetaDecodeError('Widget', 'v1', { name: 'w', labels: { a: 'b' } }), undefined);
  assert.equal(objectMetaDecodeError('Widget', 'v1', { labels: { app: { x: 1 } } })?.message, 'Widget in version "v1" cannot be handled as a Widget: json: cannot unmarshal object into Go struct field ObjectMeta.labels of type string');
  assert.equal(objectMetaDecodeError('Widget', 'v1', { labels: 'flat' })?.code, 400);
  assert.equal(objectMetaDecodeError('Widget', 'v1', [1, 2])?.message, 'Widget in version "v1" cannot be handled as a Widget: json: cannot unmarshal array into Go value of type v1.ObjectMeta');
});
