// The Indexed Job proof through real kubectl (issue 9), against a `tug server --sim-nodes 2` child on sqlite:
// `kubectl apply` an Indexed Job of 10 completions, parallelism 3, whose indexes 2 and 5 fail once (the simulated
// nodes fail the first attempt of the indexes sim.tugboat.dev/fail-once-indexes lists), `kubectl wait
// --for=condition=complete`, then what `kubectl get job`, `kubectl describe job` and `kubectl get pods` show.
// Then the same Job again with the server SIGKILLed mid-run and started on the same data dir: a pod watcher that
// lives across the restart checks that no index ever has two live pods, and at the end each index succeeded
// exactly once.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { isActive, type WatchedPod } from './support/pod-watcher.js';
import { findTool, requireTool } from './support/require-tool.js';
import { kubectlPath } from './support/tug-server.js';
import { portOf, startTugCluster, stopCleanly, type TugCluster } from './support/tug-cluster.js';
import { workloadCtx, type WorkloadCtx } from './kubectl-workloads-context.js';

const VERSIONS = (process.env.TUG_KUBECTL_VERSIONS ?? '1.27,1.33').split(',');
const NS = 'default';
const INDEX = 'batch.kubernetes.io/job-completion-index';

const manifest = (name: string, completeAfter: string) => `apiVersion: batch/v1
kind: Job
metadata:
  name: ${name}
spec:
  completionMode: Indexed
  completions: 10
  parallelism: 3
  backoffLimitPerIndex: 1
  template:
    metadata:
      labels:
        app: ${name}
      annotations:
        sim.tugboat.dev/complete-after: ${completeAfter}
        sim.tugboat.dev/fail-once-indexes: "2,5"
    spec:
      restartPolicy: Never
      containers:
      - name: work
        image: busybox
        command: ["sh", "-c", "echo index $JOB_COMPLETION_INDEX"]
`;

/** The header and the rows of a table, split on runs of spaces. */
function table(out: string): { header: string[]; rows: string[][] } {
  const lines = out.trim().split('\n');
  const split = (l: string) => l.trim().split(/\s{2,}/);
  return { header: split(lines[0] ?? ''), rows: lines.slice(1).map(split) };
}

/** index -> [phase of each of its pods] */
function byIndex(pods: { index: string; phase: string }[]): Map<number, string[]> {
  const m = new Map<number, string[]>();
  for (const p of pods) m.set(Number(p.index), [...(m.get(Number(p.index)) ?? []), p.phase].sort());
  return m;
}

