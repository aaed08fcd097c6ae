// Table-driven tests per plugin: pods and nodes in, status or score out.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { cacheOf, makeNode, makePod, podInfo } from '../testing.js';
import { CycleState, type Plugin } from '../types.js';
import { interPodAffinity } from './inter-pod-affinity.js';
import { nodeAffinity } from './node-affinity.js';
import { nodeName } from './node-name.js';
import { nodePorts } from './node-ports.js';
import { balancedScore, nodeResourcesBalancedAllocation } from './node-resources-balanced-allocation.js';
import { leastAllocatedScore, nodeResourcesFit } from './node-resources-fit.js';
import { nodeUnschedulable } from './node-unschedulable.js';
import { podTopologySpread } from './pod-topology-spread.js';
import { taintToleration } from './taint-toleration.js';
import type { KubeObject } from '../../api/object.js';
import { newPodInfo } from '../pod-info.js';
import { defaultNormalize } from './normalize.js';

/** Runs PreFilter (if any) then Filter on the named node; returns the reasons or 'ok'. */
function filterOn(plugin: Plugin, pod: KubeObject, nodes: KubeObject[], bound: KubeObject[], node: string): string {
  const cache = cacheOf(nodes, bound);
  const state = new CycleState();
  const info = newPodInfo(pod);
  const pre = plugin.preFilter?.(state, info, cache) ?? null;
  if (pre === 'skip') return 'ok';
  if (pre && 'reasons' in pre) return pre.reasons.join('; ');
  const s = plugin.filter!(state, info, cache.get(node)!);
  return s ? `${s.code === 'UnschedulableAndUnresolvable' ? '!' : ''}${s.reasons.join('; ')}` : 'ok';
}

