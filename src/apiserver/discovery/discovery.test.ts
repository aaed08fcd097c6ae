import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { builtinResources } from '../../api/resources/index.js';
import { ALL_VERBS, type ResourceInfo } from '../../api/resource.js';
import { aggregatedContentType, aggregatedDiscovery, apiGroup, apiGroupList, apiResourceList, compareVersions, coreApiVersions, negotiateAggregated, storageVersionHash } from './index.js';

const resources: ResourceInfo[] = [
  { group: '', versions: ['v1'], kind: 'Pod', listKind: 'PodList', plural: 'pods', singular: 'pod', namespaced: true, verbs: ALL_VERBS, shortNames: ['po'], categories: ['all'], subresources: [{ name: 'status', kind: 'Pod', verbs: ['get', 'patch', 'update'] }] },
  { group: 'apps', versions: ['v1'], kind: 'Deployment', listKind: 'DeploymentList', plural: 'deployments', singular: 'deployment', namespaced: true, verbs: ALL_VERBS, shortNames: ['deploy'], categories: ['all'], subresources: [{ name: 'status', kind: 'Deployment', verbs: ['get', 'patch', 'update'] }, { name: 'scale', kind: 'Scale', group: 'autoscaling', version: 'v1', verbs: ['get', 'patch', 'update'] }] },
  { group: 'autoscaling', versions: ['v2', 'v1'], kind: 'HorizontalPodAutoscaler', listKind: 'HorizontalPodAutoscalerList', plural: 'horizontalpodautoscalers', singular: 'horizontalpodautoscaler', namespaced: true, verbs: ALL_VERBS, shortNames: ['hpa'], categories: ['all'] },
  { group: 'rbac.authorization.k8s.io', versions: ['v1'], kind: 'ClusterRole', listKind: 'ClusterRoleList', plural: 'clusterroles', singular: 'clusterrole', namespaced: false, verbs: ALL_VERBS },
];

describe('legacy discovery', () => {
  it('/api and /apis', () => {
    assert.deepEqual(coreApiVersions('10.0.0.1:6443'), { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: '10.0.0.1:6443' }] });
    const list = apiGroupList(resources) as { groups: { name: string; preferredVersion: { groupVersion: string } }[] };
    assert.deepEqual(list.groups.map((g) => g.name), ['apps', 'autoscaling', 'rbac.authorization.k8s.io']);
    assert.equal(list.groups[1]?.preferredVersion.groupVersion, 'autoscaling/v2');
    assert.deepEqual(apiGroup(resources, 'autoscaling'), {
      kind: 'APIGroup', apiVersion: 'v1', name: 'autoscaling',
      versions: [{ groupVersion: 'autoscaling/v2', version: 'v2' }, { groupVersion: 'autoscaling/v1', version: 'v1' }],
      preferredVersion: { groupVersion: 'autoscaling/v2', version: 'v2' },
    });
    assert.equal(apiGroup(resources, 'nope'), undefined);
  });
  it('APIResourceList with subresources', () => {
    const l = apiResourceList(resources, 'apps', 'v1') as { groupVersion: string; resources: Record<string, unknown>[] };
    assert.equal(l.groupVersion, 'apps/v1');
    assert.deepEqual(l.resources[0], {
      name: 'deployments', singularName: 'deployment', namespaced: true, kind: 'Deployment', verbs: [...ALL_VERBS],
      shortNames: ['deploy'], categories: ['all'], storageVersionHash: storageVersionHash(resources[1]!),
    });
    assert.deepEqual(l.resources[1], { name: 'deployments/status', singularName: '', namespaced: true, kind: 'Deployment', verbs: ['get', 'patch', 'update'] });
    assert.deepEqual(l.resources[2], { name: 'deployments/scale', singularName: '', namespaced: true, group: 'autoscaling', version: 'v1', kind: 'Scale', verbs: ['get', 'patch', 'update'] });
    assert.equal(apiResourceList(resources, 'apps', 'v2'), undefined);
  });
  it('storageVersionHash matches Kubernetes (8 bytes of sha256, base64)', () => {
    // The values a Kubernetes API server lists for deployments and pods.
    assert.equal(storageVersionHash(resources[1]!), '8aSe+NMegvE=');
    assert.equal(storageVersionHash(resources[0]!), 'xPOwRZ+Yhw8=');
  });
  it('orders versions by Kubernetes priority', () => {
    assert.deepEqual(['v1beta1', 'v1', 'v2alpha1', 'v2', 'v1beta2'].sort(compareVersions), ['v2', 'v1', 'v1beta2', 'v1beta1', 'v2alpha1']);
  });
});

describe('aggregated discovery', () => {
  it('lists deployments in apps/v1 with short name and category', () => {
    const doc = aggregatedDiscovery(builtinResources, 'apis', 'v2') as any;
    assert.equal(doc.kind, 'APIGroupDiscoveryList');
    assert.equal(doc.apiVersion, 'apidiscovery.k8s.io/v2');
    const apps = doc.items.find((g: any) => g.metadata.name === 'apps');
    const v1 = apps.versions.find((v: any) => v.version === 'v1');
    assert.equal(v1.freshness, 'Current');
    const d = v1.resources.find((r: any) => r.resource === 'deployments');
    assert.deepEqual(d.responseKind, { group: 'apps', version: 'v1', kind: 'Deployment' });
    assert.equal(d.scope, 'Namespaced');
    assert.equal(d.singularResource, 'deployment');
    assert.ok(d.shortNames.includes('deploy'));
    assert.ok(d.categories.includes('all'));
    const scale = d.subresources.find((s: any) => s.subresource === 'scale');
    assert.deepEqual(scale.responseKind, { group: 'autoscaling', version: 'v1', kind: 'Scale' });
  });
  it('core document holds only the legacy group', () => {
    const doc = aggregatedDiscovery(resources, 'core', 'v2beta1') as any;
    assert.equal(doc.apiVersion, 'apidiscovery.k8s.io/v2beta1');
    assert.equal(doc.items.length, 1);
    assert.equal(doc.items[0].metadata.name, undefined);
    assert.equal(doc.items[0].versions[0].resources[0].resource, 'pods');
  });
  it('negotiates from kubectl Accept headers', () => {
    const v2 = 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json';
    assert.equal(negotiateAggregated(v2), 'v2');
    assert.equal(negotiateAggregated('application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json'), 'v2beta1');
    assert.equal(negotiateAggregated('application/json, */*'), undefined);
    assert.equal(negotiateAggregated(undefined), undefined);
    assert.equal(aggregatedContentType('v2'), 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList');
  });
});
