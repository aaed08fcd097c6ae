import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { KubeObject } from '../object.js';
import { testResourceInfo as info } from '../testing.js';
import { applyDefaults, imageTag } from './index.js';

const defaulted = (group: string, kind: string, o: KubeObject): KubeObject => {
  const c = structuredClone(o);
  applyDefaults(info(group, kind), c);
  return c;
};

const defaultedContainer = (image: string, pullPolicy: string) => ({
  name: 'web',
  image,
  imagePullPolicy: pullPolicy,
  resources: {},
  terminationMessagePath: '/dev/termination-log',
  terminationMessagePolicy: 'File',
});
const podSpecDefaults = {
  dnsPolicy: 'ClusterFirst',
  restartPolicy: 'Always',
  schedulerName: 'default-scheduler',
  securityContext: {},
  terminationGracePeriodSeconds: 30,
};

test('image pull policy follows the tag', () => {
  const cases: Array<[string, string]> = [
    ['nginx', 'latest'],
    ['nginx:latest', 'latest'],
    ['nginx:1.25', '1.25'],
    ['localhost:5000/app', 'latest'],
    ['localhost:5000/app:v2', 'v2'],
    ['nginx@sha256:abc', ''],
    ['nginx:1.25@sha256:abc', '1.25'],
  ];
  for (const [image, tag] of cases) assert.equal(imageTag(image), tag, image);
});

test('a deployment reads back as Kubernetes prints it', () => {
  const d = defaulted('apps', 'Deployment', {
    metadata: { name: 'web', namespace: 'default' },
    spec: {
      selector: { matchLabels: { app: 'web' } },
      template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'nginx', ports: [{ containerPort: 80 }] }] } },
    },
  });
  assert.deepEqual(d.spec, {
    progressDeadlineSeconds: 600,
    replicas: 1,
    revisionHistoryLimit: 10,
    selector: { matchLabels: { app: 'web' } },
    strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } },
    template: {
      metadata: { labels: { app: 'web' } },
      spec: { containers: [{ ...defaultedContainer('nginx', 'Always'), ports: [{ containerPort: 80, protocol: 'TCP' }] }], ...podSpecDefaults },
    },
  });
});

test('pods: requests from limits, service links, probes, volumes, canonical quantities', () => {
  const p = defaulted('', 'Pod', {
    metadata: { name: 'p', namespace: 'default' },
    spec: {
      containers: [
        {
          name: 'web',
          image: 'nginx:1.25',
          resources: { limits: { cpu: 0.5, memory: '1024Mi' } },
          readinessProbe: { httpGet: { port: 80 } },
        },
      ],
      volumes: [{ name: 'cfg', configMap: { name: 'cfg' } }, { name: 'scratch' }],
    },
  });
  const spec = p.spec as Record<string, any>;
  assert.equal(spec.enableServiceLinks, true);
  assert.deepEqual(spec.containers[0].resources, { limits: { cpu: '500m', memory: '1Gi' }, requests: { cpu: '500m', memory: '1Gi' } });
  assert.deepEqual(spec.containers[0].readinessProbe, {
    httpGet: { port: 80, path: '/', scheme: 'HTTP' },
    timeoutSeconds: 1,
    periodSeconds: 10,
    successThreshold: 1,
    failureThreshold: 3,
  });
  assert.deepEqual(spec.volumes, [{ name: 'cfg', configMap: { name: 'cfg', defaultMode: 420 } }, { name: 'scratch', emptyDir: {} }]);
  assert.equal(spec.containers[0].imagePullPolicy, 'IfNotPresent');
});

