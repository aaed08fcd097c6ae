import { test } from 'node:test';
import assert from 'node:assert/strict';
import { defaultPrinter, printerFor } from '../printers/index.js';
import type { ResourceInfo } from '../resource.js';
import { builtinResources, compareVersions, ResourceRegistry } from './index.js';

// Types Kubernetes itself prints with the default NAME / CREATED AT table.
const PRINTED_BY_DEFAULT = new Set([
  '/bindings',
  '/limitranges',
  'rbac.authorization.k8s.io/roles',
  'rbac.authorization.k8s.io/clusterroles',
  'apiextensions.k8s.io/customresourcedefinitions',
  'authentication.k8s.io/selfsubjectreviews',
  'authentication.k8s.io/tokenreviews',
  'authorization.k8s.io/localsubjectaccessreviews',
  'authorization.k8s.io/selfsubjectaccessreviews',
  'authorization.k8s.io/selfsubjectrulesreviews',
  'authorization.k8s.io/subjectaccessreviews',
]);

test('every built-in type has its Kubernetes printer', () => {
  for (const info of builtinResources) {
    const key = `${info.group}/${info.plural}`;
    const p = printerFor(info);
    if (PRINTED_BY_DEFAULT.has(key)) assert.equal(p, defaultPrinter, key);
    else assert.notEqual(p, defaultPrinter, `${key} has no printer`);
    assert.equal(p.columns.filter((c) => c.format === 'name').length >= 1, true, key);
  }
});

test('every printer gives one cell per column, even for an empty object', () => {
  const now = new Date();
  for (const info of builtinResources) {
    const p = printerFor(info);
    assert.equal(p.cells({ metadata: { name: 'x' } }, now).length, p.columns.length, info.plural);
    assert.equal(p.cells({}, now).length, p.columns.length, info.plural);
  }
});

test('names are unique: group+plural, kinds within a group, short names', () => {
  const seen = new Set<string>();
  const kinds = new Set<string>();
  const shorts = new Map<string, string>();
  for (const info of builtinResources) {
    const key = `${info.group}/${info.plural}`;
    assert.ok(!seen.has(key), key);
    seen.add(key);
    const kind = `${info.group}/${info.kind}`;
    assert.ok(!kinds.has(kind), kind);
    kinds.add(kind);
    assert.equal(info.listKind, `${info.kind}List`);
    assert.match(info.plural, /^[a-z]+$/);
    for (const s of info.shortNames ?? []) {
      // "ev" is shared by core and events.k8s.io events, as in Kubernetes: both name the same objects.
      if (shorts.has(s) && !(s === 'ev' && info.kind === 'Event')) assert.fail(`short name ${s} of ${key} already used by ${shorts.get(s)}`);
      shorts.set(s, key);
    }
  }
});

