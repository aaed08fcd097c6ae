// NodeResourcesBalancedAllocation: prefer nodes where cpu and memory would be used in equal fractions.
// Example: cpu 50% and memory 50% -> 100; cpu 80% and memory 20% -> std 0.3 -> 70.
import { Action, MAX_NODE_SCORE, type Plugin } from '../types.js';

/** Two resources, without allocating: std of two values is half their distance. */
function balancedPair(a: number, b: number): number {
  const std = Math.abs(Math.min(a, 1) - Math.min(b, 1)) / 2;
  return Math.floor((1 - std) * MAX_NODE_SCORE);
}

export function balancedScore(fractions: readonly number[]): number {
  const f = fractions.map((x) => Math.min(x, 1));
  if (f.length === 0) return MAX_NODE_SCORE;
  let std = 0;
  if (f.length === 2) std = Math.abs(f[0]! - f[1]!) / 2;
  else if (f.length > 2) {
    const mean = f.reduce((a, b) => a + b, 0) / f.length;
    std = Math.sqrt(f.reduce((a, b) => a + (b - mean) ** 2, 0) / f.length);
  }
  return Math.floor((1 - std) * MAX_NODE_SCORE);
}

export function nodeResourcesBalancedAllocation(): Plugin {
  return {
    name: 'NodeResourcesBalancedAllocation',
    events: () => [
      { resource: 'AssignedPod', actions: Action.Delete | Action.UpdatePodScaleDown },
      { resource: 'Node', actions: Action.Add | Action.UpdateNodeAllocatable },
    ],
    preScore: (_s, pod) => (pod.requests.milliCpu === 0 && pod.requests.memory === 0 ? 'skip' : null),
    score(_s, pod, node) {
      const a = node.allocatable;
      if (a.milliCpu <= 0 || a.memory <= 0) return 0;
      return balancedPair((node.requested.milliCpu + pod.requests.milliCpu) / a.milliCpu, (node.requested.memory + pod.requests.memory) / a.memory);
    },
  };
}
