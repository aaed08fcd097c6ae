// A pod's priority: spec.priority when admission set it, else its PriorityClass's value, else the global default
// class, else 0. (Kubernetes' Priority admission plugin resolves this at create time; we resolve it here too so
// the scheduler is right whether or not the API server did.)
import type { KubeObject } from '../api/object.js';

const systemClasses: Record<string, number> = { 'system-node-critical': 2000001000, 'system-cluster-critical': 2000000000 };

export function resolvePriority(pod: KubeObject, classes: readonly KubeObject[], byName: (name: string) => KubeObject | undefined): number {
  const spec = (pod.spec ?? {}) as { priority?: unknown; priorityClassName?: unknown };
  if (typeof spec.priority === 'number') return spec.priority;
  const name = typeof spec.priorityClassName === 'string' ? spec.priorityClassName : '';
  if (name) {
    const pc = byName(name);
    if (pc && typeof pc.value === 'number') return pc.value;
    return systemClasses[name] ?? 0;
  }
  for (const pc of classes) if (pc.globalDefault === true && typeof pc.value === 'number') return pc.value;
  return 0;
}
