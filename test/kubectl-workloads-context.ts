// What every area of the workloads suite gets: one kubectl version, the `tug server --sim-nodes 3` process it
// drives, an API client over the same kubeconfig (for polling and watching without spawning kubectl), and small
// helpers: run kubectl and assert success, make a Deployment manifest, wait for a condition with a deadline.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { clientFromKubeconfig, type RestClient } from '../src/client/index.js';
import { kubectl, type KubectlResult } from './support/tug-server.js';
import type { TugCluster } from './support/tug-cluster.js';
import { watchPods, type PodWatcher, type WatchedPod } from './support/pod-watcher.js';

export interface WorkloadCtx {
  v: string;
  server: TugCluster;
  api: RestClient;
  k(args: string[], o?: { input?: string; timeoutMs?: number }): Promise<KubectlResult>;
  /** Runs kubectl, asserts exit 0, returns stdout. */
  ok(args: string[], o?: { input?: string; timeoutMs?: number }): Promise<string>;
  watch(namespace: string, labelSelector: string, check?: (pods: WatchedPod[]) => string | undefined): Promise<PodWatcher>;
  /** Notes for the test report (set per test to t.diagnostic). */
  log?: (msg: string) => void;
  close(): void;
}

export function workloadCtx(v: string, server: TugCluster): WorkloadCtx {
  const dir = mkdtempSync(join(tmpdir(), `kubectl-workloads-${v}-`));
  const cacheDir = join(dir, 'cache');
  const api = clientFromKubeconfig(server.kubeconfig);
  const k: WorkloadCtx['k'] = (args, o = {}) => kubectl(v, args, { kubeconfig: server.kubeconfig, cacheDir, ...o });
  return {
    v,
    server,
    api,
    k,
    async ok(args, o) {
      const r = await k(args, o);
      assert.equal(r.code, 0, `kubectl ${v} ${args.join(' ')} -> ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
      return r.stdout;
    },
    watch: (namespace, labelSelector, check) => watchPods({ kubeconfig: server.kubeconfig, namespace, labelSelector, check }),
    close() {
      api.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface DeploymentShape {
  name: string;
  namespace: string;
  replicas: number;
  image?: string;
  /** RollingUpdate with these, or Recreate. */
  strategy?: { maxSurge: number | string; maxUnavailable: number | string } | 'Recreate';
  /** How long a simulated pod takes to become ready (sim.tugboat.dev/ready-after), e.g. '300ms'. */
  readyAfter?: string;
  cpu?: string;
  /** Tolerate the not-ready/unreachable NoExecute taints for this many seconds (a pod's own toleration time). */
  tolerationSeconds?: number;
}

/** A Deployment manifest (JSON, which kubectl takes on stdin) with app=<name> labels. */
export function deployment(d: DeploymentShape): string {
  const strategy =
    d.strategy === 'Recreate'
      ? { type: 'Recreate' }
      : d.strategy
        ? { type: 'RollingUpdate', rollingUpdate: d.strategy }
        : undefined;
  return JSON.stringify({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: d.name, namespace: d.namespace },
    spec: {
      replicas: d.replicas,
      selector: { matchLabels: { app: d.name } },
      ...(strategy ? { strategy } : {}),
      template: {
        metadata: {
          labels: { app: d.name },
          ...(d.readyAfter ? { annotations: { 'sim.tugboat.dev/ready-after': d.readyAfter } } : {}),
        },
        spec: {
          ...(d.tolerationSeconds !== undefined
            ? {
                tolerations: ['node.kubernetes.io/not-ready', 'node.kubernetes.io/unreachable'].map((key) => ({
                  key,
                  operator: 'Exists',
                  effect: 'NoExecute',
                  tolerationSeconds: d.tolerationSeconds,
                })),
              }
            : {}),
          containers: [
            {
              name: 'app',
              image: d.image ?? 'nginx:1.25',
              ...(d.cpu ? { resources: { requests: { cpu: d.cpu } } } : {}),
            },
          ],
        },
      },
    },
  });
}

/** Polls fn (every 100 ms) until it returns something other than undefined; throws after ms with the last note. */
export async function eventually<T>(fn: () => Promise<T | undefined>, ms: number, what: string): Promise<T> {
  const deadline = Date.now() + ms;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) throw new Error(`${what}: not within ${ms} ms${last ? ` (last error: ${String(last)})` : ''}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
