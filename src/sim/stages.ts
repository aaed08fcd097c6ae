// Pod lifecycle stages as data (kwok's idea): each stage says which pods it matches, how long to wait after the
// pod is first seen matching it (fixed delay, optional jitter, or a duration read from an annotation), and what
// comes next. The first matching stage wins, so order matters: deletion first. New behaviour is a new stage.
import type { Pod } from './types.js';

export const COMPLETE_AFTER = 'sim.tugboat.dev/complete-after';
export const FAIL_AFTER = 'sim.tugboat.dev/fail-after';
export const READY_AFTER = 'sim.tugboat.dev/ready-after';

export interface StageMatch {
  /** pod.status.phase must be one of these ('' for no phase yet). */
  phases?: string[];
  /** true: only pods being deleted; false: only pods not being deleted. */
  deleting?: boolean;
  restartPolicies?: string[];
  /** This annotation must be present. */
  annotation?: string;
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
  if (m.annotation && pod.metadata?.annotations?.[m.annotation] === undefined) return false;
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
