import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../object.js';
import { controllerRevisionPrinter, daemonSetPrinter, deploymentPrinter, replicaSetPrinter, statefulSetPrinter } from './apps.js';
import { hpaPrinter } from './autoscaling.js';
import { cronJobPrinter, jobPrinter } from './batch.js';

const now = new Date('2025-06-01T12:00:00Z');
const ago = (s: number): string => new Date(now.getTime() - s * 1000).toISOString();
const meta = (name: string, extra: Record<string, unknown> = {}) => ({ name, namespace: 'default', creationTimestamp: ago(5 * 3600), ...extra });
const template = { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'app', image: 'nginx:1.27' }, { name: 'log', image: 'fluent-bit' }] } };

test('deployment rows', () => {
  const d: KubeObject = {
    metadata: meta('web'),
    spec: { replicas: 3, selector: { matchLabels: { app: 'web' }, matchExpressions: [{ key: 'tier', operator: 'In', values: ['fe', 'be'] }] }, template },
    status: { replicas: 3, readyReplicas: 2, updatedReplicas: 3, availableReplicas: 2 },
  };
  assert.deepEqual(deploymentPrinter.cells(d, now), ['web', '2/3', 3, 2, '5h', 'app,log', 'nginx:1.27,fluent-bit', 'app=web,tier in (be,fe)']);
  const fresh: KubeObject = { metadata: meta('new'), spec: { replicas: 0, selector: { matchLabels: { app: 'x' } }, template } };
  assert.deepEqual(deploymentPrinter.cells(fresh, now).slice(0, 5), ['new', '0/0', 0, 0, '5h']);
  assert.deepEqual(deploymentPrinter.columns.map((c) => c.name), ['Name', 'Ready', 'Up-to-date', 'Available', 'Age', 'Containers', 'Images', 'Selector']);
});

test('replicaset, statefulset, daemonset rows', () => {
  const rs: KubeObject = { metadata: meta('web-5d9'), spec: { replicas: 2, selector: { matchLabels: { app: 'web', 'pod-template-hash': '5d9' } }, template }, status: { replicas: 2, readyReplicas: 1 } };
  assert.deepEqual(replicaSetPrinter.cells(rs, now), ['web-5d9', 2, 2, 1, '5h', 'app,log', 'nginx:1.27,fluent-bit', 'app=web,pod-template-hash=5d9']);
  const sts: KubeObject = { metadata: meta('db'), spec: { replicas: 3, template }, status: { readyReplicas: 3 } };
  assert.deepEqual(statefulSetPrinter.cells(sts, now), ['db', '3/3', '5h', 'app,log', 'nginx:1.27,fluent-bit']);
  const ds: KubeObject = {
    metadata: meta('agent'),
    spec: { selector: { matchExpressions: [{ key: 'app', operator: 'Exists' }, { key: 'legacy', operator: 'DoesNotExist' }] }, template: { spec: { nodeSelector: { 'kubernetes.io/os': 'linux' }, containers: [{ name: 'a', image: 'i' }] } } },
    status: { desiredNumberScheduled: 3, currentNumberScheduled: 3, numberReady: 2, updatedNumberScheduled: 3, numberAvailable: 2 },
  };
  assert.deepEqual(daemonSetPrinter.cells(ds, now), ['agent', 3, 3, 2, 3, 2, 'kubernetes.io/os=linux', '5h', 'a', 'i', 'app,!legacy']);
});

test('controller revision names its controller kind.group/name', () => {
  const cr: KubeObject = { metadata: meta('web-7b8', { ownerReferences: [{ apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'web', uid: 'u', controller: true }] }), revision: 2 };
  assert.deepEqual(controllerRevisionPrinter.cells(cr, now), ['web-7b8', 'statefulset.apps/web', 2, '5h']);
  assert.equal(controllerRevisionPrinter.cells({ metadata: meta('orphan'), revision: 1 }, now)[1], '<none>');
});

