import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ResourceInfo } from '../resource.js';
import { checkDecode, patchMetaAt, schemaFor, typeErrors, unknownFields, builtinDefinitions, type Schema } from './index.js';

const deployInfo = { group: 'apps', versions: ['v1'], kind: 'Deployment', plural: 'deployments' } as ResourceInfo;
const cmInfo = { group: '', versions: ['v1'], kind: 'ConfigMap', plural: 'configmaps' } as ResourceInfo;

function deployment(): Record<string, any> {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', labels: { app: 'web' }, annotations: { a: 'b' }, finalizers: ['x/y'] },
    spec: {
      replicas: 2,
      selector: { matchLabels: { app: 'web' }, matchExpressions: [{ key: 'a', operator: 'In', values: ['b'] }] },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: 1 } },
      template: {
        metadata: { labels: { app: 'web' } },
        spec: {
          containers: [{
            name: 'web', image: 'nginx', ports: [{ containerPort: 80, protocol: 'TCP' }],
            env: [{ name: 'A', value: '1' }],
            resources: { limits: { cpu: 1, memory: '1Gi' }, requests: { cpu: '100m' } },
            readinessProbe: { httpGet: { path: '/', port: 'http' }, periodSeconds: 5 },
          }],
          volumes: [{ name: 'v', emptyDir: {} }],
          terminationGracePeriodSeconds: 30,
        },
      },
    },
    status: { replicas: 2, conditions: [{ type: 'Available', status: 'True', lastTransitionTime: '2024-01-01T00:00:00Z' }] },
  };
}

describe('schema source (kubernetes-types)', () => {
  it('loads definitions with descriptions and group-version-kind', () => {
    const defs = builtinDefinitions();
    assert.ok(defs.schemas.size > 500);
    const d = schemaFor('apps', 'v1', 'Deployment');
    assert.ok(d?.description?.startsWith('Deployment enables declarative updates'));
    assert.deepEqual(d?.['x-kubernetes-group-version-kind'], [{ group: 'apps', version: 'v1', kind: 'Deployment' }]);
    const spec = defs.schemas.get('io.k8s.api.apps.v1.DeploymentSpec');
    assert.equal(spec?.properties?.replicas?.type, 'integer');
    assert.deepEqual(spec?.required, ['selector', 'template']);
    assert.equal(schemaFor('', 'v1', 'Pod')?.properties?.metadata?.$ref, '#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta');
  });
});

describe('unknownFields', () => {
  it('accepts a valid Deployment', () => {
    assert.deepEqual(unknownFields(deployInfo, 'v1', deployment()), []);
  });
  it('names unknown fields with list indices, in document order, as Kubernetes prints them', () => {
    const d = deployment();
    d.spec.template.spec.containers[0].imagePullPolice = 'Always';
    d.spec.foo = 1;
    d.metadata.bogus = true;
    assert.deepEqual(unknownFields(deployInfo, 'v1', d), ['metadata.bogus', 'spec.template.spec.containers[0].imagePullPolice', 'spec.foo']);
  });
  it('leaves free-form fields alone and is permissive for kinds without a schema', () => {
    assert.deepEqual(unknownFields(cmInfo, 'v1', { data: { anything: 'x' }, binaryData: {} }), []);
    assert.deepEqual(unknownFields({ ...cmInfo, kind: 'Nope' }, 'v1', { x: 1 }), []);
  });
  it('checks custom resources against their CRD schema', () => {
    const crd: Schema = {
      type: 'object',
      properties: {
        spec: { type: 'object', properties: { size: { type: 'integer' }, free: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } } },
      },
    };
    const info = { group: 'example.com', versions: ['v1'], kind: 'Widget' } as ResourceInfo;
    const obj = { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' }, spec: { size: 1, free: { a: 1 }, extra: 2 } };
    assert.deepEqual(unknownFields(info, 'v1', obj, { crdSchema: crd }), ['spec.extra']);
    const bad = checkDecode(info, 'v1', { ...obj, spec: { size: 'big' } }, { crdSchema: crd, name: 'w' });
    assert.equal(bad.error?.code, 422);
    assert.equal(bad.error?.message, 'Widget.example.com "w" is invalid: spec.size: Invalid value: "string": spec.size in body must be of type integer: "string"');
  });
});

