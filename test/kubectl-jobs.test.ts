// Jobs and CronJobs with real kubectl (1.27 and 1.33) against a `tug server --sim-nodes 2` child process: create
// a job that completes on the simulated nodes, wait for condition=complete, read the job columns, create a
// CronJob, start a job from it with `create job --from=cronjob/...`, and read the cronjob columns.
// Needs the job and cronjob controllers wired into `tug server` (src/cli/control-plane.ts).
import assert from 'node:assert/strict';
import { after, before, describe, it, type TestContext } from 'node:test';
import { findTool, requireTool } from './support/require-tool.js';
import { kubectlPath } from './support/tug-server.js';
import { startTugCluster, stopCleanly, type TugCluster } from './support/tug-cluster.js';
import { workloadCtx, type WorkloadCtx } from './kubectl-workloads-context.js';

const VERSIONS = (process.env.TUG_KUBECTL_VERSIONS ?? '1.27,1.33').split(',');

const jobManifest = (name: string) => `apiVersion: batch/v1
kind: Job
metadata:
  name: ${name}
spec:
  completions: 3
  parallelism: 2
  template:
    metadata:
      annotations:
        sim.tugboat.dev/complete-after: 500ms
    spec:
      restartPolicy: Never
      containers:
      - name: work
        image: busybox
        command: ["sh", "-c", "echo done"]
`;

const cronManifest = (name: string) => `apiVersion: batch/v1
kind: CronJob
metadata:
  name: ${name}
spec:
  schedule: "*/5 * * * *"
  timeZone: Europe/Berlin
  jobTemplate:
    spec:
      template:
        metadata:
          annotations:
            sim.tugboat.dev/complete-after: 500ms
        spec:
          restartPolicy: OnFailure
          containers:
          - name: hello
            image: busybox
`;

/** The header and the row of a table, split on runs of spaces. */
function table(out: string): { header: string[]; rows: string[][] } {
  const lines = out.trim().split('\n');
  const split = (l: string) => l.trim().split(/\s{2,}/);
  return { header: split(lines[0] ?? ''), rows: lines.slice(1).map(split) };
}

describe('kubectl jobs and cronjobs', { concurrency: VERSIONS.length }, () => {
  for (const v of VERSIONS) {
    describe(`kubectl ${v}`, { concurrency: 1 }, () => {
      let server: TugCluster | undefined;
      let ctx: WorkloadCtx | undefined;
      const ns = `jobs-${v.replace('.', '-')}`;
      const have = (t: TestContext) => requireTool(t, kubectlPath(v), 'the Google Cloud SDK kubectl components') !== undefined;

      before(async () => {
        if (!findTool(kubectlPath(v))) return;
        server = await startTugCluster({ simNodes: 2 });
        ctx = workloadCtx(v, server);
        await ctx.ok(['create', 'namespace', ns]);
      });
      after(async () => {
        ctx?.close();
        if (server) await stopCleanly(server);
      });

      it('kubectl create job, wait --for=condition=complete, get jobs columns', async (t) => {
        if (!have(t)) return;
        const c = ctx!;
        assert.match(await c.ok(['create', 'job', 'quick', '--image=busybox', '-n', ns, '--', 'echo', 'hi']), /^job\.batch\/quick created/);
        // kubectl create job makes a plain job: give its pod a completion time through the template (a new job).
        await c.ok(['apply', '-n', ns, '-f', '-'], { input: jobManifest('three') });
        assert.match(await c.ok(['wait', '--for=condition=complete', 'job/three', '-n', ns, '--timeout=60s'], { timeoutMs: 70_000 }), /job\.batch\/three condition met/);
        const { header, rows } = table(await c.ok(['get', 'jobs', '-n', ns, 'three']));
        assert.deepEqual(header, ['NAME', 'STATUS', 'COMPLETIONS', 'DURATION', 'AGE']);
        assert.equal(rows[0]?.[0], 'three');
        assert.equal(rows[0]?.[1], 'Complete');
        assert.equal(rows[0]?.[2], '3/3');
        assert.match(rows[0]?.[3] ?? '', /^\d+s$/);
        const pods = await c.ok(['get', 'pods', '-n', ns, '-l', 'job-name=three', '-o', 'jsonpath={range .items[*]}{.status.phase}{" "}{end}']);
        assert.deepEqual(pods.trim().split(' '), ['Succeeded', 'Succeeded', 'Succeeded']);
        // The job kubectl created runs too (a sim pod without complete-after keeps running): it shows Running 0/1.
        const quick = table(await c.ok(['get', 'job', 'quick', '-n', ns]));
        assert.equal(quick.rows[0]?.[1], 'Running');
        assert.equal(quick.rows[0]?.[2], '0/1');
      });

      it('kubectl create cronjob columns, create job --from=cronjob', async (t) => {
        if (!have(t)) return;
        const c = ctx!;
        await c.ok(['apply', '-n', ns, '-f', '-'], { input: cronManifest('tick') });
        const { header, rows } = table(await c.ok(['get', 'cronjobs', '-n', ns]));
        assert.deepEqual(header, ['NAME', 'SCHEDULE', 'TIMEZONE', 'SUSPEND', 'ACTIVE', 'LAST SCHEDULE', 'AGE']);
        assert.deepEqual(rows[0]?.slice(0, 6), ['tick', '*/5 * * * *', 'Europe/Berlin', 'False', '0', '<none>']);
        assert.match(await c.ok(['create', 'job', 'manual', '--from=cronjob/tick', '-n', ns]), /^job\.batch\/manual created/);
        const j = JSON.parse(await c.ok(['get', 'job', 'manual', '-n', ns, '-o', 'json'])) as {
          metadata: { annotations?: Record<string, string>; ownerReferences?: { kind: string; name: string }[] };
        };
        assert.equal(j.metadata.annotations?.['cronjob.kubernetes.io/instantiate'], 'manual');
        assert.equal(j.metadata.ownerReferences?.[0]?.kind, 'CronJob');
        assert.match(await c.ok(['wait', '--for=condition=complete', 'job/manual', '-n', ns, '--timeout=60s'], { timeoutMs: 70_000 }), /condition met/);
        const cj = table(await c.ok(['get', 'cronjob', 'tick', '-n', ns, '-o', 'wide']));
        assert.deepEqual(cj.header.slice(7), ['CONTAINERS', 'IMAGES', 'SELECTOR']);
        assert.deepEqual(cj.rows[0]?.slice(7, 9), ['hello', 'busybox']);
      });

      it('kubectl create cronjob, suspend with patch, delete job cascades to pods', async (t) => {
        if (!have(t)) return;
        const c = ctx!;
        assert.match(await c.ok(['create', 'cronjob', 'nightly', '--image=busybox', '--schedule=0 3 * * *', '-n', ns]), /cronjob\.batch\/nightly created/);
        await c.ok(['patch', 'cronjob', 'nightly', '-n', ns, '-p', '{"spec":{"suspend":true}}']);
        const { rows } = table(await c.ok(['get', 'cj', 'nightly', '-n', ns]));
        assert.equal(rows[0]?.[3], 'True');
        assert.match(await c.ok(['delete', 'job', 'three', '-n', ns]), /job\.batch "three" deleted/);
      });
    });
  }
});