function expectEachIndexOnce(pods: { index: string; phase: string }[]): void {
  const m = byIndex(pods);
  assert.deepEqual([...m.keys()].sort((a, b) => a - b), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  for (const [i, phases] of m) {
    assert.deepEqual(phases, i === 2 || i === 5 ? ['Failed', 'Succeeded'] : ['Succeeded'], `index ${i}: ${phases.join(', ')}`);
  }
}

describe('an Indexed Job through kubectl, with and without a controller-manager restart', { concurrency: 1 }, () => {
  let server: TugCluster | undefined;
  let ctx: WorkloadCtx | undefined;
  const v = VERSIONS.find((x) => findTool(kubectlPath(x))) ?? VERSIONS[0]!;

  before(async () => {
    if (!findTool(kubectlPath(v))) return;
    server = await startTugCluster({ simNodes: 2 });
    ctx = workloadCtx(v, server);
  });
  after(async () => {
    ctx?.close();
    if (server) await stopCleanly(server);
  });

  /** The job's pods as kubectl lists them: name, index annotation, index env, phase. */
  const podsOf = async (c: WorkloadCtx, job: string) => {
    const out = await c.ok(['get', 'pods', '-n', NS, '-l', `job-name=${job}`, '-o', `jsonpath={range .items[*]}{.metadata.name} {.metadata.annotations.batch\\.kubernetes\\.io/job-completion-index} {.spec.containers[0].env[?(@.name=="JOB_COMPLETION_INDEX")].valueFrom.fieldRef.fieldPath} {.status.phase}{"\\n"}{end}`]);
    return out.trim().split('\n').map((l) => {
      const [name = '', index = '', env = '', phase = ''] = l.split(' ');
      return { name, index, env, phase };
    });
  };

  it('10 completions, parallelism 3, indexes 2 and 5 fail once: get, describe, pods', async (t) => {
    if (!requireTool(t, kubectlPath(v), 'the Google Cloud SDK kubectl components')) return;
    const c = ctx!;
    const started = Date.now();
    assert.match(await c.ok(['apply', '-n', NS, '-f', '-'], { input: manifest('idx', '500ms') }), /job\.batch\/idx created/);
    assert.match(await c.ok(['wait', '--for=condition=complete', 'job/idx', '-n', NS, '--timeout=90s'], { timeoutMs: 100_000 }), /job\.batch\/idx condition met/);
    t.diagnostic(`complete after ${Date.now() - started} ms`);

    for (const kv of VERSIONS) {
      if (!findTool(kubectlPath(kv))) continue;
      const other = kv === v ? c : workloadCtx(kv, server!);
      try {
        const { header, rows } = table(await other.ok(['get', 'job', 'idx', '-n', NS]));
        // The server prints the table (1.33's columns), so every kubectl shows the same.
        assert.deepEqual(header, ['NAME', 'STATUS', 'COMPLETIONS', 'DURATION', 'AGE'], `kubectl ${kv}`);
        assert.deepEqual(rows[0]?.slice(0, 3), ['idx', 'Complete', '10/10'], `kubectl ${kv}`);
        const d = await other.ok(['describe', 'job', 'idx', '-n', NS]);
        assert.match(d, /^Completion Mode:\s+Indexed$/m, `kubectl ${kv} describe`);
        assert.match(d, /^Completed Indexes:\s+0-9$/m, `kubectl ${kv} describe`);
        assert.match(d, /^Pods Statuses:\s+0 Active \(0 Ready\) \/ 10 Succeeded \/ 2 Failed$/m, `kubectl ${kv} describe`);
        if (kv === v) t.diagnostic(d.split('\n').filter((l) => /^(Completions|Parallelism|Completion Mode|Completed Indexes|Pods Statuses|Start Time|Completed At|Duration):/.test(l)).join('\n'));
      } finally {
        if (other !== c) other.close();
      }
    }

    const pods = await podsOf(c, 'idx');
    assert.equal(pods.length, 12, 'ten successes and two failures');
    expectEachIndexOnce(pods);
    for (const p of pods) {
      // Pod names carry the index (job-index-random), the env var reads the annotation.
      assert.match(p.name, new RegExp(`^idx-${p.index}-[a-z0-9]{5}$`), p.name);
      assert.equal(p.env, `metadata.annotations['${INDEX}']`, p.name);
    }
    const wide = table(await c.ok(['get', 'pods', '-n', NS, '-l', 'job-name=idx', '-L', INDEX]));
    assert.equal(wide.header.at(-1), 'JOB-COMPLETION-INDEX');
    assert.equal(wide.rows.filter((r) => r[2] === 'Error').length, 2, 'two failed pods show Error');
    assert.equal(wide.rows.filter((r) => r[2] === 'Completed').length, 10);
  });

  it('the same Job with the controller manager SIGKILLed mid-run: each index completed once, never two at a time', async (t) => {
    if (!requireTool(t, kubectlPath(v), 'the Google Cloud SDK kubectl components')) return;
    let c = ctx!;
    const w = await c.watch(NS, 'job-name=idx-restart', (ps: WatchedPod[]) => {
      const live = new Map<string, number>();
      for (const p of ps.filter(isActive)) live.set(p.metadata.annotations?.[INDEX] ?? '?', (live.get(p.metadata.annotations?.[INDEX] ?? '?') ?? 0) + 1);
      const twice = [...live].filter(([, n]) => n > 1).map(([i]) => i);
      if (twice.length) return `two live pods for index ${twice.join(', ')}`;
      return ps.filter(isActive).length > 3 ? `${ps.filter(isActive).length} live pods (parallelism 3)` : undefined;
    });
    try {
      await c.ok(['apply', '-n', NS, '-f', '-'], { input: manifest('idx-restart', '1500ms') });
      await w.until((ps) => ps.filter((p) => p.status?.phase === 'Succeeded').length >= 4, 60_000, 'four indexes done');
      const done = w.current().filter((p) => p.status?.phase === 'Succeeded').length;
      const dataDir = server!.dataDir;
      const port = portOf(server!.url);
      const exit = await server!.stop('SIGKILL');
      assert.equal(exit.signal, 'SIGKILL');
      const down = Date.now();
      server = await startTugCluster({ simNodes: 2, dataDir, port });
      c.close();
      c = ctx = workloadCtx(v, server);
      t.diagnostic(`killed with ${done} pods succeeded; back after ${Date.now() - down} ms`);
      const back = Date.now();
      // Most of the wait is the dead leader's Lease running out (15 s), as in Kubernetes.
      assert.match(await c.ok(['wait', '--for=condition=complete', 'job/idx-restart', '-n', NS, '--timeout=90s'], { timeoutMs: 100_000 }), /condition met/);
      t.diagnostic(`complete ${Date.now() - back} ms after the restart`);
      const d = await c.ok(['describe', 'job', 'idx-restart', '-n', NS]);
      assert.match(d, /^Completed Indexes:\s+0-9$/m);
      assert.match(d, /^Pods Statuses:\s+0 Active \(0 Ready\) \/ 10 Succeeded \/ 2 Failed$/m);
      const pods = await podsOf(c, 'idx-restart');
      expectEachIndexOnce(pods);
      assert.equal(pods.length, 12);
      assert.deepEqual(w.violations, [], `${w.events} events`);
    } finally {
      await w.stop();
    }
  });
});
