// Pod lifecycle stages as data (kwok's idea): each stage says which pods it matches, how long to wait after the
// pod is first seen matching it (fixed delay, optional jitter, or a duration read from an annotation), and what
// comes next. The first matching stage wins, so order matters: deletion first. New behaviour is a new stage.
import type { Pod } from './types.js';

export const COMPLETE_AFTER = 'sim.tugboat.dev/complete-after';
export const FAIL_AFTER = 'sim.tugboat.dev/fail-after';
export const READY_AFTER = 'sim.tugboat.dev/ready-after';
/**
 * Job pods whose completion index is listed here ("2,5") fail their first attempt: the attempt is told apart by
 * the job controller's batch.kubernetes.io/job-index-failure-count annotation, so use it with backoffLimitPerIndex
 * (without that annotation every attempt of a listed index fails). Timing follows complete-after.
 */
export const FAIL_ONCE_INDEXES = 'sim.tugboat.dev/fail-once-indexes';
/**
 * What a running pod on a simulated node uses, per regular container ("200m", "64Mi"): metrics.k8s.io serves it
 * as measured usage (src/apiserver/metrics/sim-usage.ts reads it; simulated nodes have no agent to scrape), so
 * `kubectl top` and the HPA work on simulated nodes. Annotate running pods to change the load.
 */
export const CPU_USAGE = 'sim.tugboat.dev/cpu-usage';
export const MEMORY_USAGE = 'sim.tugboat.dev/memory-usage';

export interface StageMatch {
  /** pod.status.phase must be one of these ('' for no phase yet). */
  phases?: string[];
  /** true: only pods being deleted; false: only pods not being deleted. */
  deleting?: boolean;
  restartPolicies?: string[];
  /** This annotation must be present. */
  annotation?: string;
  /** The comma-separated list in annotation `list` must contain the value of annotation `item`. */
  listed?: { list: string; item: string };
  /** Each annotation's value (missing reads as '') must be one of these. */
  annotationIn?: Record<string, string[]>;
}

export interface StageNext {
  /** Remove the pod (delete with gracePeriodSeconds 0, as a kubelet confirming termination does). */
  delete?: boolean;
  phase?: 'Running' | 'Succeeded' | 'Failed';
  /** What the containers do: run (and be ready), or terminate with exit code 0 (Completed) or 1 (Error). */
  containers?: 'running' | 'completed' | 'error';
}

export interface Stage {
  name: string;
  match: StageMatch;
  delayMs: number;
  /** Extra delay, spread evenly over [0, jitterMs) by a hash of the pod's uid (reproducible). */
  jitterMs?: number;
  /** Read the delay from this annotation when present (a Go duration, e.g. "2s"). */
  delayAnnotation?: string;
  next: StageNext;
}

export const defaultStages: readonly Stage[] = [
  { name: 'pod-delete', match: { deleting: true }, delayMs: 100, next: { delete: true } },
  {
    name: 'pod-fail-index-once',
    match: {
      deleting: false,
      phases: ['Running'],
      restartPolicies: ['Never', 'OnFailure'],
      listed: { list: FAIL_ONCE_INDEXES, item: 'batch.kubernetes.io/job-completion-index' },
      annotationIn: { 'batch.kubernetes.io/job-index-failure-count': ['', '0'] },
    },
    delayMs: 0,
    delayAnnotation: COMPLETE_AFTER,
    next: { phase: 'Failed', containers: 'error' },
  },
  {
    name: 'pod-complete',
    match: { deleting: false, phases: ['Running'], restartPolicies: ['Never', 'OnFailure'], annotation: COMPLETE_AFTER },
    delayMs: 0,
    delayAnnotation: COMPLETE_AFTER,
    next: { phase: 'Succeeded', containers: 'completed' },
  },
  {
    name: 'pod-fail',
    match: { deleting: false, phases: ['Running'], restartPolicies: ['Never', 'OnFailure'], annotation: FAIL_AFTER },
    delayMs: 0,
    delayAnnotation: FAIL_AFTER,
    next: { phase: 'Failed', containers: 'error' },
  },
  { name: 'pod-ready', match: { deleting: false, phases: ['', 'Pending'] }, delayMs: 0, delayAnnotation: READY_AFTER, next: { phase: 'Running', containers: 'running' } },
];

export function stageMatches(m: StageMatch, pod: Pod): boolean {
  if (m.deleting !== undefined && m.deleting !== !!pod.metadata?.deletionTimestamp) return false;
  if (m.phases && !m.phases.includes(pod.status?.phase ?? '')) return false;
  if (m.restartPolicies && !m.restartPolicies.includes(pod.spec?.restartPolicy ?? 'Always')) return false;
  const a = pod.metadata?.annotations ?? {};
  if (m.annotation && a[m.annotation] === undefined) return false;
  if (m.listed) {
    const item = a[m.listed.item];
    if (item === undefined || !(a[m.listed.list] ?? '').split(',').map((x) => x.trim()).includes(item)) return false;
  }
  for (const [k, vals] of Object.entries(m.annotationIn ?? {})) if (!vals.includes(a[k] ?? '')) return false;
  return true;
}

export function firstStage(stages: readonly Stage[], pod: Pod): Stage | undefined {
  return stages.find((s) => stageMatches(s.match, pod));
}

/** FNV-1a: a cheap, stable hash for jitter and container ids. */
export function hash32(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}