describe('typeErrors and checkDecode', () => {
  it('reports a string where an integer goes', () => {
    const d = deployment();
    d.spec.replicas = '3';
    const errs = typeErrors(deployInfo, 'v1', d);
    assert.equal(errs.length, 1);
    assert.equal(errs[0]?.field, 'spec.replicas');
  });
  it('answers with Kubernetes decode error text (400)', () => {
    const d = deployment();
    d.spec.template.spec.containers[0].ports[0].containerPort = '80';
    const r = checkDecode(deployInfo, 'v1', d);
    assert.equal(r.error?.code, 400);
    assert.equal(r.error?.reason, 'BadRequest');
    assert.equal(r.error?.message, 'Deployment in version "v1" cannot be handled as a Deployment: json: cannot unmarshal string into Go struct field ContainerPort.spec.template.spec.containers.ports.containerPort of type int32');
  });
  it('words wrong collection and map value types as Go does', () => {
    const d = deployment();
    d.spec.template.spec.containers = { name: 'x' };
    assert.match(checkDecode(deployInfo, 'v1', d).error!.message, /cannot unmarshal object into Go struct field PodSpec.spec.template.spec.containers of type \[\]v1.Container$/);
    assert.match(checkDecode(cmInfo, 'v1', { data: { a: { b: 1 } } }).error!.message, /cannot unmarshal object into Go struct field ConfigMap.data of type string$/);
    assert.match(checkDecode(deployInfo, 'v1', { spec: { replicas: 1.5 } }).error!.message, /cannot unmarshal number 1.5 into Go struct field DeploymentSpec.spec.replicas of type int32$/);
  });
  it('strict unknown fields: 400 listing them all; Warn: warnings', () => {
    const d = deployment();
    d.spec.a = 1;
    d.spec.b = 2;
    const strict = checkDecode(deployInfo, 'v1', d, { fieldValidation: 'Strict' });
    assert.equal(strict.error?.message, 'Deployment in version "v1" cannot be handled as a Deployment: strict decoding error: unknown field "spec.a", unknown field "spec.b"');
    assert.deepEqual(checkDecode(deployInfo, 'v1', d, { fieldValidation: 'Warn' }).warnings, ['unknown field "spec.a"', 'unknown field "spec.b"']);
    assert.deepEqual(checkDecode(deployInfo, 'v1', d, { fieldValidation: 'Ignore' }), { warnings: [] });
  });
  it('accepts int-or-string and numeric quantities', () => {
    assert.equal(checkDecode(deployInfo, 'v1', deployment(), { fieldValidation: 'Strict' }).error, undefined);
  });
});

describe('patchMetaAt', () => {
  it('gives merge keys for built-in lists', () => {
    assert.deepEqual(patchMetaAt('apps', 'v1', 'Deployment', ['spec', 'template', 'spec', 'containers']), { strategy: 'merge', mergeKey: 'name', listType: 'map', listMapKeys: ['name'] });
    assert.deepEqual(patchMetaAt('apps', 'v1', 'Deployment', ['spec', 'template', 'spec', 'containers', 0, 'ports']).listMapKeys, ['containerPort', 'protocol']);
    assert.equal(patchMetaAt('apps', 'v1', 'Deployment', ['spec', 'template', 'spec', 'volumes']).strategy, 'merge,retainKeys');
    assert.equal(patchMetaAt('apps', 'v1', 'Deployment', ['spec', 'strategy']).strategy, 'retainKeys');
    assert.equal(patchMetaAt('', 'v1', 'Pod', ['spec', 'containers', 'env']).mergeKey, 'name');
    assert.equal(patchMetaAt('', 'v1', 'Service', ['spec', 'ports']).mergeKey, 'port');
  });
  it('says atomic for lists without tags, nothing for unknown paths', () => {
    assert.deepEqual(patchMetaAt('', 'v1', 'Pod', ['spec', 'containers', 'args']), { listType: 'atomic' });
    assert.deepEqual(patchMetaAt('', 'v1', 'Pod', ['spec', 'nope']), {});
  });
});
