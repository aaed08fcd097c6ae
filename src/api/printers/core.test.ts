import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../object.js';
import {
  configMapPrinter,
  endpointsPrinter,
  namespacePrinter,
  nodePrinter,
  persistentVolumeClaimPrinter,
  persistentVolumePrinter,
  replicationControllerPrinter,
  resourceQuotaPrinter,
  secretPrinter,
  serviceAccountPrinter,
  servicePrinter,
} from './core.js';
import { eventPrinter } from './events.js';

const now = new Date('2025-06-01T12:00:00Z');
const ago = (s: number): string => new Date(now.getTime() - s * 1000).toISOString();
const meta = (name: string, extra: Record<string, unknown> = {}) => ({ name, namespace: 'default', creationTimestamp: ago(3 * 86400 + 4 * 3600), ...extra });

const services: { name: string; svc: KubeObject; row: unknown[] }[] = [
  {
    name: 'ClusterIP',
    svc: { metadata: meta('web'), spec: { type: 'ClusterIP', clusterIP: '10.96.0.10', clusterIPs: ['10.96.0.10'], ports: [{ port: 80, protocol: 'TCP' }], selector: { app: 'web' } } },
    row: ['web', 'ClusterIP', '10.96.0.10', '<none>', '80/TCP', '3d4h', 'app=web'],
  },
  {
    name: 'headless without ports or selector',
    svc: { metadata: meta('db'), spec: { type: 'ClusterIP', clusterIP: 'None', clusterIPs: ['None'] } },
    row: ['db', 'ClusterIP', 'None', '<none>', '<none>', '3d4h', '<none>'],
  },
  {
    name: 'NodePort with two ports',
    svc: { metadata: meta('np'), spec: { type: 'NodePort', clusterIPs: ['10.96.1.1'], ports: [{ port: 80, nodePort: 30080, protocol: 'TCP' }, { port: 53, nodePort: 30053, protocol: 'UDP' }], selector: { b: '2', a: '1' } } },
    row: ['np', 'NodePort', '10.96.1.1', '<none>', '80:30080/TCP,53:30053/UDP', '3d4h', 'a=1,b=2'],
  },
  {
    name: 'LoadBalancer pending',
    svc: { metadata: meta('lb'), spec: { type: 'LoadBalancer', clusterIPs: ['10.96.2.2'], ports: [{ port: 443, nodePort: 31443, protocol: 'TCP' }] }, status: { loadBalancer: {} } },
    row: ['lb', 'LoadBalancer', '10.96.2.2', '<pending>', '443:31443/TCP', '3d4h', '<none>'],
  },
  {
    name: 'LoadBalancer with ingress',
    svc: {
      metadata: meta('lb2'),
      spec: { type: 'LoadBalancer', clusterIPs: ['10.96.2.3'], ports: [{ port: 80, nodePort: 31000, protocol: 'TCP' }] },
      status: { loadBalancer: { ingress: [{ ip: '192.168.1.240' }, { hostname: 'lb.example.com' }] } },
    },
    row: ['lb2', 'LoadBalancer', '10.96.2.3', '192.168.1.240,lb.example.com', '80:31000/TCP', '3d4h', '<none>'],
  },
  {
    name: 'ExternalName',
    svc: { metadata: meta('ext'), spec: { type: 'ExternalName', externalName: 'example.com' } },
    row: ['ext', 'ExternalName', '<none>', 'example.com', '<none>', '3d4h', '<none>'],
  },
  {
    name: 'ClusterIP with external IPs',
    svc: { metadata: meta('eip'), spec: { clusterIPs: ['10.96.3.3'], externalIPs: ['1.2.3.4', '5.6.7.8'], ports: [{ port: 8080, protocol: 'TCP' }] } },
    row: ['eip', 'ClusterIP', '10.96.3.3', '1.2.3.4,5.6.7.8', '8080/TCP', '3d4h', '<none>'],
  },
];
for (const c of services) {
  test(`service: ${c.name}`, () => assert.deepEqual(servicePrinter.cells(c.svc, now), c.row));
}

