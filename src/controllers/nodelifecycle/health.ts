// Node health, as the node lifecycle controller judges it (pure):
//   - a node is heard from when its Lease's renewTime or its Ready heartbeat changes; the time is the
//     controller's own clock when it noticed (Kubernetes' probeTimestamp), so clock skew between node and
//     controller does not matter;
//   - silent for longer than the grace period: every kubelet condition becomes Unknown ("Kubelet stopped posting
//     node status.", or "...never posted..." for one never written);
//   - the Ready condition then picks the taints: Unknown -> unreachable, False -> not-ready, each NoExecute (the
//     taint manager evicts) and NoSchedule (the scheduler keeps new pods off); True -> none of them.
import type { NodeCondition } from 'kubernetes-types/core/v1.js';
import { rfc3339, TAINT_NOT_READY, TAINT_UNREACHABLE, type Node, type Taint } from './types.js';

export const KUBELET_CONDITIONS = ['Ready', 'MemoryPressure', 'DiskPressure', 'PIDPressure'];

/** The conditions of a node that went silent; the same array contents when nothing changes. */
export function markUnknown(conditions: readonly NodeCondition[] | undefined, node: Node, now: Date): NodeCondition[] {
  const t = rfc3339(now);
  const out = [...(conditions ?? [])].map((c) => ({ ...c }));
  for (const type of KUBELET_CONDITIONS) {
    const c = out.find((x) => x.type === type);
    if (!c) {
      out.push({
        type,
        status: 'Unknown',
        reason: 'NodeStatusNeverUpdated',
        message: 'Kubelet never posted node status.',
        lastHeartbeatTime: node.metadata?.creationTimestamp ?? t,
        lastTransitionTime: t,
      });
    } else if (c.status !== 'Unknown') {
      c.status = 'Unknown';
      c.reason = 'NodeStatusUnknown';
      c.message = 'Kubelet stopped posting node status.';
      c.lastTransitionTime = t;
    }
  }
  return out;
}

export function readyStatus(node: Node): string {
  return node.status?.conditions?.find((c) => c.type === 'Ready')?.status ?? 'Unknown';
}

const MANAGED = [TAINT_UNREACHABLE, TAINT_NOT_READY];

/** The managed taints a node should carry for its Ready status. */
export function wantedTaints(ready: string): { key: string; effect: 'NoExecute' | 'NoSchedule' }[] {
  const key = ready === 'True' ? undefined : ready === 'False' ? TAINT_NOT_READY : TAINT_UNREACHABLE;
  return key ? [{ key, effect: 'NoSchedule' }, { key, effect: 'NoExecute' }] : [];
}

/**
 * The node's taints with the managed ones set to `wanted`: other taints untouched, existing wanted ones keep
 * their timeAdded (eviction clocks run from it), new ones get now. Returns undefined when nothing changes.
 */
export function reconcileTaints(current: readonly Taint[] | undefined, wanted: ReturnType<typeof wantedTaints>, now: Date): Taint[] | undefined {
  const cur = current ?? [];
  const isWanted = (t: Taint) => wanted.some((w) => w.key === t.key && w.effect === t.effect);
  const out = cur.filter((t) => !MANAGED.includes(t.key) || isWanted(t));
  let changed = out.length !== cur.length;
  for (const w of wanted) {
    if (out.some((t) => t.key === w.key && t.effect === w.effect)) continue;
    out.push(w.effect === 'NoExecute' ? { key: w.key, effect: w.effect, timeAdded: rfc3339(now) } : { key: w.key, effect: w.effect });
    changed = true;
  }
  return changed ? out : undefined;
}
