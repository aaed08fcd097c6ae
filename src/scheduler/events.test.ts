// Pure helpers: which cluster event an informer update is, pod priority, and the pod request arithmetic.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KubeObject } from '../api/object.js';
import { nodeUpdateAction, pendingPodChanged } from './events.js';
import { resolvePriority } from './priority.js';
import { podRequests } from './resources.js';
import { makeNode, makePod } from './testing.js';
import { Action } from './types.js';

describe('nodeUpdateAction', () => {
  const base = makeNode('n', { cpu: '4' });
  const withStatus = (s: Record<string, unknown>): KubeObject => ({ ...base, status: { ...(base.status as object), ...s } });
  const cases: [string, KubeObject, number][] = [
    ['heartbeat only', withStatus({ conditions: [{ type: 'Ready', status: 'True', lastHeartbeatTime: 'x' }] }), Action.UpdateNodeCondition],
    ['same object', base, 0],
    ['allocatable', makeNode('n', { cpu: '8' }), Action.UpdateNodeAllocatable],
    ['labels', makeNode('n', { cpu: '4', labels: { zone: 'a' } }), Action.UpdateNodeLabel],
    ['cordon counts as a taint change', makeNode('n', { cpu: '4', unschedulable: true }), Action.UpdateNodeTaint],
    ['taints', makeNode('n', { cpu: '4', taints: [{ key: 'k', effect: 'NoSchedule' }] }), Action.UpdateNodeTaint],
  ];
  for (const [name, next, want] of cases) it(name, () => assert.equal(nodeUpdateAction(base, next), want));
});

describe('pendingPodChanged', () => {
  const p = makePod('p', { cpu: '1' });
  it('status only is no change', () => assert.equal(pendingPodChanged(p, { ...p, status: { conditions: [] } }), 0));
  it('tolerations', () => assert.equal(pendingPodChanged(p, { ...p, spec: { ...(p.spec as object), tolerations: [{ operator: 'Exists' }] } }), Action.UpdatePodToleration));
  it('labels', () => assert.equal(pendingPodChanged(p, { ...p, metadata: { ...p.metadata, labels: { a: 'b' } } }), Action.UpdatePodLabel));
});

describe('resolvePriority', () => {
  const classes = [
    { metadata: { name: 'high' }, value: 1000 },
    { metadata: { name: 'default' }, value: 7, globalDefault: true },
  ] as KubeObject[];
  const byName = (n: string) => classes.find((c) => c.metadata?.name === n);
  const cases: [string, Record<string, unknown>, number][] = [
    ['spec.priority wins', { priority: 5, priorityClassName: 'high' }, 5],
    ['class value', { priorityClassName: 'high' }, 1000],
    ['global default', {}, 7],
    ['system class', { priorityClassName: 'system-node-critical' }, 2000001000],
  ];
  for (const [name, spec, want] of cases) it(name, () => assert.equal(resolvePriority(makePod('p', { spec }), classes, byName), want));
  it('0 without classes', () => assert.equal(resolvePriority(makePod('p'), [], () => undefined), 0));
});

describe('podRequests', () => {
  const c = (cpu: string, extra: Record<string, unknown> = {}) => ({ name: 'x', resources: { requests: { cpu } }, ...extra });
  const cases: [string, Record<string, unknown>, number][] = [
    ['sum of containers', { containers: [c('1'), c('500m')] }, 1500],
    ['init container larger', { containers: [c('1')], initContainers: [c('3')] }, 3000],
    ['init container smaller', { containers: [c('2')], initContainers: [c('1')] }, 2000],
    ['sidecar adds to containers', { containers: [c('1')], initContainers: [c('500m', { restartPolicy: 'Always' })] }, 1500],
    ['init after sidecar carries it', { containers: [c('100m')], initContainers: [c('1', { restartPolicy: 'Always' }), c('2')] }, 3000],
    ['overhead', { containers: [c('1')], overhead: { cpu: '250m' } }, 1250],
    ['limits stand in for requests', { containers: [{ name: 'x', resources: { limits: { cpu: '2' } } }] }, 2000],
  ];
  for (const [name, spec, want] of cases) it(name, () => assert.equal(podRequests(spec).requests.milliCpu, want));
  it('non-zero defaults for scoring', () => {
    const r = podRequests({ containers: [{ name: 'x' }, { name: 'y' }] });
    assert.equal(r.nonZeroMilliCpu, 200);
    assert.equal(r.nonZeroMemory, 2 * 200 * 1024 * 1024);
  });
});