describe('NodeUnschedulable', () => {
  const cases: [string, KubeObject, KubeObject, string][] = [
    ['schedulable node', makePod('p'), makeNode('n'), 'ok'],
    ['cordoned node', makePod('p'), makeNode('n', { unschedulable: true }), '!node(s) were unschedulable'],
    [
      'cordoned node, toleration',
      makePod('p', { spec: { tolerations: [{ key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoSchedule' }] } }),
      makeNode('n', { unschedulable: true }),
      'ok',
    ],
  ];
  for (const [name, pod, node, want] of cases) it(name, () => assert.equal(filterOn(nodeUnschedulable(), pod, [node], [], 'n'), want));
});

describe('NodeName', () => {
  it('matches only the named node', () => {
    assert.equal(filterOn(nodeName(), makePod('p', { spec: { nodeName: 'a' } }), [makeNode('a'), makeNode('b')], [], 'a'), 'ok');
    assert.equal(filterOn(nodeName(), makePod('p', { spec: { nodeName: 'a' } }), [makeNode('a'), makeNode('b')], [], 'b'), "!node(s) didn't match the requested node name");
  });
});

describe('NodeResourcesFit', () => {
  const node = makeNode('n', { cpu: '2', memory: '4Gi', pods: 3, extra: { 'example.com/gpu': '1' } });
  const bound = [makePod('b1', { cpu: '1', memory: '1Gi', nodeName: 'n' })];
  const cases: [string, KubeObject, KubeObject[], string][] = [
    ['fits', makePod('p', { cpu: '1', memory: '1Gi' }), bound, 'ok'],
    ['cpu', makePod('p', { cpu: '1500m' }), bound, 'Insufficient cpu'],
    ['cpu and memory', makePod('p', { cpu: '2', memory: '4Gi' }), bound, 'Insufficient cpu; Insufficient memory'],
    ['no requests still counts pods', makePod('p'), [...bound, makePod('b2', { nodeName: 'n' }), makePod('b3', { nodeName: 'n' })], 'Too many pods'],
    [
      'extended resource',
      makePod('p', { spec: { containers: [{ name: 'c', resources: { limits: { 'example.com/gpu': '2' } } }] } }),
      bound,
      'Insufficient example.com/gpu',
    ],
    [
      'init container max rule: 1.5 cpu init > 0.5 cpu containers',
      makePod('p', { cpu: '500m', spec: { initContainers: [{ name: 'i', resources: { requests: { cpu: '1500m' } } }] } }),
      bound,
      'Insufficient cpu',
    ],
    ['overhead counts', makePod('p', { cpu: '900m', spec: { overhead: { cpu: '200m' } } }), bound, 'Insufficient cpu'],
    ['terminal pods are not in the cache', makePod('p', { cpu: '1' }), bound, 'ok'],
  ];
  for (const [name, pod, b, want] of cases) it(name, () => assert.equal(filterOn(nodeResourcesFit(), pod, [node], b, 'n'), want));

  it('least allocated arithmetic', () => {
    assert.equal(leastAllocatedScore(1000, 4000), 75);
    assert.equal(leastAllocatedScore(5000, 4000), 0);
    assert.equal(leastAllocatedScore(0, 0), 0);
  });
  it('scores emptier nodes higher', () => {
    const c = cacheOf([makeNode('a'), makeNode('b')], [makePod('x', { cpu: '2', memory: '4Gi', nodeName: 'a' })]);
    const p = podInfo('p', { cpu: '1', memory: '1Gi' });
    const pl = nodeResourcesFit();
    assert.ok(pl.score!(new CycleState(), p, c.get('b')!) > pl.score!(new CycleState(), p, c.get('a')!));
  });
});

describe('NodeResourcesBalancedAllocation', () => {
  it('balanced fractions score 100, skewed lower', () => {
    assert.equal(balancedScore([0.5, 0.5]), 100);
    assert.equal(balancedScore([0.8, 0.2]), 70);
    assert.equal(balancedScore([1.5, 0]), 50);
  });
  it('scores a node', () => {
    const c = cacheOf([makeNode('n', { cpu: '4', memory: '4Gi' })]);
    assert.equal(nodeResourcesBalancedAllocation().score!(new CycleState(), podInfo('p', { cpu: '2', memory: '2Gi' }), c.get('n')!), 100);
  });
});

describe('NodeAffinity', () => {
  const nodes = [
    makeNode('a', { labels: { zone: 'z1', gen: '5' } }),
    makeNode('b', { labels: { zone: 'z2', gen: '3' } }),
    makeNode('c', { labels: {} }),
  ];
  const req = (exprs: unknown[], fields?: unknown[]) => ({
    affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: exprs, ...(fields ? { matchFields: fields } : {}) }] } } },
  });
  const bad = "!node(s) didn't match Pod's node affinity/selector";
  const cases: [string, Record<string, unknown>, string, string][] = [
    ['nodeSelector match', { nodeSelector: { zone: 'z1' } }, 'a', 'ok'],
    ['nodeSelector miss', { nodeSelector: { zone: 'z1' } }, 'b', bad],
    ['In', req([{ key: 'zone', operator: 'In', values: ['z1', 'z2'] }]), 'b', 'ok'],
    ['NotIn on missing label', req([{ key: 'zone', operator: 'NotIn', values: ['z1'] }]), 'c', 'ok'],
    ['NotIn', req([{ key: 'zone', operator: 'NotIn', values: ['z1'] }]), 'a', bad],
    ['Exists', req([{ key: 'zone', operator: 'Exists' }]), 'c', bad],
    ['DoesNotExist', req([{ key: 'zone', operator: 'DoesNotExist' }]), 'c', 'ok'],
    ['Gt', req([{ key: 'gen', operator: 'Gt', values: ['4'] }]), 'a', 'ok'],
    ['Gt fails', req([{ key: 'gen', operator: 'Gt', values: ['4'] }]), 'b', bad],
    ['Lt', req([{ key: 'gen', operator: 'Lt', values: ['4'] }]), 'b', 'ok'],
    ['Lt on missing label', req([{ key: 'gen', operator: 'Lt', values: ['4'] }]), 'c', bad],
    ['matchFields name', req([], [{ key: 'metadata.name', operator: 'In', values: ['c'] }]), 'c', 'ok'],
    ['matchFields other name', req([], [{ key: 'metadata.name', operator: 'In', values: ['c'] }]), 'a', bad],
  ];
  for (const [name, spec, node, want] of cases) it(name, () => assert.equal(filterOn(nodeAffinity(), makePod('p', { spec }), nodes, [], node), want));

  it('matchFields narrows the nodes at PreFilter', () => {
    const pre = nodeAffinity().preFilter!(new CycleState(), podInfo('p', { spec: req([], [{ key: 'metadata.name', operator: 'In', values: ['c'] }]) }), cacheOf(nodes));
    assert.ok(pre && typeof pre === 'object' && 'nodeNames' in pre && [...pre.nodeNames].join() === 'c');
  });
  it('preferred terms score by weight', () => {
    const c = cacheOf(nodes);
    const p = podInfo('p', {
      spec: {
        affinity: {
          nodeAffinity: {
            preferredDuringSchedulingIgnoredDuringExecution: [
              { weight: 10, preference: { matchExpressions: [{ key: 'zone', operator: 'In', values: ['z1'] }] } },
              { weight: 30, preference: { matchExpressions: [{ key: 'gen', operator: 'Exists' }] } },
            ],
          },
        },
      },
    });
    const pl = nodeAffinity();
    const raw = Float64Array.from(['a', 'b', 'c'].map((n) => pl.score!(new CycleState(), p, c.get(n)!)));
    assert.deepEqual([...raw], [40, 30, 0]);
    pl.normalizeScore!(new CycleState(), p, raw, 3);
    assert.deepEqual([...raw], [100, 75, 0]);
  });
});

