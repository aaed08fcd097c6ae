// Deployments through kubectl: become ready, roll with the surge/unavailable bounds held at every watch event,
// history and undo, Recreate without overlap, healing a deleted pod, scaling both ways.
import assert from 'node:assert/strict';
import { deployments, pods } from '../src/client/index.js';
import type { KubeObject } from '../src/api/object.js';
import { deployment, eventually, type WorkloadCtx } from './kubectl-workloads-context.js';
import { isActive, isReady, templateHash, type WatchedPod } from './support/pod-watcher.js';

const ROLLED_OUT = (name: string) => new RegExp(`deployment "${name}" successfully rolled out`);

/** Every line kubectl rollout status printed is one of the messages it builds from a consistent status. */
function assertStatusLines(out: string, name: string): number {
  const forms = [
    new RegExp(`^Waiting for deployment "${name}" rollout to finish: \\d+ out of \\d+ new replicas have been updated\\.\\.\\.$`),
    new RegExp(`^Waiting for deployment "${name}" rollout to finish: \\d+ old replicas are pending termination\\.\\.\\.$`),
    new RegExp(`^Waiting for deployment "${name}" rollout to finish: \\d+ of \\d+ updated replicas are available\\.\\.\\.$`),
    /^Waiting for deployment spec update to be observed\.\.\.$/,
    new RegExp(`^deployment "${name}" successfully rolled out$`),
  ];
  const lines = out.split('\n').filter(Boolean);
  for (const l of lines) assert.ok(forms.some((f) => f.test(l)), `unexpected rollout status line: ${l}`);
  assert.match(lines.at(-1) ?? '', ROLLED_OUT(name));
  return lines.length - 1;
}

const activeReady = (ps: WatchedPod[]) => ps.filter((p) => isActive(p) && isReady(p));
const imageOf = (p: WatchedPod) => p.spec?.containers[0]?.image ?? '';

export async function readyAndRolloutStatus(c: WorkloadCtx): Promise<void> {
  await c.ok(['create', 'namespace', 'ready']);
  const out = await c.ok(['-n', 'ready', 'create', 'deployment', 'web', '--image=nginx', '--replicas=5']);
  assert.match(out, /deployment.apps\/web created/);
  const status = await c.ok(['-n', 'ready', 'rollout', 'status', 'deployment/web', '--timeout=60s']);
  assert.match(status, ROLLED_OUT('web'));
  const list = await c.api.list<WatchedPod>(pods, 'ready', { labelSelector: 'app=web' });
  assert.equal(activeReady(list.items).length, 5, 'five ready pods once rollout status returns');
  const get = await c.ok(['-n', 'ready', 'get', 'deployment', 'web']);
  assert.match(get, /web\s+5\/5\s+5\s+5\s/);
}

/** set image on 6 replicas with maxSurge 2, maxUnavailable 1: at every event <= 8 pods and >= 5 ready. */
export async function setImageRollsWithinBounds(c: WorkloadCtx): Promise<void> {
  const ns = 'rolling';
  const replicas = 6;
  const maxSurge = 2;
  const maxUnavailable = 1;
  await c.ok(['create', 'namespace', ns]);
  await c.ok(['apply', '-f', '-'], {
    input: deployment({ name: 'roll', namespace: ns, replicas, image: 'nginx:1.25', strategy: { maxSurge, maxUnavailable }, readyAfter: '300ms' }),
  });
  await c.ok(['-n', ns, 'rollout', 'status', 'deployment/roll', '--timeout=60s']);
  const hashes = new Set<string>();
  let mixed = 0;
  const w = await c.watch(ns, 'app=roll', (ps) => {
    const active = ps.filter(isActive);
    const ready = activeReady(ps);
    const live = new Set(active.map(templateHash));
    for (const h of live) hashes.add(h);
    if (live.size > 1) mixed++;
    if (active.length > replicas + maxSurge) return `${active.length} pods > ${replicas} + maxSurge ${maxSurge}`;
    if (ready.length < replicas - maxUnavailable) return `${ready.length} ready < ${replicas} - maxUnavailable ${maxUnavailable}`;
    return undefined;
  });
  try {
    assert.match(await c.ok(['-n', ns, 'set', 'image', 'deployment/roll', 'app=nginx:1.26']), /deployment.apps\/roll image updated/);
    const status = await c.ok(['-n', ns, 'rollout', 'status', 'deployment/roll', '--timeout=90s']);
    c.log?.(`rollout status waited through ${assertStatusLines(status, 'roll')} progress lines`);
    await w.until((ps) => ps.length === replicas && ps.every((p) => isReady(p) && imageOf(p) === 'nginx:1.26'), 20_000, 'all new');
  } finally {
    await w.stop();
  }
  assert.deepEqual(w.violations, [], `bounds broken during the rollout (${w.events} events)`);
  assert.ok(hashes.size >= 2 && mixed > 0, `the watcher saw the rollout (hashes ${[...hashes].join(',')}, mixed ${mixed})`);
}

