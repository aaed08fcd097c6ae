import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { KubeObject } from '../api/object.js';
import type { ResourceInfo } from '../api/resource.js';
import type { KeyValue } from '../store/types.js';
import { rawList, rawListJson, spliceStoredItem } from './list-json.js';
import { fromStore, toStore } from './object-meta.js';

const pods = { group: '', version: 'v1', kind: 'Pod', plural: 'pods', listKind: 'PodList', namespaced: true } as unknown as ResourceInfo;
const kv = (value: string, modRevision = 42): KeyValue => ({ key: '/registry/pods/ns/x', value, modRevision, createRevision: 1 });

const tricky = '}{"\\ "resourceVersion" \u2603 \n';
const objects: [string, KubeObject][] = [
  ['plain', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'a', namespace: 'ns', labels: { app: 'x' } }, spec: { containers: [{ name: 'c' }] } }],
  ['empty metadata', { apiVersion: 'v1', kind: 'Pod', metadata: {}, spec: {} }],
  ['no metadata', { apiVersion: 'v1', kind: 'Pod', spec: {} }],
  ['strings with braces, quotes and escapes', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'a', annotations: { note: tricky, [tricky]: '{' } }, spec: { x: tricky } }],
  ['a resourceVersion elsewhere', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'a' }, spec: { ref: { resourceVersion: '3' } } }],
  ['client key order', { spec: { a: 1 }, kind: 'Pod', metadata: { name: 'b' }, apiVersion: 'v1' }],
];

for (const [name, obj] of objects) {
  test(`spliced list item equals the re-encoded one: ${name}`, () => {
    const k = kv(toStore(obj));
    const want = JSON.stringify(fromStore(k, pods, 'v1'));
    assert.equal(spliceStoredItem(k, 'v1', 'Pod') ?? want, want);
  });
}

test('spliceStoredItem takes the fast path for values toStore writes', () => {
  const byName = new Map(objects);
  for (const n of ['plain', 'empty metadata', 'strings with braces, quotes and escapes', 'client key order']) {
    assert.ok(spliceStoredItem(kv(toStore(byName.get(n)!)), 'v1', 'Pod'), n);
  }
});

test('spliceStoredItem declines values it cannot splice exactly', () => {
  // Another version stored, a metadata key that looks like resourceVersion, kind-first values written by others.
  assert.equal(spliceStoredItem(kv('{"apiVersion":"v1beta1","kind":"Pod","metadata":{}}'), 'v1', 'Pod'), undefined);
  assert.equal(spliceStoredItem(kv('{"apiVersion":"v1","kind":"Pod","metadata":{"labels":{"resourceVersion":"x"}}}'), 'v1', 'Pod'), undefined);
  assert.equal(spliceStoredItem(kv('{"metadata":{},"apiVersion":"v1","kind":"Pod"}'), 'v1', 'Pod'), undefined);
  assert.equal(spliceStoredItem(kv('{"kind":"Pod","apiVersion":"v1","metadata":{"name":"k"}}', 7), 'v1', 'Pod'), '{"kind":"Pod","apiVersion":"v1","metadata":{"resourceVersion":"7","name":"k"}}');
  assert.equal(spliceStoredItem(kv('{"apiVersion":"v1","kind":"Pod","metadata":{},"spec":{}}', 7), 'v1', 'Pod'), '{"apiVersion":"v1","kind":"Pod","metadata":{"resourceVersion":"7"},"spec":{}}');
});

test('rawList encodes as JSON.stringify of its parsed form, and parses on demand', () => {
  const texts = objects.map(([, o], i) => JSON.stringify(fromStore(kv(toStore(o), i + 1), pods, 'v1')));
  const list = rawList('PodList', 'v1', { resourceVersion: '9', continue: 'abc' }, texts);
  const fast = rawListJson(list);
  assert.ok(fast);
  const plain = { kind: 'PodList', apiVersion: 'v1', metadata: { resourceVersion: '9', continue: 'abc' }, items: texts.map((t) => JSON.parse(t) as unknown) };
  assert.equal(fast, JSON.stringify(plain));
  // Reading the items hands out objects; the list is then encoded from them (they may have been changed).
  const items = list['items'] as KubeObject[];
  items[0]!.metadata!.name = 'changed';
  assert.equal(rawListJson(list), undefined);
  assert.equal(JSON.parse(JSON.stringify(list)).items[0].metadata.name, 'changed');
  assert.equal(rawListJson({ items: [] }), undefined);
});
