// Deletion through kubectl: each --cascade mode on Deployments and ReplicaSets, namespace deletion, and an
// unschedulable pod whose describe shows the scheduler's FailedScheduling event.
import assert from 'node:assert/strict';
import { pods, replicasets } from '../src/client/index.js';
import type { KubeObject } from '../src/api/object.js';
import { deployment, eventually, type WorkloadCtx } from './kubectl-workloads-context.js';

const count = async (c: WorkloadCtx, res: typeof pods, ns: string, sel: string) => (await c.api.list(res, ns, { labelSelector: sel })).items;

export async function cascadeModes(c: WorkloadCtx): Promise<void> {
  const ns = 'cascade';
  await c.ok(['create', 'namespace', ns]);
  for (const name of ['bg', 'fg', 'or']) {
    await c.ok(['apply', '-f', '-'], { input: deployment({ name, namespace: ns, replicas: 2 }) });
  }
  for (const name of ['bg', 'fg', 'or']) await c.ok(['-n', ns, 'rollout', 'status', `deployment/${name}`, '--timeout=60s']);

  // background: the Deployment goes at once, the collector then removes its ReplicaSet and pods.
  assert.match(await c.ok(['-n', ns, 'delete', 'deployment', 'bg', '--cascade=background']), /deployment.apps "bg" deleted/);
  await eventually(
    async () => ((await count(c, replicasets, ns, 'app=bg')).length === 0 && (await count(c, pods, ns, 'app=bg')).length === 0 ? true : undefined),
    20_000,
    'background: ReplicaSet and pods collected',
  );

  // foreground: kubectl waits for the Deployment to go, which happens only after its dependents went.
  assert.match(await c.ok(['-n', ns, 'delete', 'deployment', 'fg', '--cascade=foreground', '--timeout=60s']), /deployment.apps "fg" deleted/);
  assert.deepEqual((await count(c, replicasets, ns, 'app=fg')).map((r) => r.metadata?.name), [], 'foreground: ReplicaSet gone before the owner');
  assert.deepEqual((await count(c, pods, ns, 'app=fg')).map((p) => p.metadata?.name), [], 'foreground: pods gone before the owner');

  // orphan on a Deployment: the ReplicaSet stays, without its ownerReference; its pods keep theirs.
  assert.match(await c.ok(['-n', ns, 'delete', 'deployment', 'or', '--cascade=orphan']), /deployment.apps "or" deleted/);
  const rs = await eventually(
    async () => {
      const l = await count(c, replicasets, ns, 'app=or');
      return l.length === 1 && !(l[0]!.metadata?.ownerReferences?.length) ? l[0]! : undefined;
    },
    20_000,
    'orphan: ReplicaSet kept, ownerReferences removed',
  );
  const rsName = rs.metadata?.name ?? '';
  const podsOf = await count(c, pods, ns, 'app=or');
  assert.equal(podsOf.length, 2);
  for (const p of podsOf) assert.equal(p.metadata?.ownerReferences?.[0]?.name, rsName);

  // orphan on the ReplicaSet: its pods stay, free of owners.
  assert.match(await c.ok(['-n', ns, 'delete', 'rs', rsName, '--cascade=orphan']), new RegExp(`replicaset.apps "${rsName}" deleted`));
  await eventually(
    async () => {
      const l = await count(c, pods, ns, 'app=or');
      return l.length === 2 && l.every((p) => !(p.metadata?.ownerReferences?.length)) ? true : undefined;
    },
    20_000,
    'orphan: pods kept, ownerReferences removed',
  );
  // Unowned pods would stop a later drain without --force: remove them.
  await c.ok(['-n', ns, 'delete', 'pods', '-l', 'app=or', '--timeout=30s']);
}

/** kubectl delete ns waits until the namespace is emptied and gone. */
export async function namespaceDeletion(c: WorkloadCtx): Promise<void> {
  const ns = 'doomed';
  await c.ok(['create', 'namespace', ns]);
  await c.ok(['apply', '-f', '-'], { input: deployment({ name: 'd', namespace: ns, replicas: 3 }) });
  await c.ok(['-n', ns, 'create', 'configmap', 'cfg', '--from-literal=a=b']);
  await c.ok(['-n', ns, 'rollout', 'status', 'deployment/d', '--timeout=60s']);
  assert.match(await c.ok(['delete', 'namespace', ns, '--timeout=60s']), /namespace "doomed" deleted/);
  const gone = await c.k(['get', 'namespace', ns]);
  assert.equal(gone.code, 1);
  assert.match(gone.stderr, /Error from server \(NotFound\): namespaces "doomed" not found/);
  assert.equal((await c.api.list<KubeObject>(pods, ns)).items.length, 0);
  assert.equal((await c.api.list<KubeObject>(replicasets, ns)).items.length, 0);
}

/** A pod that fits nowhere: describe shows FailedScheduling in Kubernetes' words. */
export async function unschedulableDescribe(c: WorkloadCtx): Promise<void> {
  const ns = 'unsched';
  await c.ok(['create', 'namespace', ns]);
  const pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'huge', namespace: ns },
    spec: { containers: [{ name: 'app', image: 'nginx', resources: { requests: { cpu: '1000' } } }] },
  };
  await c.ok(['apply', '-f', '-'], { input: JSON.stringify(pod) });
  const out = await eventually(
    async () => {
      const d = await c.ok(['-n', ns, 'describe', 'pod', 'huge']);
      return /FailedScheduling/.test(d) ? d : undefined;
    },
    20_000,
    'FailedScheduling event',
  );
  assert.match(out, /Status:\s+Pending/);
  assert.match(
    out,
    /Warning\s+FailedScheduling\s+\S+\s+default-scheduler\s+0\/3 nodes are available: 3 Insufficient cpu\. preemption: 0\/3 nodes are available: 3 No preemption victims found for incoming pod\./,
  );
  assert.match(out, /PodScheduled\s+False/);
  await c.ok(['delete', 'namespace', ns, '--timeout=60s']);
}
