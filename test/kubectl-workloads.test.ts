// The workloads end-to-end suite (issue 5): for kubectl 1.27 and 1.33, a `tug server --sim-nodes 3` child
// process (real CLI, sqlite store, temp data dir, simulated nodes) driven through Deployments, deletion, drain
// and node loss with real kubectl, with pod watchers asserting rollout and budget bounds at every event.
// The server runs with a short node grace period and eviction timeout so the node-loss case takes seconds.
// The two versions run side by side (TUG_KUBECTL_VERSIONS picks; TUG_WORKLOADS_SERIAL=1 runs them in turn).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it, type TestContext } from 'node:test';
import { findTool, requireTool } from './support/require-tool.js';
import { kubectlPath } from './support/tug-server.js';
import { startTugCluster, stopCleanly, type TugCluster } from './support/tug-cluster.js';
import { workloadCtx, type WorkloadCtx } from './kubectl-workloads-context.js';
import { healAndScale, historyAndUndo, pauseResumeRestart, readyAndRolloutStatus, recreateNeverOverlaps, setImageRollsWithinBounds } from './kubectl-workloads-rollout.js';
import { cascadeModes, namespaceDeletion, unschedulableDescribe } from './kubectl-workloads-delete.js';
import { cordonAndDrainWithBudget, defaultTolerationFollowsFlag, lostNodePodsMove } from './kubectl-workloads-nodes.js';

const VERSIONS = (process.env.TUG_KUBECTL_VERSIONS ?? '1.27,1.33').split(',');
const EVICTION_TIMEOUT_S = 2;

// Order matters: node-wide cases (drain, node loss) last, after the namespaced ones cleaned up their unowned pods.
const AREAS: [string, (c: WorkloadCtx) => Promise<void>, { todo?: string }?][] = [
  ['a Deployment of 5 becomes ready and rollout status returns', readyAndRolloutStatus],
  ['set image rolls within maxSurge/maxUnavailable at every event', setImageRollsWithinBounds],
  ['rollout history, undo, undo --to-revision', historyAndUndo],
  ['Recreate never runs old and new pods at once', recreateNeverOverlaps],
  ['a deleted pod is replaced; scale up and down', healAndScale],
  ['rollout pause, resume, restart', pauseResumeRestart],
  ['delete --cascade=background|foreground|orphan', cascadeModes],
  ['namespace deletion empties it and the namespace goes', namespaceDeletion],
  ['an unschedulable pod: describe shows FailedScheduling', unschedulableDescribe],
  ['cordon, then drain with a PodDisruptionBudget honoured', cordonAndDrainWithBudget],
  ['a stopped simulated node: its pods are recreated elsewhere', lostNodePodsMove],
  [
    'pods get --eviction-timeout as their default not-ready/unreachable toleration',
    (c) => defaultTolerationFollowsFlag(c, EVICTION_TIMEOUT_S),
  ],
];

describe('kubectl workloads on simulated nodes', { concurrency: process.env.TUG_WORKLOADS_SERIAL ? 1 : VERSIONS.length }, () => {
  for (const v of VERSIONS) {
    // Concurrency is inherited: the areas of one version must run one after another on their server.
    describe(`kubectl ${v}`, { concurrency: 1 }, () => {
      let server: TugCluster | undefined;
      let ctx: WorkloadCtx | undefined;
      const have = (t: TestContext) => requireTool(t, kubectlPath(v), 'the Google Cloud SDK kubectl components') !== undefined;

      before(async () => {
        if (!findTool(kubectlPath(v))) return;
        server = await startTugCluster({ simNodes: 3, args: ['--node-grace-period', '15', '--eviction-timeout', String(EVICTION_TIMEOUT_S), ...(process.env.TUG_WORKLOADS_SERVER_LOG ? ['-v'] : [])] });
        ctx = workloadCtx(v, server);
      });
      after(async () => {
        ctx?.close();
        if (!server) return;
        // For debugging: TUG_WORKLOADS_SERVER_LOG=dir keeps each server's output there.
        const logDir = process.env.TUG_WORKLOADS_SERVER_LOG;
        await stopCleanly(server, logDir ? { keepOutput: (out) => writeFileSync(join(logDir, `tug-server-${v}.log`), out) } : {});
      });

      for (const [name, area, opts] of AREAS) {
        it(name, { ...opts }, async (t) => {
          if (!have(t)) return;
          ctx!.log = (m) => t.diagnostic(m);
          const started = Date.now();
          await area(ctx!);
          t.diagnostic(`kubectl ${v}: ${name}: ${Date.now() - started} ms`);
        });
      }
    });
  }
});