const imageOfDeployment = async (c: WorkloadCtx, ns: string, name: string) => {
  const d = await c.api.get<KubeObject & { spec?: { template?: { spec?: { containers?: { image?: string }[] } } } }>(deployments, ns, name);
  return d.spec?.template?.spec?.containers?.[0]?.image;
};

/** history lists revisions; undo goes back to the previous template; --to-revision to a chosen one. */
export async function historyAndUndo(c: WorkloadCtx): Promise<void> {
  const ns = 'rolling';
  const history = await c.ok(['-n', ns, 'rollout', 'history', 'deployment/roll']);
  assert.match(history, /REVISION\s+CHANGE-CAUSE\n1\s+<none>\n2\s+<none>\n/);
  const rev1 = await c.ok(['-n', ns, 'rollout', 'history', 'deployment/roll', '--revision=1']);
  assert.match(rev1, /Image:\s+nginx:1\.25/);

  assert.match(await c.ok(['-n', ns, 'rollout', 'undo', 'deployment/roll']), /deployment.apps\/roll rolled back/);
  await c.ok(['-n', ns, 'rollout', 'status', 'deployment/roll', '--timeout=90s']);
  assert.equal(await imageOfDeployment(c, ns, 'roll'), 'nginx:1.25');
  const after = await c.api.list<WatchedPod>(pods, ns, { labelSelector: 'app=roll' });
  await eventually(
    async () => {
      const l = await c.api.list<WatchedPod>(pods, ns, { labelSelector: 'app=roll' });
      return l.items.length === 6 && l.items.every((p) => imageOf(p) === 'nginx:1.25' && isReady(p)) ? true : undefined;
    },
    20_000,
    `pods back on nginx:1.25 (had ${after.items.map(imageOf).join(',')})`,
  );
  // Undo moved revision 1's template to revision 3.
  assert.match(await c.ok(['-n', ns, 'rollout', 'history', 'deployment/roll']), /REVISION\s+CHANGE-CAUSE\n2\s+<none>\n3\s+<none>\n/);

  assert.match(await c.ok(['-n', ns, 'rollout', 'undo', 'deployment/roll', '--to-revision=2']), /deployment.apps\/roll rolled back/);
  await c.ok(['-n', ns, 'rollout', 'status', 'deployment/roll', '--timeout=90s']);
  assert.equal(await imageOfDeployment(c, ns, 'roll'), 'nginx:1.26');
  const missing = await c.k(['-n', ns, 'rollout', 'undo', 'deployment/roll', '--to-revision=42']);
  assert.notEqual(missing.code, 0);
  assert.match(missing.stderr, /unable to find specified revision 42 in history/);
}

/** Recreate: the old pods are all gone before any new one exists. */
export async function recreateNeverOverlaps(c: WorkloadCtx): Promise<void> {
  const ns = 'recreate';
  await c.ok(['create', 'namespace', ns]);
  await c.ok(['apply', '-f', '-'], { input: deployment({ name: 'rec', namespace: ns, replicas: 3, strategy: 'Recreate', readyAfter: '200ms' }) });
  await c.ok(['-n', ns, 'rollout', 'status', 'deployment/rec', '--timeout=60s']);
  const w = await c.watch(ns, 'app=rec', (ps) => {
    const live = new Set(ps.map(templateHash));
    return live.size > 1 ? `old and new pods at once: ${ps.map((p) => `${p.metadata.name}${p.metadata.deletionTimestamp ? '(deleting)' : ''}`).join(' ')}` : undefined;
  });
  try {
    await c.ok(['-n', ns, 'set', 'image', 'deployment/rec', 'app=nginx:1.26']);
    assert.match(await c.ok(['-n', ns, 'rollout', 'status', 'deployment/rec', '--timeout=60s']), ROLLED_OUT('rec'));
    await w.until((ps) => ps.length === 3 && ps.every((p) => isReady(p) && imageOf(p) === 'nginx:1.26'), 20_000, 'three new pods');
  } finally {
    await w.stop();
  }
  assert.deepEqual(w.violations, []);
}