test('services, statefulsets, jobs, cronjobs, namespaces, secrets', () => {
  const svc = defaulted('', 'Service', { metadata: { name: 's' }, spec: { type: 'NodePort', ports: [{ port: 80 }] } });
  assert.deepEqual(svc.spec, {
    type: 'NodePort',
    sessionAffinity: 'None',
    ports: [{ port: 80, protocol: 'TCP', targetPort: 80 }],
    externalTrafficPolicy: 'Cluster',
    internalTrafficPolicy: 'Cluster',
    ipFamilyPolicy: 'SingleStack',
    ipFamilies: ['IPv4'],
  });
  assert.deepEqual(svc.status, { loadBalancer: {} });

  const sts = defaulted('apps', 'StatefulSet', { metadata: { name: 'db' }, spec: { template: { spec: { containers: [] } } } }).spec as Record<string, unknown>;
  assert.equal(sts.podManagementPolicy, 'OrderedReady');
  assert.deepEqual(sts.updateStrategy, { type: 'RollingUpdate', rollingUpdate: { partition: 0 } });
  assert.deepEqual(sts.persistentVolumeClaimRetentionPolicy, { whenDeleted: 'Retain', whenScaled: 'Retain' });
  assert.equal(sts.revisionHistoryLimit, 10);

  const job = defaulted('batch', 'Job', {
    metadata: { name: 'pi', uid: 'u-1' },
    spec: { template: { metadata: { labels: { team: 'a' } }, spec: { containers: [], restartPolicy: 'Never' } } },
  });
  const js = job.spec as Record<string, any>;
  assert.deepEqual(
    { completions: js.completions, parallelism: js.parallelism, backoffLimit: js.backoffLimit, completionMode: js.completionMode, suspend: js.suspend, podReplacementPolicy: js.podReplacementPolicy },
    { completions: 1, parallelism: 1, backoffLimit: 6, completionMode: 'NonIndexed', suspend: false, podReplacementPolicy: 'TerminatingOrFailed' },
  );
  assert.deepEqual(js.selector, { matchLabels: { 'batch.kubernetes.io/controller-uid': 'u-1' } });
  assert.deepEqual(js.template.metadata.labels, {
    team: 'a',
    'batch.kubernetes.io/controller-uid': 'u-1',
    'batch.kubernetes.io/job-name': 'pi',
    'controller-uid': 'u-1',
    'job-name': 'pi',
  });
  assert.deepEqual(job.metadata?.labels, { team: 'a' });

  const cj = defaulted('batch', 'CronJob', { metadata: { name: 'c' }, spec: { schedule: '@daily', jobTemplate: { spec: { template: { spec: { containers: [] } } } } } }).spec as Record<string, unknown>;
  assert.deepEqual(
    { c: cj.concurrencyPolicy, s: cj.suspend, ok: cj.successfulJobsHistoryLimit, bad: cj.failedJobsHistoryLimit },
    { c: 'Allow', s: false, ok: 3, bad: 1 },
  );

  const ns = defaulted('', 'Namespace', { metadata: { name: 'team-a' } });
  assert.deepEqual(ns.metadata?.labels, { 'kubernetes.io/metadata.name': 'team-a' });
  assert.deepEqual(ns.status, { phase: 'Active' });
  assert.deepEqual(ns.spec, { finalizers: ['kubernetes'] });

  const secret = defaulted('', 'Secret', { metadata: { name: 's' }, stringData: { user: 'admin' } });
  assert.deepEqual({ type: secret.type, data: secret.data, stringData: secret.stringData }, { type: 'Opaque', data: { user: 'YWRtaW4=' }, stringData: undefined });

  const pvc = defaulted('', 'PersistentVolumeClaim', { metadata: { name: 'c' }, spec: { resources: { requests: { storage: '1024Mi' } } } });
  assert.deepEqual(pvc.spec, { resources: { requests: { storage: '1Gi' } }, volumeMode: 'Filesystem' });
  assert.deepEqual(pvc.status, { phase: 'Pending' });

  const hpa = defaulted('autoscaling', 'HorizontalPodAutoscaler', { apiVersion: 'autoscaling/v2', metadata: { name: 'h' }, spec: { maxReplicas: 3 } });
  assert.deepEqual(hpa.spec, {
    maxReplicas: 3,
    minReplicas: 1,
    metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 80 } } }],
  });

  const rb = defaulted('rbac.authorization.k8s.io', 'RoleBinding', { roleRef: { kind: 'Role', name: 'r' }, subjects: [{ kind: 'User', name: 'a' }, { kind: 'ServiceAccount', name: 'sa' }] });
  assert.deepEqual(rb.subjects, [{ kind: 'User', name: 'a', apiGroup: 'rbac.authorization.k8s.io' }, { kind: 'ServiceAccount', name: 'sa' }]);
});
