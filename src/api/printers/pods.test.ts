import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../object.js';
import { podPrinter, podTemplatePrinter } from './pods.js';

const now = new Date('2025-06-01T12:00:00Z');
const ago = (s: number): string => new Date(now.getTime() - s * 1000).toISOString();

function pod(spec: Record<string, unknown>, status: Record<string, unknown>, meta: Record<string, unknown> = {}): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'web', namespace: 'default', creationTimestamp: ago(300), ...meta },
    spec: { containers: [{ name: 'app', image: 'nginx' }], ...spec },
    status,
  };
}
const running = { running: { startedAt: ago(200) } };
const readyCond = [{ type: 'Initialized', status: 'True' }, { type: 'Ready', status: 'True' }];

const cases: { name: string; pod: KubeObject; ready: string; status: string; restarts: string }[] = [
  { name: 'pending, nothing scheduled', pod: pod({}, { phase: 'Pending' }), ready: '0/1', status: 'Pending', restarts: '0' },
  {
    name: 'container creating',
    pod: pod({ nodeName: 'n1' }, { phase: 'Pending', containerStatuses: [{ name: 'app', ready: false, restartCount: 0, state: { waiting: { reason: 'ContainerCreating' } } }] }),
    ready: '0/1',
    status: 'ContainerCreating',
    restarts: '0',
  },
  {
    name: 'running and ready',
    pod: pod({}, { phase: 'Running', conditions: readyCond, containerStatuses: [{ name: 'app', ready: true, restartCount: 0, state: running }] }),
    ready: '1/1',
    status: 'Running',
    restarts: '0',
  },
  {
    name: 'crash loop with restart age',
    pod: pod({}, {
      phase: 'Running',
      containerStatuses: [{ name: 'app', ready: false, restartCount: 5, state: { waiting: { reason: 'CrashLoopBackOff' } }, lastState: { terminated: { exitCode: 1, finishedAt: ago(90) } } }],
    }),
    ready: '0/1',
    status: 'CrashLoopBackOff',
    restarts: '5 (90s ago)',
  },
  {
    name: 'completed',
    pod: pod({}, { phase: 'Succeeded', containerStatuses: [{ name: 'app', ready: false, restartCount: 0, state: { terminated: { exitCode: 0, reason: 'Completed' } } }] }),
    ready: '0/1',
    status: 'Completed',
    restarts: '0',
  },
  {
    name: 'terminated without reason shows exit code',
    pod: pod({}, { phase: 'Failed', containerStatuses: [{ name: 'app', restartCount: 0, state: { terminated: { exitCode: 2 } } }] }),
    ready: '0/1',
    status: 'ExitCode:2',
    restarts: '0',
  },
  {
    name: 'killed by signal',
    pod: pod({}, { phase: 'Failed', containerStatuses: [{ name: 'app', restartCount: 0, state: { terminated: { exitCode: 137, signal: 9 } } }] }),
    ready: '0/1',
    status: 'Signal:9',
    restarts: '0',
  },
  {
    name: 'init container running',
    pod: pod({ initContainers: [{ name: 'init', image: 'busybox' }] }, {
      phase: 'Pending',
      initContainerStatuses: [{ name: 'init', restartCount: 0, state: running }],
      containerStatuses: [{ name: 'app', restartCount: 0, state: { waiting: { reason: 'PodInitializing' } } }],
    }),
    ready: '0/1',
    status: 'Init:0/1',
    restarts: '0',
  },
  {
    name: 'second of two init containers',
    pod: pod({ initContainers: [{ name: 'a' }, { name: 'b' }] }, {
      phase: 'Pending',
      initContainerStatuses: [
        { name: 'a', restartCount: 0, state: { terminated: { exitCode: 0, reason: 'Completed' } } },
        { name: 'b', restartCount: 0, state: running },
      ],
    }),
    ready: '0/1',
    status: 'Init:1/2',
    restarts: '0',
  },
  {
    name: 'init container crash loop',
    pod: pod({ initContainers: [{ name: 'init' }] }, {
      phase: 'Pending',
      initContainerStatuses: [{ name: 'init', restartCount: 3, state: { waiting: { reason: 'CrashLoopBackOff' } }, lastState: { terminated: { exitCode: 1, finishedAt: ago(600) } } }],
    }),
    ready: '0/1',
    status: 'Init:CrashLoopBackOff',
    restarts: '3 (10m ago)',
  },
  {
    name: 'init container failed',
    pod: pod({ initContainers: [{ name: 'init' }] }, {
      phase: 'Failed',
      initContainerStatuses: [{ name: 'init', restartCount: 0, state: { terminated: { exitCode: 1, reason: 'Error' } } }],
    }),
    ready: '0/1',
    status: 'Init:Error',
    restarts: '0',
  },
  {
    name: 'sidecar counts as a container',
    pod: pod({ initContainers: [{ name: 'proxy', restartPolicy: 'Always' }] }, {
      phase: 'Running',
      conditions: readyCond,
      initContainerStatuses: [{ name: 'proxy', ready: true, started: true, restartCount: 1, state: running, lastState: { terminated: { exitCode: 1, finishedAt: ago(3600) } } }],
      containerStatuses: [{ name: 'app', ready: true, restartCount: 0, state: running }],
    }),
    ready: '2/2',
    status: 'Running',
    restarts: '1 (60m ago)',
  },
  {
    name: 'terminating',
    pod: pod({}, { phase: 'Running', containerStatuses: [{ name: 'app', ready: true, restartCount: 0, state: running }] }, { deletionTimestamp: ago(5) }),
    ready: '1/1',
    status: 'Terminating',
    restarts: '0',
  },
  {
    name: 'deleted on a lost node',
    pod: pod({}, { phase: 'Running', reason: 'NodeLost' }, { deletionTimestamp: ago(5) }),
    ready: '0/1',
    status: 'Unknown',
    restarts: '0',
  },
  {
    name: 'evicted shows the pod reason',
    pod: pod({}, { phase: 'Failed', reason: 'Evicted', message: 'low on memory' }),
    ready: '0/1',
    status: 'Evicted',
    restarts: '0',
  },
  {
    name: 'scheduling gated',
    pod: pod({ schedulingGates: [{ name: 'g' }] }, { phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'False', reason: 'SchedulingGated' }] }),
    ready: '0/1',
    status: 'SchedulingGated',
    restarts: '0',
  },
  {
    name: 'one container completed, another running and ready',
    pod: pod({ containers: [{ name: 'a' }, { name: 'b' }] }, {
      phase: 'Running',
      conditions: readyCond,
      containerStatuses: [
        { name: 'a', ready: false, restartCount: 0, state: { terminated: { exitCode: 0, reason: 'Completed' } } },
        { name: 'b', ready: true, restartCount: 0, state: running },
      ],
    }),
    ready: '1/2',
    status: 'Running',
    restarts: '0',
  },
  {
    name: 'one container completed, another running, pod not ready',
    pod: pod({ containers: [{ name: 'a' }, { name: 'b' }] }, {
      phase: 'Running',
      containerStatuses: [
        { name: 'a', ready: false, restartCount: 0, state: { terminated: { exitCode: 0, reason: 'Completed' } } },
        { name: 'b', ready: true, restartCount: 0, state: running },
      ],
    }),
    ready: '1/2',
    status: 'NotReady',
    restarts: '0',
  },
];

