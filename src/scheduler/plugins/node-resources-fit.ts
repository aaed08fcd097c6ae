// NodeResourcesFit: the pod's requests must fit in allocatable minus what bound and assumed pods request.
// It also scores by strategy (LeastAllocated by default: emptier nodes score higher, spreading load).
import type { NodeInfo } from '../node-info.js';
import type { PodInfo } from '../pod-info.js';
import { Action, MAX_NODE_SCORE, unschedulable, type Plugin, type Status } from '../types.js';

const tooManyPods = unschedulable('Too many pods');
const insufficient = (r: string): Status => unschedulable(`Insufficient ${r}`);
// Cached single-reason rejections for the common cases, so the hot loop allocates nothing.
const cpu = insufficient('cpu');
const memory = insufficient('memory');
const storage = insufficient('ephemeral-storage');

/** Which resources do not fit; empty when the pod fits. Pure, for tests and for preemption. */
export function insufficientResources(pod: PodInfo, node: NodeInfo): string[] {
  const out: string[] = [];
  if (node.pods.size + 1 > node.allowedPods) out.push('Too many pods');
  if (!pod.hasRequests) return out;
  const r = pod.requests;
  const a = node.allocatable;
  const used = node.requested;
  if (r.milliCpu > 0 && r.milliCpu > a.milliCpu - used.milliCpu) out.push('Insufficient cpu');
  if (r.memory > 0 && r.memory > a.memory - used.memory) out.push('Insufficient memory');
  if (r.ephemeralStorage > 0 && r.ephemeralStorage > a.ephemeralStorage - used.ephemeralStorage) out.push('Insufficient ephemeral-storage');
  if (r.scalar) {
    for (const [name, q] of r.scalar) {
      if (q > 0 && q > (a.scalar?.get(name) ?? 0) - (used.scalar?.get(name) ?? 0)) out.push(`Insufficient ${name}`);
    }
  }
  return out;
}

function fitFilter(pod: PodInfo, node: NodeInfo): Status | null {
  // The common case (it fits) without allocating: cpu, memory, storage and pod count by hand.
  const r = pod.requests;
  const a = node.allocatable;
  const used = node.requested;
  if (
    node.pods.size + 1 <= node.allowedPods &&
    r.milliCpu <= a.milliCpu - used.milliCpu &&
    r.memory <= a.memory - used.memory &&
    r.ephemeralStorage <= a.ephemeralStorage - used.ephemeralStorage &&
    !r.scalar
  ) {
    return null;
  }
  const reasons = insufficientResources(pod, node);
  if (reasons.length === 0) return null;
  if (reasons.length === 1) {
    const r = reasons[0]!;
    if (r === 'Too many pods') return tooManyPods;
    if (r === 'Insufficient cpu') return cpu;
    if (r === 'Insufficient memory') return memory;
    if (r === 'Insufficient ephemeral-storage') return storage;
  }
  return { code: 'Unschedulable', reasons };
}

/** (allocatable - requested) * 100 / allocatable, 0 when over or nothing allocatable. */
export function leastAllocatedScore(requested: number, allocatable: number): number {
  if (allocatable <= 0 || requested > allocatable) return 0;
  return Math.floor(((allocatable - requested) * MAX_NODE_SCORE) / allocatable);
}

export function mostAllocatedScore(requested: number, allocatable: number): number {
  if (allocatable <= 0) return 0;
  return Math.floor((Math.min(requested, allocatable) * MAX_NODE_SCORE) / allocatable);
}

export interface FitArgs {
  strategy?: 'LeastAllocated' | 'MostAllocated';
}

export function nodeResourcesFit(args: FitArgs = {}): Plugin {
  const fn = args.strategy === 'MostAllocated' ? mostAllocatedScore : leastAllocatedScore;
  return {
    name: 'NodeResourcesFit',
    events: () => [
      { resource: 'AssignedPod', actions: Action.Delete | Action.UpdatePodScaleDown },
      { resource: 'Node', actions: Action.Add | Action.UpdateNodeAllocatable | Action.UpdateNodeTaint | Action.UpdateNodeLabel },
    ],
    filter: (_s, pod, node) => fitFilter(pod, node),
    // cpu and memory weigh 1 each; requests use the non-zero defaults so empty pods still spread.
    score(_s, pod, node) {
      const c = fn(node.nonZeroMilliCpu + pod.nonZeroMilliCpu, node.allocatable.milliCpu);
      const m = fn(node.nonZeroMemory + pod.nonZeroMemory, node.allocatable.memory);
      return Math.floor((c + m) / 2);
    },
  };
}
