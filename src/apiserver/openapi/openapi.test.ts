import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { builtinResources } from '../../api/resources/index.js';
import { ALL_VERBS, type ResourceInfo } from '../../api/resource.js';
import { openapiV2Json, openapiV2Protobuf, openapiV2Root, openapiV3Document, openapiV3Index } from './index.js';

const widget: ResourceInfo = { group: 'stable.example.com', versions: ['v1'], kind: 'Widget', listKind: 'WidgetList', plural: 'widgets', singular: 'widget', namespaced: true, verbs: ALL_VERBS, subresources: [{ name: 'status', kind: 'Widget', verbs: ['get', 'patch', 'update'] }] };
const crdSchemas = { 'stable.example.com/v1/Widget': { type: 'object', properties: { spec: { type: 'object', description: 'the widget', properties: { size: { type: 'integer' } } } } } };

describe('OpenAPI v2', () => {
  it('JSON has definitions with group-version-kind and PATCH advertising fieldValidation', () => {
    const doc = openapiV2Json(builtinResources) as any;
    assert.equal(doc.swagger, '2.0');
    assert.deepEqual(doc.definitions['io.k8s.api.apps.v1.Deployment']['x-kubernetes-group-version-kind'], [{ group: 'apps', version: 'v1', kind: 'Deployment' }]);
    const patch = doc.paths['/apis/apps/v1/namespaces/{namespace}/deployments/{name}'].patch;
    assert.equal(patch['x-kubernetes-action'], 'patch');
    assert.deepEqual(patch['x-kubernetes-group-version-kind'], { group: 'apps', version: 'v1', kind: 'Deployment' });
    assert.ok(patch.parameters.some((p: any) => p.name === 'fieldValidation' && p.in === 'query'));
  });
  it('protobuf decodes back to the same definitions and paths', () => {
    const json = openapiV2Json(builtinResources) as any;
    const bytes = openapiV2Protobuf(builtinResources);
    assert.equal(openapiV2Protobuf(builtinResources), bytes, 'encoded once, then cached');
    const Document = openapiV2Root().lookupType('openapi.v2.Document');
    const doc = Document.toObject(Document.decode(bytes), { defaults: false }) as any;
    assert.equal(doc.swagger, '2.0');
    const defs = new Map<string, any>(doc.definitions.additional_properties.map((d: any) => [d.name, d.value]));
    assert.equal(defs.size, Object.keys(json.definitions).length);
    const spec = defs.get('io.k8s.api.apps.v1.DeploymentSpec');
    const props = new Map<string, any>(spec.properties.additional_properties.map((p: any) => [p.name, p.value]));
    assert.deepEqual(props.get('replicas').type.value, ['integer']);
    assert.equal(props.get('replicas').description, json.definitions['io.k8s.api.apps.v1.DeploymentSpec'].properties.replicas.description);
    assert.equal(props.get('template')._ref, '#/definitions/io.k8s.api.core.v1.PodTemplateSpec');
    const gvk = defs.get('io.k8s.api.apps.v1.Deployment').vendor_extension.find((e: any) => e.name === 'x-kubernetes-group-version-kind');
    assert.deepEqual(JSON.parse(gvk.value.yaml), [{ group: 'apps', version: 'v1', kind: 'Deployment' }]);
    const containers = new Map<string, any>(defs.get('io.k8s.api.core.v1.PodSpec').properties.additional_properties.map((p: any) => [p.name, p.value])).get('containers');
    assert.ok(containers.vendor_extension.some((e: any) => e.name === 'x-kubernetes-patch-merge-key' && JSON.parse(e.value.yaml) === 'name'));
    const path = doc.paths.path.find((p: any) => p.name === '/apis/apps/v1/namespaces/{namespace}/deployments/{name}');
    assert.ok(path.value.patch.parameters.some((p: any) => p.parameter?.non_body_parameter?.query_parameter_sub_schema?.name === 'fieldValidation'));
  });
});

describe('OpenAPI v3', () => {
  it('index paths resolve to documents', () => {
    const index = openapiV3Index(builtinResources) as { paths: Record<string, { serverRelativeURL: string }> };
    assert.ok(index.paths['api/v1']);
    assert.match(index.paths['apis/apps/v1']!.serverRelativeURL, /^\/openapi\/v3\/apis\/apps\/v1\?hash=[0-9A-F]+$/);
    for (const [p, { serverRelativeURL }] of Object.entries(index.paths)) {
      const doc = openapiV3Document(builtinResources, serverRelativeURL) as any;
      assert.ok(doc, p);
      assert.equal(doc.openapi, '3.0.0');
      // every $ref resolves inside the document
      for (const m of JSON.stringify(doc).matchAll(/"#\/components\/schemas\/([^"]+)"/g)) assert.ok(doc.components.schemas[m[1]!], `${p}: ${m[1]}`);
    }
    assert.equal(openapiV3Document(builtinResources, 'apis/nope/v1'), undefined);
  });
  it('PATCH carries fieldValidation and described $refs are wrapped in allOf', () => {
    const doc = openapiV3Document(builtinResources, 'apis/apps/v1') as any;
    const patch = doc.paths['/apis/apps/v1/namespaces/{namespace}/deployments/{name}'].patch;
    assert.ok(patch.parameters.some((p: any) => p.name === 'fieldValidation' && p.in === 'query'));
    assert.ok(patch.requestBody.content['application/strategic-merge-patch+json']);
    const tmpl = doc.components.schemas['io.k8s.api.apps.v1.DeploymentSpec'].properties.template;
    assert.deepEqual(tmpl.allOf, [{ $ref: '#/components/schemas/io.k8s.api.core.v1.PodTemplateSpec' }]);
  });
  it('includes custom resources from their CRD schemas', () => {
    const resources = [...builtinResources, widget];
    const index = openapiV3Index(resources, { crdSchemas }) as { paths: Record<string, unknown> };
    assert.ok(index.paths['apis/stable.example.com/v1']);
    const doc = openapiV3Document(resources, 'apis/stable.example.com/v1', { crdSchemas }) as any;
    const s = doc.components.schemas['com.example.stable.v1.Widget'];
    assert.deepEqual(s['x-kubernetes-group-version-kind'], [{ group: 'stable.example.com', version: 'v1', kind: 'Widget' }]);
    assert.equal(s.properties.spec.properties.size.type, 'integer');
    assert.ok(doc.components.schemas['io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta']);
    const v2 = openapiV2Json(resources, { crdSchemas }) as any;
    assert.ok(v2.definitions['com.example.stable.v1.WidgetList']);
  });
});