test('facts kubectl relies on', () => {
  const r = new ResourceRegistry(builtinResources);
  const pods = r.byPlural('', 'v1', 'pods')!;
  assert.equal(pods.kind, 'Pod');
  assert.deepEqual(pods.shortNames, ['po']);
  assert.deepEqual(pods.categories, ['all']);
  assert.deepEqual(pods.subresources?.map((s) => s.name), ['attach', 'binding', 'ephemeralcontainers', 'eviction', 'exec', 'log', 'portforward', 'proxy', 'resize', 'status']);
  assert.deepEqual(pods.subresources?.find((s) => s.name === 'eviction'), { name: 'eviction', kind: 'Eviction', group: 'policy', version: 'v1', verbs: ['create'] });
  assert.deepEqual(r.byPlural('', 'v1', 'namespaces')?.verbs, ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch']);
  assert.deepEqual(r.byPlural('', 'v1', 'bindings')?.verbs, ['create']);
  assert.deepEqual(r.byPlural('authorization.k8s.io', 'v1', 'selfsubjectaccessreviews')?.verbs, ['create']);
  const deploy = r.byKind('apps', 'v1', 'Deployment')!;
  assert.equal(deploy.plural, 'deployments');
  assert.deepEqual(deploy.subresources?.find((s) => s.name === 'scale'), { name: 'scale', kind: 'Scale', group: 'autoscaling', version: 'v1', verbs: ['get', 'patch', 'update'] });
  assert.equal(r.byPlural('apps', 'v1beta1', 'deployments'), undefined);
  assert.equal(r.byPlural('autoscaling', 'v1', 'horizontalpodautoscalers')?.kind, 'HorizontalPodAutoscaler');
  assert.equal(r.byPlural('autoscaling', 'v2', 'horizontalpodautoscalers')?.versions[0], 'v2');
  assert.equal(r.byPlural('', 'v1', 'endpoints')?.singular, 'endpoints');
  const all = builtinResources.filter((i) => i.categories?.includes('all')).map((i) => i.plural).sort();
  assert.deepEqual(all, ['cronjobs', 'daemonsets', 'deployments', 'horizontalpodautoscalers', 'jobs', 'pods', 'replicasets', 'replicationcontrollers', 'services', 'statefulsets']);
  for (const cluster of ['namespaces', 'nodes', 'persistentvolumes', 'storageclasses', 'clusterroles', 'priorityclasses', 'customresourcedefinitions', 'ingressclasses']) {
    assert.equal(r.all().find((i) => i.plural === cluster)?.namespaced, false, cluster);
  }
});

test('short, singular and plural names resolve; core wins for events', () => {
  const r = new ResourceRegistry(builtinResources);
  assert.equal(r.bySingularOrShortName('deploy')[0]?.plural, 'deployments');
  assert.equal(r.bySingularOrShortName('Deployment')[0]?.plural, 'deployments');
  assert.equal(r.bySingularOrShortName('svc')[0]?.plural, 'services');
  assert.equal(r.bySingularOrShortName('crd')[0]?.plural, 'customresourcedefinitions');
  assert.equal(r.bySingularOrShortName('hpa')[0]?.group, 'autoscaling');
  assert.deepEqual(r.bySingularOrShortName('ev').map((i) => i.group), ['', 'events.k8s.io']);
  assert.deepEqual(r.bySingularOrShortName('events', 'events.k8s.io').map((i) => i.group), ['events.k8s.io']);
  assert.deepEqual(r.bySingularOrShortName('nope'), []);
});

test('groups in Kubernetes discovery order, versions preferred first', () => {
  const r = new ResourceRegistry(builtinResources);
  assert.deepEqual(r.groups().map((g) => g.name), [
    '',
    'apps',
    'events.k8s.io',
    'authentication.k8s.io',
    'authorization.k8s.io',
    'autoscaling',
    'batch',
    'networking.k8s.io',
    'policy',
    'rbac.authorization.k8s.io',
    'storage.k8s.io',
    'admissionregistration.k8s.io',
    'apiextensions.k8s.io',
    'scheduling.k8s.io',
    'coordination.k8s.io',
    'node.k8s.io',
    'discovery.k8s.io',
    // metrics-server's APIService priority (100) puts it after everything else, custom groups included
    'metrics.k8s.io',
  ]);
  const autoscaling = r.groups().find((g) => g.name === 'autoscaling')!;
  assert.deepEqual(autoscaling.versions, ['v2', 'v1']);
  assert.equal(autoscaling.preferredVersion, 'v2');
  assert.deepEqual(r.groupVersions().slice(0, 3), ['v1', 'apps/v1', 'events.k8s.io/v1']);
  assert.deepEqual(['v1alpha1', 'v1', 'v2beta1', 'foo', 'v1beta2', 'v2', 'v1beta1', 'v11alpha2'].sort(compareVersions), ['v2', 'v1', 'v2beta1', 'v1beta2', 'v1beta1', 'v11alpha2', 'v1alpha1', 'foo']);
});

test('CRDs are added and removed at runtime, bumping the generation', () => {
  const r = new ResourceRegistry(builtinResources);
  const g0 = r.generation;
  const crontabs: ResourceInfo = {
    group: 'stable.example.com', versions: ['v1', 'v1beta1'], kind: 'CronTab', listKind: 'CronTabList', plural: 'crontabs', singular: 'crontab',
    namespaced: true, verbs: ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'], shortNames: ['ct'], categories: ['all'],
  };
  const widgets: ResourceInfo = { ...crontabs, group: 'a.example.com', kind: 'Widget', listKind: 'WidgetList', plural: 'widgets', singular: 'widget', shortNames: [] };
  r.add(crontabs);
  r.add(widgets);
  assert.equal(r.generation, g0 + 2);
  assert.equal(r.byPlural('stable.example.com', 'v1beta1', 'crontabs')?.kind, 'CronTab');
  assert.equal(r.bySingularOrShortName('ct')[0]?.kind, 'CronTab');
  assert.deepEqual(r.groups().slice(-3).map((g) => g.name), ['a.example.com', 'stable.example.com', 'metrics.k8s.io']);
  assert.deepEqual(r.resourcesIn('stable.example.com', 'v1').map((i) => i.plural), ['crontabs']);
  assert.equal(r.remove('stable.example.com', 'crontabs'), true);
  assert.equal(r.remove('stable.example.com', 'crontabs'), false);
  assert.equal(r.generation, g0 + 3);
  assert.equal(r.byPlural('stable.example.com', 'v1', 'crontabs'), undefined);
  assert.equal(r.groups().some((g) => g.name === 'stable.example.com'), false);
});
