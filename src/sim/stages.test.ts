// Golden-style stage tests: a pod in, the stage chosen, its delay and the status it writes out.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseDuration } from './duration.js';
import { renderStatus, stageDelayMs } from './render.js';
import { COMPLETE_AFTER, defaultStages, firstStage } from './stages.js';
import type { Pod } from './types.js';

const now = new Date(Date.UTC(2026, 0, 1, 0, 0, 5));
const T0 = '2026-01-01T00:00:00Z';
const T5 = '2026-01-01T00:00:05Z';

const pending = (extra: Partial<Pod> = {}, annotations?: Record<string, string>, restartPolicy = 'Always'): Pod => ({
  metadata: { name: 'p', namespace: 'ns', uid: 'u1', ...(annotations ? { annotations } : {}) },
  spec: { nodeName: 'sim-0', restartPolicy, containers: [{ name: 'app', image: 'nginx' }] },
  status: { phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'True', lastTransitionTime: T0 }] },
  ...extra,
});

describe('stage selection', () => {
  const cases: { name: string; pod: Pod; stage: string | undefined; delayMs?: number }[] = [
    { name: 'pending pod starts', pod: pending(), stage: 'pod-ready', delayMs: 0 },
    { name: 'pending pod with ready-after', pod: pending({}, { 'sim.tugboat.dev/ready-after': '1500ms' }), stage: 'pod-ready', delayMs: 1500 },
    { name: 'running pod stays', pod: pending({ status: { phase: 'Running' } }), stage: undefined },
    {
      name: 'running Never pod with complete-after completes',
      pod: pending({ status: { phase: 'Running' } }, { [COMPLETE_AFTER]: '2s' }, 'Never'),
      stage: 'pod-complete',
      delayMs: 2000,
    },
    { name: 'running Always pod ignores complete-after', pod: pending({ status: { phase: 'Running' } }, { [COMPLETE_AFTER]: '2s' }), stage: undefined },
    { name: 'deleted pod goes', pod: pending({ metadata: { name: 'p', uid: 'u1', deletionTimestamp: T0 } }), stage: 'pod-delete', delayMs: 100 },
    { name: 'succeeded pod stays', pod: pending({ status: { phase: 'Succeeded' } }), stage: undefined },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const s = firstStage(defaultStages, c.pod);
      assert.equal(s?.name, c.stage);
      if (s && c.delayMs !== undefined) assert.equal(stageDelayMs(s, c.pod), c.delayMs);
    });
  }

  it('jitter is reproducible and below the bound', () => {
    const s = { name: 'x', match: {}, delayMs: 100, jitterMs: 50, next: {} };
    const d = stageDelayMs(s, pending());
    assert.equal(d, stageDelayMs(s, pending()));
    assert.ok(d >= 100 && d < 150);
  });

  it('parses durations', () => {
    const cases: [string, number | undefined][] = [['2s', 2000], ['500ms', 500], ['1m30s', 90000], ['1.5s', 1500], ['3', 3000], ['x', undefined], ['2s!', undefined]];
    for (const [t, want] of cases) assert.equal(parseDuration(t), want, t);
  });
});

describe('stage output', () => {
  it('pending -> running and ready', () => {
    const out = renderStatus(pending(), { phase: 'Running', containers: 'running' }, { now, hostIP: '172.16.0.1', podIP: '10.128.0.2' });
    assert.deepEqual(out, {
      phase: 'Running',
      conditions: [
        { type: 'PodReadyToStartContainers', status: 'True', lastProbeTime: null, lastTransitionTime: T5 },
        { type: 'Initialized', status: 'True', lastProbeTime: null, lastTransitionTime: T5 },
        { type: 'Ready', status: 'True', lastProbeTime: null, lastTransitionTime: T5 },
        { type: 'ContainersReady', status: 'True', lastProbeTime: null, lastTransitionTime: T5 },
        { type: 'PodScheduled', status: 'True', lastProbeTime: null, lastTransitionTime: T0 },
      ],
      hostIP: '172.16.0.1',
      hostIPs: [{ ip: '172.16.0.1' }],
      startTime: T5,
      podIP: '10.128.0.2',
      podIPs: [{ ip: '10.128.0.2' }],
      containerStatuses: [
        { name: 'app', image: 'nginx', imageID: 'sim://nginx', containerID: out.containerStatuses?.[0]?.containerID, restartCount: 0, ready: true, started: true, state: { running: { startedAt: T5 } } },
      ],
    });
    assert.match(out.containerStatuses?.[0]?.containerID ?? '', /^sim:\/\/[0-9a-f]{8}$/);
  });

  it('running -> succeeded', () => {
    const running = pending({
      status: {
        phase: 'Running',
        startTime: T0,
        podIP: '10.128.0.2',
        conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: T0 }],
        containerStatuses: [{ name: 'app', image: 'nginx', imageID: '', ready: true, restartCount: 0, state: { running: { startedAt: T0 } } }],
      },
    });
    const out = renderStatus(running, { phase: 'Succeeded', containers: 'completed' }, { now, hostIP: '172.16.0.1' });
    assert.equal(out.phase, 'Succeeded');
    assert.equal(out.podIP, '10.128.0.2');
    assert.equal(out.startTime, T0);
    assert.deepEqual(out.containerStatuses?.[0]?.state, { terminated: { exitCode: 0, reason: 'Completed', startedAt: T0, finishedAt: T5, containerID: out.containerStatuses?.[0]?.containerID } });
    assert.deepEqual(
      out.conditions?.map((c) => [c.type, c.status, c.reason ?? '', c.lastTransitionTime]),
      [
        ['PodReadyToStartContainers', 'False', '', T5],
        ['Initialized', 'True', 'PodCompleted', T5],
        ['Ready', 'False', 'PodCompleted', T5],
        ['ContainersReady', 'False', 'PodCompleted', T5],
        ['PodScheduled', 'True', '', T5],
      ],
    );
  });

  it('hostNetwork pods take the node address', () => {
    const p = pending();
    p.spec!.hostNetwork = true;
    const out = renderStatus(p, { phase: 'Running', containers: 'running' }, { now, hostIP: '172.16.0.9', podIP: '10.128.0.2' });
    assert.equal(out.podIP, '172.16.0.9');
  });
});
