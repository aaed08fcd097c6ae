import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ApiError } from '../../api/errors.js';
import { validateCrd } from './lifecycle.js';
import { checkCustomResource } from './schema.js';

const crd = (schema: unknown) => ({
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: 'widgets.example.com' },
  spec: { group: 'example.com', scope: 'Namespaced', names: { plural: 'widgets', kind: 'Widget' }, versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: schema } }] },
});

test('CRD schemas name OpenAPI types only', () => {
  assert.deepEqual(validateCrd(crd({ type: 'object', properties: { spec: { type: 'object', properties: { size: { type: 'integer' } } } } })), []);
  const errs = validateCrd(crd({ type: 'strnig' }));
  assert.equal(errs.length, 1);
  assert.equal(errs[0]!.field, 'spec.versions[0].schema.openAPIV3Schema.type');
  assert.deepEqual(errs[0]!.supported, ['array', 'boolean', 'integer', 'number', 'object', 'string']);
  const deep = validateCrd(crd({ type: 'object', properties: { spec: { type: 'object', properties: { tags: { type: 'array', items: { type: 'text' } } } } } }));
  assert.deepEqual(deep.map((e) => e.field), ['spec.versions[0].schema.openAPIV3Schema.properties[spec].properties[tags].items.type']);
});

test('custom resources get the metadata rules and the metadata type check', () => {
  const obj = (metadata: unknown) => ({ apiVersion: 'example.com/v1', kind: 'Widget', metadata, spec: {} });
  const schema = { type: 'object', properties: { spec: { type: 'object' } } };
  assert.deepEqual(checkCustomResource(schema, obj({ name: 'w', namespace: 'ns', labels: { a: 'b' } })).errors, []);
  const big = checkCustomResource(schema, obj({ name: 'w', namespace: 'ns', annotations: { big: 'a'.repeat(262_145) } })).errors;
  assert.deepEqual(big.map((e) => [e.type, e.field]), [['FieldValueTooLong', 'metadata.annotations']]);
  const badKey = checkCustomResource(schema, obj({ name: 'w', namespace: 'ns', labels: { 'Bad Key': 'v' } })).errors;
  assert.deepEqual(badKey.map((e) => e.field), ['metadata.labels']);
  assert.throws(
    () => checkCustomResource(schema, obj({ name: 'w', labels: { app: { x: 1 } } })),
    (e: unknown) => e instanceof ApiError && e.code === 400 && /ObjectMeta.labels of type string/.test(e.message),
  );
});