/** A deleted pod is replaced; scale up then down. */
export async function healAndScale(c: WorkloadCtx): Promise<void> {
  const ns = 'ready';
  const w = await c.watch(ns, 'app=web');
  try {
    const victim = w.current().find((p) => isActive(p))!.metadata.name!;
    assert.match(await c.ok(['-n', ns, 'delete', 'pod', victim]), new RegExp(`pod "${victim}" deleted`));
    await w.until((ps) => !ps.some((p) => p.metadata.name === victim) && activeReady(ps).length === 5 && ps.length === 5, 20_000, 'replaced');

    assert.match(await c.ok(['-n', ns, 'scale', 'deployment/web', '--replicas=8']), /deployment.apps\/web scaled/);
    await w.until((ps) => activeReady(ps).length === 8 && ps.length === 8, 20_000, 'scaled to 8');
    await c.ok(['-n', ns, 'rollout', 'status', 'deployment/web', '--timeout=30s']);
    await c.ok(['-n', ns, 'scale', 'deployment/web', '--replicas=2']);
    await w.until((ps) => ps.length === 2 && activeReady(ps).length === 2, 20_000, 'scaled to 2');
    const get = await c.ok(['-n', ns, 'get', 'rs', '-l', 'app=web']);
    assert.match(get, /web-\w+\s+2\s+2\s+2\s/);
  } finally {
    await w.stop();
  }
}

const templateOf = async (c: WorkloadCtx, ns: string, name: string) =>
  (await c.api.get<KubeObject & { spec?: { paused?: boolean; template?: { metadata?: { annotations?: Record<string, string> } } } }>(deployments, ns, name)).spec;

/** pause holds a template change back, resume rolls it out, restart rolls the same template again. */
export async function pauseResumeRestart(c: WorkloadCtx): Promise<void> {
  const ns = 'ready';
  await c.ok(['-n', ns, 'rollout', 'status', 'deployment/web', '--timeout=60s']);
  const n = (await c.api.get<KubeObject & { spec?: { replicas?: number } }>(deployments, ns, 'web')).spec?.replicas ?? 0;
  const w = await c.watch(ns, 'app=web');
  try {
    await w.until((ps) => ps.length === n, 20_000, `${n} pods`);
    const hashBefore = new Set(w.current().map(templateHash));
    assert.equal(hashBefore.size, 1);
    assert.match(await c.ok(['-n', ns, 'rollout', 'pause', 'deployment/web']), /deployment.apps\/web paused/);
    await c.ok(['-n', ns, 'set', 'image', 'deployment/web', 'nginx=nginx:1.27']);
    const reason = await eventually(
      async () => {
        const r = await c.ok(['-n', ns, 'get', 'deployment', 'web', '-o', 'jsonpath={.status.conditions[?(@.type=="Progressing")].reason}']);
        return r === 'DeploymentPaused' ? r : undefined;
      },
      10_000,
      'Progressing reason DeploymentPaused',
    );
    assert.equal(reason, 'DeploymentPaused');
    assert.deepEqual(new Set(w.current().map(templateHash)), hashBefore, 'paused: no new pods');

    assert.match(await c.ok(['-n', ns, 'rollout', 'resume', 'deployment/web']), /deployment.apps\/web resumed/);
    assert.match(await c.ok(['-n', ns, 'rollout', 'status', 'deployment/web', '--timeout=60s']), ROLLED_OUT('web'));
    await w.until((ps) => ps.length === n && ps.every((p) => isReady(p) && imageOf(p) === 'nginx:1.27'), 20_000, 'resumed rollout done');
    const rolledHash = templateHash(w.current()[0]!);

    assert.match(await c.ok(['-n', ns, 'rollout', 'restart', 'deployment/web']), /deployment.apps\/web restarted/);
    assert.ok((await templateOf(c, ns, 'web'))?.template?.metadata?.annotations?.['kubectl.kubernetes.io/restartedAt'], 'restartedAt stamped');
    assert.match(await c.ok(['-n', ns, 'rollout', 'status', 'deployment/web', '--timeout=60s']), ROLLED_OUT('web'));
    await w.until(
      (ps) => ps.length === n && ps.every((p) => isReady(p) && templateHash(p) !== rolledHash && imageOf(p) === 'nginx:1.27'),
      20_000,
      'restarted pods',
    );
  } finally {
    await w.stop();
  }
}