describe('TaintToleration', () => {
  const cp = { key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' };
  const cases: [string, Record<string, unknown>, unknown[], string][] = [
    ['no taints', {}, [], 'ok'],
    ['untolerated NoSchedule', {}, [cp], '!node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }'],
    ['value shown', {}, [{ key: 'dedicated', value: 'gpu', effect: 'NoExecute' }], '!node(s) had untolerated taint {dedicated: gpu}'],
    ['PreferNoSchedule does not filter', {}, [{ key: 'x', effect: 'PreferNoSchedule' }], 'ok'],
    ['Exists toleration', { tolerations: [{ key: 'node-role.kubernetes.io/control-plane', operator: 'Exists' }] }, [cp], 'ok'],
    ['Equal toleration, wrong value', { tolerations: [{ key: 'dedicated', value: 'cpu', effect: 'NoExecute' }] }, [{ key: 'dedicated', value: 'gpu', effect: 'NoExecute' }], '!node(s) had untolerated taint {dedicated: gpu}'],
    ['tolerate everything', { tolerations: [{ operator: 'Exists' }] }, [cp], 'ok'],
    ['effect mismatch', { tolerations: [{ key: 'node-role.kubernetes.io/control-plane', operator: 'Exists', effect: 'NoExecute' }] }, [cp], '!node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }'],
  ];
  for (const [name, spec, taints, want] of cases) {
    it(name, () => assert.equal(filterOn(taintToleration(), makePod('p', { spec }), [makeNode('n', { taints: taints as never })], [], 'n'), want));
  }
  it('PreferNoSchedule scores reversed', () => {
    const c = cacheOf([makeNode('a'), makeNode('b', { taints: [{ key: 'x', effect: 'PreferNoSchedule' }] })]);
    const pl = taintToleration();
    const p = podInfo('p');
    const s = Float64Array.from(['a', 'b'].map((n) => pl.score!(new CycleState(), p, c.get(n)!)));
    pl.normalizeScore!(new CycleState(), p, s, 2);
    assert.deepEqual([...s], [100, 0]);
  });
});

describe('NodePorts', () => {
  const bound = [makePod('b', { nodeName: 'n', ports: [{ hostPort: 8080 }] })];
  const cases: [string, KubeObject, string][] = [
    ['free port', makePod('p', { ports: [{ hostPort: 9090 }] }), 'ok'],
    ['same port', makePod('p', { ports: [{ hostPort: 8080 }] }), "node(s) didn't have free ports for the requested pod ports"],
    ['same port, other protocol', makePod('p', { ports: [{ hostPort: 8080, protocol: 'UDP' }] }), 'ok'],
    ['specific IP vs wildcard', makePod('p', { ports: [{ hostPort: 8080, hostIP: '10.0.0.1' }] }), "node(s) didn't have free ports for the requested pod ports"],
    ['no host ports', makePod('p'), 'ok'],
  ];
  for (const [name, pod, want] of cases) it(name, () => assert.equal(filterOn(nodePorts(), pod, [makeNode('n')], bound, 'n'), want));
});

describe('InterPodAffinity', () => {
  const nodes = [makeNode('a', { labels: { zone: 'z1' } }), makeNode('b', { labels: { zone: 'z1' } }), makeNode('c', { labels: { zone: 'z2' } })];
  const web = makePod('web', { labels: { app: 'web' }, nodeName: 'a' });
  const term = (app: string, key: string) => ({ labelSelector: { matchLabels: { app } }, topologyKey: key });
  const anti = (app: string, key: string) => ({ affinity: { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term(app, key)] } } });
  const aff = (app: string, key: string) => ({ affinity: { podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term(app, key)] } } });
  const cases: [string, KubeObject, KubeObject[], string, string][] = [
    ['anti-affinity by hostname: other node ok', makePod('p', { spec: anti('web', 'kubernetes.io/hostname') }), [web], 'b', 'ok'],
    ['anti-affinity by hostname: same node', makePod('p', { spec: anti('web', 'kubernetes.io/hostname') }), [web], 'a', "node(s) didn't match pod anti-affinity rules"],
    ['anti-affinity by zone', makePod('p', { spec: anti('web', 'zone') }), [web], 'b', "node(s) didn't match pod anti-affinity rules"],
    ['affinity by zone: same zone', makePod('p', { spec: aff('web', 'zone') }), [web], 'b', 'ok'],
    ['affinity by zone: other zone', makePod('p', { spec: aff('web', 'zone') }), [web], 'c', "!node(s) didn't match pod affinity rules"],
    ['affinity, first of its kind may go anywhere', makePod('p', { labels: { app: 'db' }, spec: aff('db', 'zone') }), [web], 'c', 'ok'],
    ['affinity, nobody matches and not self', makePod('p', { spec: aff('db', 'zone') }), [web], 'c', "!node(s) didn't match pod affinity rules"],
    [
      "existing pod's anti-affinity",
      makePod('p', { labels: { app: 'web' } }),
      [makePod('guard', { nodeName: 'a', spec: anti('web', 'zone') })],
      'b',
      "node(s) didn't satisfy existing pods anti-affinity rules",
    ],
    ['other namespace does not count', makePod('p', { namespace: 'other', spec: anti('web', 'kubernetes.io/hostname') }), [web], 'a', 'ok'],
    [
      'namespaceSelector {} counts every namespace',
      makePod('p', { namespace: 'other', spec: { affinity: { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ ...term('web', 'kubernetes.io/hostname'), namespaceSelector: {} }] } } } }),
      [web],
      'a',
      "node(s) didn't match pod anti-affinity rules",
    ],
  ];
  for (const [name, pod, bound, node, want] of cases) it(name, () => assert.equal(filterOn(interPodAffinity(), pod, nodes, bound, node), want));

  it('preferred affinity scores the zone with matching pods', () => {
    const c = cacheOf(nodes, [web]);
    const p = podInfo('p', { spec: { affinity: { podAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 50, podAffinityTerm: term('web', 'zone') }] } } } });
    const pl = interPodAffinity();
    const st = new CycleState();
    assert.equal(pl.preScore!(st, p, c.nodes, c), null);
    const s = Float64Array.from(['a', 'b', 'c'].map((n) => pl.score!(st, p, c.get(n)!)));
    pl.normalizeScore!(st, p, s, 3);
    assert.deepEqual([...s], [100, 100, 0]);
  });
});

