// Nodes through kubectl: cordon and drain with a PodDisruptionBudget that kubectl must wait on (429 and retry),
// and a simulated node that falls silent (sim.tugboat.dev/heartbeat=stop) so its pods are evicted after the
// toleration time and recreated elsewhere.
import assert from 'node:assert/strict';
import { nodes, pods } from '../src/client/index.js';
import type { Node } from '../src/sim/types.js';
import { deployment, eventually, type WorkloadCtx } from './kubectl-workloads-context.js';
import { isActive, isReady, type WatchedPod } from './support/pod-watcher.js';

const NODE_NAMES = ['sim-0', 'sim-1', 'sim-2'];

/** Puts all of a new Deployment's pods on one node by cordoning the others while it rolls out. */
async function deployOnto(c: WorkloadCtx, node: string, d: Parameters<typeof deployment>[0]): Promise<void> {
  const others = NODE_NAMES.filter((n) => n !== node);
  for (const n of others) await c.ok(['cordon', n]);
  try {
    await c.ok(['create', 'namespace', d.namespace]);
    await c.ok(['apply', '-f', '-'], { input: deployment(d) });
    const r = await c.k(['-n', d.namespace, 'rollout', 'status', `deployment/${d.name}`, '--timeout=60s']);
    if (r.code !== 0) {
      const pods = await c.k(['get', 'pods', '-o', 'wide', '-n', d.namespace]);
      const nodes = await c.k(['get', 'nodes']);
      assert.fail(`rollout status failed: ${r.stdout}${r.stderr}\n${pods.stdout}\n${nodes.stdout}\nserver:\n${c.server.output().slice(-3000)}`);
    }
  } finally {
    for (const n of others) await c.ok(['uncordon', n]);
  }
  const placed = (await c.api.list<WatchedPod>(pods, d.namespace, { labelSelector: `app=${d.name}` })).items;
  assert.deepEqual(
    placed.map((p) => p.spec?.nodeName),
    placed.map(() => node),
    'all pods on the chosen node',
  );
}

export async function cordonAndDrainWithBudget(c: WorkloadCtx): Promise<void> {
  const ns = 'guarded';
  const node = 'sim-1';
  await deployOnto(c, node, { name: 'g', namespace: ns, replicas: 3, readyAfter: '1s' });
  await c.ok(['-n', ns, 'create', 'poddisruptionbudget', 'g', '--selector=app=g', '--min-available=2']);
  await eventually(async () => ((await c.ok(['-n', ns, 'get', 'pdb', 'g'])).match(/g\s+2\s+N\/A\s+1\s/) ? true : undefined), 20_000, 'budget status');

  const w = await c.watch(ns, 'app=g', (ps) => {
    const healthy = ps.filter((p) => isActive(p) && isReady(p)).length;
    return healthy < 2 ? `${healthy} healthy pods < minAvailable 2` : undefined;
  });
  try {
    assert.match(await c.ok(['cordon', node]), new RegExp(`node/${node} cordoned`));
    assert.match(await c.ok(['get', 'node', node]), /Ready,SchedulingDisabled/);
    const r = await c.k(['drain', node, '--ignore-daemonsets', '--timeout=90s'], { timeoutMs: 100_000 });
    assert.equal(r.code, 0, `drain failed:\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
    const all = r.stdout + r.stderr;
    assert.match(all, new RegExp(`node/${node} drained`));
    // kubectl had to wait: the budget refused at least one eviction with 429 and kubectl retried.
    assert.match(all, /Cannot evict pod as it would violate the pod's disruption budget\./);
    await w.until((ps) => ps.length === 3 && ps.every((p) => isReady(p) && p.spec?.nodeName !== node), 20_000, 'all moved off');
  } finally {
    await w.stop();
    await c.ok(['uncordon', node]);
  }
  assert.deepEqual(w.violations, [], `budget broken during the drain (${w.events} events)`);
}

const readyCondition = (n: Node) => n.status?.conditions?.find((x) => x.type === 'Ready')?.status;

/**
 * The pods carry their own 2 s toleration of the unreachable taint: the API server's DefaultTolerationSeconds
 * admission gives every other pod 300 s (tug server --eviction-timeout should set that; see the report).
 */
export async function lostNodePodsMove(c: WorkloadCtx): Promise<void> {
  const ns = 'survive';
  const node = 'sim-2';
  await deployOnto(c, node, { name: 's', namespace: ns, replicas: 3, tolerationSeconds: 2 });
  const w = await c.watch(ns, 'app=s');
  try {
    const started = Date.now();
    await c.ok(['annotate', 'node', node, 'sim.tugboat.dev/heartbeat=stop']);
    try {
      await eventually(async () => (readyCondition(await c.api.get<Node>(nodes, undefined, node)) === 'Unknown' ? true : undefined), 40_000, 'node Unknown');
      const unknownAfter = Date.now() - started;
      assert.match(await c.ok(['get', 'node', node]), new RegExp(`${node}\\s+NotReady`));
      // The taint follows the condition in a write of its own (as Kubernetes' node lifecycle controller does it).
      const taintsOf = async () => (await c.api.get<Node>(nodes, undefined, node)).spec?.taints?.map((t) => `${t.key}:${t.effect}`) ?? [];
      await eventually(async () => ((await taintsOf()).includes('node.kubernetes.io/unreachable:NoExecute') ? true : undefined), 15_000, 'unreachable NoExecute taint');
      await w.until((ps) => ps.filter((p) => isActive(p) && isReady(p) && p.spec?.nodeName !== node).length === 3, 40_000, 'recreated elsewhere');
      c.log?.(`node Unknown after ${unknownAfter} ms, pods moved after ${Date.now() - started} ms`);
    } finally {
      await c.ok(['annotate', 'node', node, 'sim.tugboat.dev/heartbeat-']);
    }
    // Back: Ready again, and the pods left behind (deleted while it was away) are finally removed.
    await eventually(async () => (readyCondition(await c.api.get<Node>(nodes, undefined, node)) === 'True' ? true : undefined), 30_000, 'node Ready again');
    await w.until((ps) => ps.length === 3 && ps.every((p) => p.spec?.nodeName !== node && isReady(p)), 20_000, 'terminating pods removed');
    await eventually(
      async () => (!(await c.api.get<Node>(nodes, undefined, node)).spec?.taints?.some((t) => t.key === 'node.kubernetes.io/unreachable') ? true : undefined),
      20_000,
      'unreachable taint removed',
    );
  } finally {
    await w.stop();
  }
}

/** Pods without tolerations of their own get the server's --eviction-timeout (DefaultTolerationSeconds admission). */
export async function defaultTolerationFollowsFlag(c: WorkloadCtx, seconds: number): Promise<void> {
  const list = await c.api.list<WatchedPod>(pods, 'ready', { labelSelector: 'app=web' });
  const p = list.items[0];
  assert.ok(p, 'a pod of ready/web');
  const unreachable = p.spec?.tolerations?.find((t) => t.key === 'node.kubernetes.io/unreachable');
  assert.equal(unreachable?.tolerationSeconds, seconds, `tolerations: ${JSON.stringify(p.spec?.tolerations)}`);
}
