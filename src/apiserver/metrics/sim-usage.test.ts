import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KubeObject } from '../../api/object.js';
import { podUsage, pointUsage } from './rates.js';
import { SimUsage } from './sim-usage.js';

const START = Date.parse('2025-01-01T00:00:00Z');

function pod(name: string, o: { node?: string; cpu?: string; mem?: string; phase?: string; containers?: string[] } = {}): KubeObject {
  const containers = o.containers ?? ['app'];
  const annotations: Record<string, string> = {};
  if (o.cpu) annotations['sim.tugboat.dev/cpu-usage'] = o.cpu;
  if (o.mem) annotations['sim.tugboat.dev/memory-usage'] = o.mem;
  return {
    metadata: { name, namespace: 'default', uid: `uid-${name}`, annotations },
    spec: { nodeName: o.node ?? 'sim-0', containers: containers.map((n) => ({ name: n })) },
    status: { phase: o.phase ?? 'Running', containerStatuses: containers.map((n) => ({ name: n, state: { running: { startedAt: new Date(START).toISOString() } } })) },
  } as KubeObject;
}

describe('simulated usage from pod annotations', () => {
  it('turns the annotated rate into counters whose rate is that usage, per container and for the node', () => {
    const sim = new SimUsage();
    const pods = [pod('a', { cpu: '200m', mem: '64Mi', containers: ['x', 'y'] }), pod('b', { cpu: '50m' }), pod('quiet'), pod('elsewhere', { cpu: '1', node: 'sim-1' }), pod('done', { cpu: '1', phase: 'Succeeded' })];
    const first = sim.sample('sim-0', pods, START + 10_000);
    sim.endScrape();
    const second = sim.sample('sim-0', pods, START + 15_000);
    sim.endScrape();
    assert.deepEqual([...second.pods.keys()].sort(), ['default/a', 'default/b'], 'only running pods with a cpu-usage on this node');
    const a = podUsage(first, second, 'default/a');
    assert.deepEqual(a?.containers.map((c) => [c.name, Math.round(c.usage.cpuNanocores / 1e6), c.usage.memoryBytes]), [['x', 200, 64 * 2 ** 20], ['y', 200, 64 * 2 ** 20]]);
    assert.equal(a?.windowMs, 5000);
    // The node runs at the sum: 2 x 200m + 50m.
    assert.equal(Math.round((pointUsage(first.node, second.node)?.cpuNanocores ?? 0) / 1e6), 450);
  });

  it('a changed annotation changes the rate from then on; a pod that goes away never makes the node counter fall', () => {
    const sim = new SimUsage();
    let pods = [pod('a', { cpu: '500m' }), pod('b', { cpu: '500m' })];
    const s1 = sim.sample('sim-0', pods, START + 10_000);
    pods = [pod('a', { cpu: '10m' })];
    const s2 = sim.sample('sim-0', pods, START + 12_000);
    const s3 = sim.sample('sim-0', pods, START + 14_000);
    // Between s1 and s2 the rate is the new one (the change is seen at s2); after that it stays.
    assert.equal(Math.round((podUsage(s2, s3, 'default/a')?.containers[0]?.usage.cpuNanocores ?? 0) / 1e6), 10);
    const node = pointUsage(s1.node, s2.node);
    assert.ok(node !== undefined && node.cpuNanocores >= 0, 'node counter did not go down');
  });

  it('the first sample after a restart counts from the container start, so one more sample gives a rate', () => {
    const sim = new SimUsage();
    const p = [pod('a', { cpu: '300m' })];
    const s1 = sim.sample('sim-0', p, START + 60_000);
    assert.equal(s1.pods.get('default/a')?.get('app')?.cpuSeconds, 18);
    const s2 = sim.sample('sim-0', p, START + 61_000);
    assert.equal(Math.round((podUsage(s1, s2, 'default/a')?.containers[0]?.usage.cpuNanocores ?? 0) / 1e6), 300);
  });
});