describe('PodTopologySpread', () => {
  const nodes = [makeNode('a', { labels: { zone: 'z1' } }), makeNode('b', { labels: { zone: 'z2' } }), makeNode('c', { labels: {} })];
  const spread = (maxSkew: number, extra: Record<string, unknown> = {}) => ({
    topologySpreadConstraints: [{ maxSkew, topologyKey: 'zone', whenUnsatisfiable: 'DoNotSchedule', labelSelector: { matchLabels: { app: 'web' } }, ...extra }],
  });
  const w = (name: string, node: string) => makePod(name, { labels: { app: 'web' }, nodeName: node });
  const cases: [string, KubeObject, KubeObject[], string, string][] = [
    ['empty cluster', makePod('p', { labels: { app: 'web' }, spec: spread(1) }), [], 'a', 'ok'],
    ['skew would be 2', makePod('p', { labels: { app: 'web' }, spec: spread(1) }), [w('w1', 'a')], 'a', "node(s) didn't match pod topology spread constraints"],
    ['the emptier zone', makePod('p', { labels: { app: 'web' }, spec: spread(1) }), [w('w1', 'a')], 'b', 'ok'],
    ['maxSkew 2 allows it', makePod('p', { labels: { app: 'web' }, spec: spread(2) }), [w('w1', 'a')], 'a', 'ok'],
    ['missing label', makePod('p', { labels: { app: 'web' }, spec: spread(1) }), [], 'c', "!node(s) didn't match pod topology spread constraints (missing required label)"],
    ['minDomains above domain count makes min 0', makePod('p', { labels: { app: 'web' }, spec: spread(1, { minDomains: 3 }) }), [w('w1', 'a'), w('w2', 'b')], 'a', "node(s) didn't match pod topology spread constraints"],
    ['pods of other namespaces do not count', makePod('p', { namespace: 'x', labels: { app: 'web' }, spec: spread(1) }), [w('w1', 'a')], 'a', 'ok'],
  ];
  for (const [name, pod, bound, node, want] of cases) it(name, () => assert.equal(filterOn(podTopologySpread(), pod, nodes, bound, node), want));

  it('ScheduleAnyway scores the emptier zone higher', () => {
    const c = cacheOf(nodes.slice(0, 2), [w('w1', 'a'), w('w2', 'a')]);
    const p = podInfo('p', { labels: { app: 'web' }, spec: spread(1, { whenUnsatisfiable: 'ScheduleAnyway' }) });
    const pl = podTopologySpread();
    const st = new CycleState();
    pl.preScore!(st, p, c.nodes, c);
    const s = Float64Array.from(['a', 'b'].map((n) => pl.score!(st, p, c.get(n)!)));
    pl.normalizeScore!(st, p, s, 2);
    assert.ok(s[1]! > s[0]!, `${s[0]} ${s[1]}`);
  });
});

describe('defaultNormalize', () => {
  it('scales and reverses', () => {
    const s = Float64Array.from([0, 2, 4]);
    defaultNormalize(100, false, s, 3);
    assert.deepEqual([...s], [0, 50, 100]);
    const r = Float64Array.from([0, 2, 4]);
    defaultNormalize(100, true, r, 3);
    assert.deepEqual([...r], [100, 50, 0]);
  });
});
