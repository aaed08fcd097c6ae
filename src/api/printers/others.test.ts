import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../object.js';
import { validatingAdmissionPolicyBindingPrinter, mutatingWebhookPrinter } from './admission.js';
import { leasePrinter, priorityClassPrinter } from './cluster.js';
import { endpointSlicePrinter, ingressClassPrinter, ingressPrinter, networkPolicyPrinter } from './networking.js';
import { pdbPrinter } from './policy.js';
import { clusterRoleBindingPrinter, roleBindingPrinter } from './rbac.js';
import { csiDriverPrinter, storageClassPrinter, volumeAttachmentPrinter } from './storage.js';

const now = new Date('2025-06-01T12:00:00Z');
const ago = (s: number): string => new Date(now.getTime() - s * 1000).toISOString();
const meta = (name: string, extra: Record<string, unknown> = {}) => ({ name, creationTimestamp: ago(45), ...extra });

test('ingress: class, hosts, address, ports', () => {
  const ing: KubeObject = {
    metadata: meta('web'),
    spec: { ingressClassName: 'tugboat', rules: [{ host: 'a.example.com' }, { host: 'b.example.com' }], tls: [{ hosts: ['a.example.com'] }] },
    status: { loadBalancer: { ingress: [{ ip: '10.0.0.9' }] } },
  };
  assert.deepEqual(ingressPrinter.cells(ing, now), ['web', 'tugboat', 'a.example.com,b.example.com', '10.0.0.9', '80, 443', '45s']);
  const bare: KubeObject = { metadata: meta('any'), spec: { defaultBackend: { service: { name: 'x', port: { number: 80 } } } } };
  assert.deepEqual(ingressPrinter.cells(bare, now), ['any', '<none>', '*', '', '80', '45s']);
  const many: KubeObject = { metadata: meta('many'), spec: { rules: ['a', 'b', 'c', 'd', 'e'].map((h) => ({ host: `${h}.io` })) } };
  assert.equal(ingressPrinter.cells(many, now)[2], 'a.io,b.io,c.io + 2 more...');
});

test('ingress class, network policy, endpoint slice', () => {
  const ic: KubeObject = { metadata: meta('nginx'), spec: { controller: 'k8s.io/ingress-nginx', parameters: { apiGroup: 'k8s.example.com', kind: 'IngressParameters', name: 'external-lb' } } };
  assert.deepEqual(ingressClassPrinter.cells(ic, now), ['nginx', 'k8s.io/ingress-nginx', 'IngressParameters.k8s.example.com/external-lb', '45s']);
  assert.deepEqual(networkPolicyPrinter.cells({ metadata: meta('deny'), spec: { podSelector: {} } }, now), ['deny', '<none>', '45s']);
  assert.deepEqual(networkPolicyPrinter.cells({ metadata: meta('db'), spec: { podSelector: { matchLabels: { role: 'db' } } } }, now), ['db', 'role=db', '45s']);
  const slice: KubeObject = {
    metadata: meta('web-abc'),
    addressType: 'IPv4',
    ports: [{ name: 'http', port: 80, protocol: 'TCP' }],
    endpoints: [1, 2, 3, 4].map((i) => ({ addresses: [`10.1.0.${i}`] })),
  };
  assert.deepEqual(endpointSlicePrinter.cells(slice, now), ['web-abc', 'IPv4', '80', '10.1.0.1,10.1.0.2,10.1.0.3 + 1 more...', '45s']);
  assert.deepEqual(endpointSlicePrinter.cells({ metadata: meta('empty'), addressType: 'IPv4' }, now), ['empty', 'IPv4', '<unset>', '<unset>', '45s']);
});

test('pod disruption budget', () => {
  assert.deepEqual(pdbPrinter.cells({ metadata: meta('pdb'), spec: { minAvailable: 2 }, status: { disruptionsAllowed: 1 } }, now), ['pdb', '2', 'N/A', 1, '45s']);
  assert.deepEqual(pdbPrinter.cells({ metadata: meta('pdb'), spec: { maxUnavailable: '25%' } }, now), ['pdb', 'N/A', '25%', 0, '45s']);
});

test('role bindings list their subjects', () => {
  const rb: KubeObject = {
    metadata: meta('read'),
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'view' },
    subjects: [
      { kind: 'User', name: 'alice' },
      { kind: 'User', name: 'bob' },
      { kind: 'Group', name: 'devs' },
      { kind: 'ServiceAccount', name: 'ci', namespace: 'build' },
    ],
  };
  assert.deepEqual(roleBindingPrinter.cells(rb, now), ['read', 'ClusterRole/view', '45s', 'alice, bob', 'devs', 'build/ci']);
  assert.deepEqual(clusterRoleBindingPrinter.cells({ metadata: meta('x'), roleRef: { kind: 'ClusterRole', name: 'admin' } }, now), ['x', 'ClusterRole/admin', '45s', '', '', '']);
});

test('storage classes mark the default', () => {
  const sc: KubeObject = { metadata: meta('standard', { annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' } }), provisioner: 'tugboat.dev/hostpath' };
  assert.deepEqual(storageClassPrinter.cells(sc, now), ['standard (default)', 'tugboat.dev/hostpath', 'Delete', 'Immediate', false, '45s']);
  const fast: KubeObject = { metadata: meta('fast'), provisioner: 'x', reclaimPolicy: 'Retain', volumeBindingMode: 'WaitForFirstConsumer', allowVolumeExpansion: true };
  assert.deepEqual(storageClassPrinter.cells(fast, now), ['fast', 'x', 'Retain', 'WaitForFirstConsumer', true, '45s']);
});

test('volume attachments and CSI drivers', () => {
  const va: KubeObject = { metadata: meta('csi-1'), spec: { attacher: 'csi.example.com', nodeName: 'n1', source: { persistentVolumeName: 'pv1' } }, status: { attached: true } };
  assert.deepEqual(volumeAttachmentPrinter.cells(va, now), ['csi-1', 'csi.example.com', 'pv1', 'n1', true, '45s']);
  assert.deepEqual(csiDriverPrinter.cells({ metadata: meta('d'), spec: {} }, now), ['d', true, false, false, '<unset>', false, '<none>', '45s']);
  assert.deepEqual(
    csiDriverPrinter.cells({ metadata: meta('d'), spec: { attachRequired: false, tokenRequests: [{ audience: 'a' }, { audience: 'b' }], volumeLifecycleModes: ['Persistent', 'Ephemeral'] } }, now),
    ['d', false, false, false, 'a,b', false, 'Persistent,Ephemeral', '45s'],
  );
});

test('priority classes, leases, admission', () => {
  assert.deepEqual(priorityClassPrinter.cells({ metadata: meta('high'), value: 1000000, globalDefault: false, preemptionPolicy: 'PreemptLowerPriority' }, now), ['high', 1000000, false, '45s', 'PreemptLowerPriority']);
  assert.deepEqual(leasePrinter.cells({ metadata: meta('n1'), spec: { holderIdentity: 'n1' } }, now), ['n1', 'n1', '45s']);
  assert.deepEqual(mutatingWebhookPrinter.cells({ metadata: meta('hooks'), webhooks: [{}, {}] }, now), ['hooks', 2, '45s']);
  assert.deepEqual(validatingAdmissionPolicyBindingPrinter.cells({ metadata: meta('b'), spec: { policyName: 'p', paramRef: { name: 'cfg' } } }, now), ['b', 'p', '*/cfg', '45s']);
});