for (const c of cases) {
  test(`pod: ${c.name}`, () => {
    const cells = podPrinter.cells(c.pod, now);
    assert.deepEqual(cells.slice(0, 5), ['web', c.ready, c.status, c.restarts, '5m']);
  });
}

test('pod wide cells: IP, node, nominated node, readiness gates', () => {
  const p = pod({ nodeName: 'node-1', readinessGates: [{ conditionType: 'example.com/lb' }, { conditionType: 'example.com/dns' }] }, {
    phase: 'Running',
    podIP: '10.0.0.5',
    podIPs: [{ ip: '10.0.0.5' }, { ip: 'fd00::5' }],
    conditions: [{ type: 'example.com/lb', status: 'True' }, { type: 'example.com/dns', status: 'False' }],
  });
  assert.deepEqual(podPrinter.cells(p, now).slice(5), ['10.0.0.5', 'node-1', '<none>', '1/2']);
  assert.deepEqual(podPrinter.cells(pod({}, {}), now).slice(5), ['<none>', '<none>', '<none>', '<none>']);
});

test('pod columns are Kubernetes 1.33 columns', () => {
  assert.deepEqual(
    podPrinter.columns.map((c) => [c.name, c.priority]),
    [['Name', 0], ['Ready', 0], ['Status', 0], ['Restarts', 0], ['Age', 0], ['IP', 1], ['Node', 1], ['Nominated Node', 1], ['Readiness Gates', 1]],
  );
  assert.equal(podPrinter.columns[0]?.format, 'name');
  for (const c of podPrinter.columns) assert.equal(podPrinter.cells(pod({}, {}), now).length, podPrinter.columns.length, c.name);
});

test('pod template: containers, images, labels, no age', () => {
  const t: KubeObject = {
    metadata: { name: 'tpl' },
    template: { metadata: { labels: { b: '2', a: '1' } }, spec: { containers: [{ name: 'x', image: 'i1' }, { name: 'y', image: 'i2' }] } },
  };
  assert.deepEqual(podTemplatePrinter.cells(t, now), ['tpl', 'x,y', 'i1,i2', 'a=1,b=2']);
});