const ready = (status: string) => ({ conditions: [{ type: 'MemoryPressure', status: 'False' }, { type: 'Ready', status }] });
const nodeInfo = { kubeletVersion: 'v1.33.0', osImage: 'Ubuntu 24.04', kernelVersion: '6.8.0', containerRuntimeVersion: 'tugboat://0.1.0' };
const nodes: { name: string; node: KubeObject; row: unknown[] }[] = [
  {
    name: 'ready control plane',
    node: {
      metadata: { name: 'n1', creationTimestamp: ago(600), labels: { 'node-role.kubernetes.io/control-plane': '', 'node-role.kubernetes.io/master': '' } },
      status: { ...ready('True'), nodeInfo, addresses: [{ type: 'Hostname', address: 'n1' }, { type: 'InternalIP', address: '10.0.0.1' }] },
    },
    row: ['n1', 'Ready', 'control-plane,master', '10m', 'v1.33.0', '10.0.0.1', '<none>', 'Ubuntu 24.04', '6.8.0', 'tugboat://0.1.0'],
  },
  {
    name: 'not ready worker by kubernetes.io/role',
    node: { metadata: { name: 'n2', creationTimestamp: ago(600), labels: { 'kubernetes.io/role': 'worker' } }, status: { ...ready('False'), nodeInfo } },
    row: ['n2', 'NotReady', 'worker', '10m', 'v1.33.0', '<none>', '<none>', 'Ubuntu 24.04', '6.8.0', 'tugboat://0.1.0'],
  },
  {
    name: 'cordoned',
    node: { metadata: { name: 'n3', creationTimestamp: ago(600) }, spec: { unschedulable: true }, status: { ...ready('True'), nodeInfo, addresses: [{ type: 'ExternalIP', address: '203.0.113.9' }] } },
    row: ['n3', 'Ready,SchedulingDisabled', '<none>', '10m', 'v1.33.0', '<none>', '203.0.113.9', 'Ubuntu 24.04', '6.8.0', 'tugboat://0.1.0'],
  },
  {
    name: 'no status yet',
    node: { metadata: { name: 'n4', creationTimestamp: ago(5) }, spec: { unschedulable: true } },
    row: ['n4', 'Unknown,SchedulingDisabled', '<none>', '5s', '', '<none>', '<none>', '<unknown>', '<unknown>', '<unknown>'],
  },
];
for (const c of nodes) {
  test(`node: ${c.name}`, () => assert.deepEqual(nodePrinter.cells(c.node, now), c.row));
}

test('endpoints: up to three, then "+ N more..."', () => {
  const ep = (subsets: unknown): KubeObject => ({ metadata: meta('svc'), subsets });
  assert.equal(endpointsPrinter.cells(ep(undefined), now)[1], '<none>');
  assert.equal(endpointsPrinter.cells(ep([{ addresses: [{ ip: '10.1.0.1' }], ports: [{ port: 80 }] }]), now)[1], '10.1.0.1:80');
  assert.equal(endpointsPrinter.cells(ep([{ addresses: [{ ip: '10.1.0.1' }, { ip: '10.1.0.2' }] }]), now)[1], '10.1.0.1,10.1.0.2');
  assert.equal(endpointsPrinter.cells(ep([{ addresses: [{ ip: 'fd00::1' }], ports: [{ port: 80 }] }]), now)[1], '[fd00::1]:80');
  const five = [{ addresses: [1, 2, 3, 4, 5].map((i) => ({ ip: `10.1.0.${i}` })), ports: [{ port: 8080 }] }];
  assert.equal(endpointsPrinter.cells(ep(five), now)[1], '10.1.0.1:8080,10.1.0.2:8080,10.1.0.3:8080 + 2 more...');
});

test('configmaps, secrets, serviceaccounts, namespaces', () => {
  assert.deepEqual(configMapPrinter.cells({ metadata: meta('cm'), data: { a: '1', b: '2' }, binaryData: { c: 'AA==' } }, now), ['cm', 3, '3d4h']);
  assert.deepEqual(configMapPrinter.cells({ metadata: meta('empty') }, now), ['empty', 0, '3d4h']);
  assert.deepEqual(secretPrinter.cells({ metadata: meta('tls'), type: 'kubernetes.io/tls', data: { 'tls.crt': 'x', 'tls.key': 'y' } }, now), ['tls', 'kubernetes.io/tls', 2, '3d4h']);
  assert.deepEqual(serviceAccountPrinter.cells({ metadata: meta('default') }, now), ['default', 0, '3d4h']);
  assert.deepEqual(namespacePrinter.cells({ metadata: meta('kube-system'), status: { phase: 'Active' } }, now), ['kube-system', 'Active', '3d4h']);
});

