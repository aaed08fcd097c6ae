// Turns informer updates into the specific cluster events plugins register for, so a node heartbeat (status
// only) wakes nobody, and a label change wakes only the plugins that read labels.
import type { KubeObject } from '../api/object.js';
import { Action, type ClusterEvent, type EventResource } from './types.js';

const same = (a: unknown, b: unknown) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);

export const clusterEvent = (resource: EventResource, action: number, what: string): ClusterEvent => ({ resource, action, label: `${resource}/${what}` });

/** Which node aspects changed; 0 when none the scheduler cares about. */
export function nodeUpdateAction(oldN: KubeObject, newN: KubeObject): number {
  const os = (oldN.status ?? {}) as Record<string, unknown>;
  const ns = (newN.status ?? {}) as Record<string, unknown>;
  const osp = (oldN.spec ?? {}) as Record<string, unknown>;
  const nsp = (newN.spec ?? {}) as Record<string, unknown>;
  let a = 0;
  if (!same(os.allocatable, ns.allocatable)) a |= Action.UpdateNodeAllocatable;
  if (!same(oldN.metadata?.labels, newN.metadata?.labels)) a |= Action.UpdateNodeLabel;
  // Cordoning is reported as a taint change, as kube-scheduler does.
  if (!same(osp.taints, nsp.taints) || !!osp.unschedulable !== !!nsp.unschedulable) a |= Action.UpdateNodeTaint;
  const conds = (s: Record<string, unknown>) =>
    (Array.isArray(s.conditions) ? s.conditions : []).map((c: { type?: string; status?: string }) => `${c.type}=${c.status}`);
  if (!same(conds(os), conds(ns))) a |= Action.UpdateNodeCondition;
  return a;
}

/** Which aspects of a bound pod changed, as they matter to other pods. */
export function assignedPodUpdateAction(oldP: KubeObject, newP: KubeObject): number {
  let a = 0;
  if (!same(oldP.metadata?.labels, newP.metadata?.labels)) a |= Action.UpdatePodLabel;
  const res = (p: KubeObject) =>
    ((p.spec as { containers?: { resources?: unknown }[] } | undefined)?.containers ?? []).map((c) => c.resources ?? null);
  if (!same(res(oldP), res(newP))) a |= Action.UpdatePodScaleDown;
  return a;
}

/** Does a pending pod's update deserve another scheduling attempt (not just status or bookkeeping)? */
export function pendingPodChanged(oldP: KubeObject, newP: KubeObject): number {
  const o = (oldP.spec ?? {}) as Record<string, unknown>;
  const n = (newP.spec ?? {}) as Record<string, unknown>;
  let a = 0;
  if (!same(o.tolerations, n.tolerations)) a |= Action.UpdatePodToleration;
  if (!same(oldP.metadata?.labels, newP.metadata?.labels)) a |= Action.UpdatePodLabel;
  const { tolerations: _t1, ...oRest } = o;
  const { tolerations: _t2, ...nRest } = n;
  if (!same(oRest, nRest) || !same(oldP.metadata?.annotations, newP.metadata?.annotations)) a |= Action.UpdatePodOther;
  return a;
}

export function isTerminal(p: KubeObject): boolean {
  const phase = (p.status as { phase?: string } | undefined)?.phase;
  return phase === 'Succeeded' || phase === 'Failed';
}

export function podNodeName(p: KubeObject): string {
  const n = (p.spec as { nodeName?: unknown } | undefined)?.nodeName;
  return typeof n === 'string' ? n : '';
}