const jobTemplate = { spec: { containers: [{ name: 'pi', image: 'perl' }] } };
const jobs: { name: string; job: KubeObject; row: unknown[] }[] = [
  {
    name: 'running',
    job: { metadata: meta('pi'), spec: { completions: 3, parallelism: 1, selector: { matchLabels: { 'batch.kubernetes.io/controller-uid': 'abc' } }, template: jobTemplate }, status: { startTime: ago(90), succeeded: 1, active: 1 } },
    row: ['pi', 'Running', '1/3', '90s', '5h', 'pi', 'perl', 'batch.kubernetes.io/controller-uid=abc'],
  },
  {
    name: 'complete',
    job: {
      metadata: meta('done'),
      spec: { completions: 1, template: jobTemplate },
      status: { startTime: ago(3600), completionTime: ago(3600 - 42), succeeded: 1, conditions: [{ type: 'SuccessCriteriaMet', status: 'True' }, { type: 'Complete', status: 'True' }] },
    },
    row: ['done', 'Complete', '1/1', '42s', '5h', 'pi', 'perl', '<none>'],
  },
  {
    name: 'failed',
    job: { metadata: meta('bad'), spec: { completions: 1, template: jobTemplate }, status: { startTime: ago(600), conditions: [{ type: 'FailureTarget', status: 'True' }, { type: 'Failed', status: 'True' }] } },
    row: ['bad', 'Failed', '0/1', '10m', '5h', 'pi', 'perl', '<none>'],
  },
  {
    name: 'suspended, not started',
    job: { metadata: meta('later'), spec: { suspend: true, completions: 5, template: jobTemplate }, status: { conditions: [{ type: 'Suspended', status: 'True' }] } },
    row: ['later', 'Suspended', '0/5', '', '5h', 'pi', 'perl', '<none>'],
  },
  {
    name: 'work queue with parallelism',
    job: { metadata: meta('queue'), spec: { parallelism: 4, template: jobTemplate }, status: { startTime: ago(30) } },
    row: ['queue', 'Running', '0/1 of 4', '30s', '5h', 'pi', 'perl', '<none>'],
  },
  {
    name: 'being deleted',
    job: { metadata: meta('gone', { deletionTimestamp: ago(1) }), spec: { completions: 1, template: jobTemplate }, status: { startTime: ago(30) } },
    row: ['gone', 'Terminating', '0/1', '30s', '5h', 'pi', 'perl', '<none>'],
  },
];
for (const c of jobs) {
  test(`job: ${c.name}`, () => assert.deepEqual(jobPrinter.cells(c.job, now), c.row));
}

test('cronjob rows', () => {
  const cj: KubeObject = {
    metadata: meta('nightly'),
    spec: { schedule: '0 3 * * *', timeZone: 'Europe/Paris', suspend: false, jobTemplate: { spec: { template: jobTemplate } } },
    status: { active: [{ name: 'nightly-1' }], lastScheduleTime: ago(300) },
  };
  assert.deepEqual(cronJobPrinter.cells(cj, now), ['nightly', '0 3 * * *', 'Europe/Paris', 'False', 1, '5m', '5h', 'pi', 'perl', '<none>']);
  const never: KubeObject = { metadata: meta('hourly'), spec: { schedule: '@hourly', suspend: true, jobTemplate: { spec: { template: jobTemplate } } } };
  assert.deepEqual(cronJobPrinter.cells(never, now).slice(0, 6), ['hourly', '@hourly', '<none>', 'True', 0, '<none>']);
  assert.deepEqual(cronJobPrinter.columns.map((c) => `${c.name}:${c.priority}`), ['Name:0', 'Schedule:0', 'Timezone:0', 'Suspend:0', 'Active:0', 'Last Schedule:0', 'Age:0', 'Containers:1', 'Images:1', 'Selector:1']);
});

const hpaBase = { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' }, minReplicas: 1, maxReplicas: 10 };
const hpas: { name: string; hpa: KubeObject; targets: string }[] = [
  {
    name: 'cpu utilisation with a value',
    hpa: { metadata: meta('web'), spec: { ...hpaBase, metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 50 } } }] }, status: { currentReplicas: 2, currentMetrics: [{ type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: 45, averageValue: '45m' } } }] } },
    targets: 'cpu: 45%/50%',
  },
  {
    name: 'cpu utilisation not measured yet',
    hpa: { metadata: meta('web'), spec: { ...hpaBase, metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 80 } } }] }, status: { currentReplicas: 2 } },
    targets: 'cpu: <unknown>/80%',
  },
  {
    name: 'memory average value',
    hpa: { metadata: meta('web'), spec: { ...hpaBase, metrics: [{ type: 'Resource', resource: { name: 'memory', target: { type: 'AverageValue', averageValue: '512Mi' } } }] }, status: { currentReplicas: 2, currentMetrics: [{ type: 'Resource', resource: { name: 'memory', current: { averageValue: '300Mi' } } }] } },
    targets: 'memory: 300Mi/512Mi',
  },
  {
    name: 'three metrics',
    hpa: {
      metadata: meta('web'),
      spec: {
        ...hpaBase,
        metrics: [
          { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 50 } } },
          { type: 'Pods', pods: { metric: { name: 'qps' }, target: { type: 'AverageValue', averageValue: '10' } } },
          { type: 'External', external: { metric: { name: 'queue' }, target: { type: 'Value', value: '30' } } },
        ],
      },
      status: { currentReplicas: 2 },
    },
    targets: 'cpu: <unknown>/50%, <unknown>/10 + 1 more...',
  },
  { name: 'no metrics', hpa: { metadata: meta('web'), spec: { ...hpaBase } }, targets: '<none>' },
  {
    name: 'autoscaling/v1 object',
    hpa: { apiVersion: 'autoscaling/v1', metadata: meta('web'), spec: { ...hpaBase, targetCPUUtilizationPercentage: 60 }, status: { currentReplicas: 2, currentCPUUtilizationPercentage: 12 } },
    targets: 'cpu: 12%/60%',
  },
];
for (const c of hpas) {
  test(`hpa: ${c.name}`, () => {
    const cells = hpaPrinter.cells(c.hpa, now);
    assert.equal(cells[2], c.targets);
    assert.deepEqual([cells[0], cells[1], cells[3], cells[4], cells[6]], ['web', 'Deployment/web', '1', 10, '5h']);
  });
}