test('persistent volumes and claims', () => {
  const pv: KubeObject = {
    metadata: meta('pv1'),
    spec: { capacity: { storage: '10Gi' }, accessModes: ['ReadWriteMany', 'ReadWriteOnce'], persistentVolumeReclaimPolicy: 'Retain', claimRef: { namespace: 'default', name: 'data' }, storageClassName: 'standard', volumeMode: 'Filesystem' },
    status: { phase: 'Bound' },
  };
  assert.deepEqual(persistentVolumePrinter.cells(pv, now), ['pv1', '10Gi', 'RWO,RWX', 'Retain', 'Bound', 'default/data', 'standard', '<unset>', '', '3d4h', 'Filesystem']);
  const pending: KubeObject = { metadata: meta('data'), spec: { storageClassName: 'standard', resources: { requests: { storage: '1Gi' } } }, status: { phase: 'Pending' } };
  assert.deepEqual(persistentVolumeClaimPrinter.cells(pending, now), ['data', 'Pending', '', '', '', 'standard', '<unset>', '3d4h', '<unset>']);
  const bound: KubeObject = { metadata: meta('data', { deletionTimestamp: ago(1) }), spec: { volumeName: 'pv1', volumeMode: 'Filesystem' }, status: { phase: 'Bound', capacity: { storage: '10Gi' }, accessModes: ['ReadWriteOnce'] } };
  assert.deepEqual(persistentVolumeClaimPrinter.cells(bound, now), ['data', 'Terminating', 'pv1', '10Gi', 'RWO', '', '<unset>', '3d4h', 'Filesystem']);
});

test('replication controller and resource quota', () => {
  const rc: KubeObject = { metadata: meta('rc'), spec: { replicas: 3, selector: { app: 'x' }, template: { spec: { containers: [{ name: 'c', image: 'img' }] } } }, status: { replicas: 3, readyReplicas: 2 } };
  assert.deepEqual(replicationControllerPrinter.cells(rc, now), ['rc', 3, 3, 2, '3d4h', 'c', 'img', 'app=x']);
  const quota: KubeObject = {
    metadata: meta('q'),
    status: { hard: { pods: '10', 'requests.cpu': '2', 'limits.memory': '2Gi', 'limits.cpu': '4' }, used: { pods: '3', 'requests.cpu': '500m', 'limits.cpu': '1' } },
  };
  assert.deepEqual(resourceQuotaPrinter.cells(quota, now), ['q', 'pods: 3/10, requests.cpu: 500m/2', 'limits.cpu: 1/4, limits.memory: 0/2Gi', '3d4h']);
});

test('events: core v1 and events.k8s.io/v1', () => {
  const core: KubeObject = {
    metadata: meta('web.1'),
    involvedObject: { kind: 'Pod', name: 'web', fieldPath: 'spec.containers{app}' },
    reason: 'Pulled',
    message: 'Successfully pulled image "nginx"\n',
    type: 'Normal',
    source: { component: 'kubelet', host: 'n1' },
    firstTimestamp: ago(600),
    lastTimestamp: ago(60),
    count: 4,
  };
  assert.deepEqual(eventPrinter.cells(core, now), ['60s', 'Normal', 'Pulled', 'pod/web', 'spec.containers{app}', 'kubelet, n1', 'Successfully pulled image "nginx"', '10m', 4, 'web.1']);
  const modern: KubeObject = {
    apiVersion: 'events.k8s.io/v1',
    metadata: meta('web.2'),
    regarding: { kind: 'Deployment', name: 'web' },
    reason: 'ScalingReplicaSet',
    note: 'Scaled up replica set web-abc to 3',
    type: 'Normal',
    eventTime: ago(30),
    reportingController: 'deployment-controller',
  };
  assert.deepEqual(eventPrinter.cells(modern, now), ['30s', 'Normal', 'ScalingReplicaSet', 'deployment/web', '', 'deployment-controller', 'Scaled up replica set web-abc to 3', '30s', 1, 'web.2']);
  const series: KubeObject = { ...modern, series: { count: 7, lastObservedTime: ago(5) } };
  assert.deepEqual(eventPrinter.cells(series, now).slice(0, 1), ['5s']);
  assert.equal(eventPrinter.cells(series, now)[8], 7);
  assert.deepEqual(eventPrinter.columns.map((c) => c.name), ['Last Seen', 'Type', 'Reason', 'Object', 'Subobject', 'Source', 'Message', 'First Seen', 'Count', 'Name']);
});
