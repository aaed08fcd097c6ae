// The scheduler's view of the cluster: nodes with the pods bound to them, plus pods it has assumed (chosen a
// node for, binding in flight). Assume before bind so the next cycle already counts the pod; forget when the
// bind fails; the informer's update confirms it. It is also the snapshot plugins read: a cycle runs
// synchronously, so nothing changes underneath it.
import type { PodInfo } from './pod-info.js';
import { NodeInfo } from './node-info.js';
import type { KubeObject } from '../api/object.js';
import type { Snapshot } from './types.js';

export class SchedulerCache implements Snapshot {
  private byName = new Map<string, NodeInfo>();
  private list: NodeInfo[] = [];
  private listDirty = false;
  /** pod key -> where it sits and whether it is only assumed. */
  private podState = new Map<string, { node: string; info: PodInfo; assumed: boolean }>();
  /** Pods bound to nodes we have not seen yet (kept so totals are right when the node arrives). */
  private orphans = new Map<string, Map<string, PodInfo>>();
  private nsLabels = new Map<string, Record<string, string>>();

  get nodes(): readonly NodeInfo[] {
    if (this.listDirty) {
      this.list = [...this.byName.values()];
      this.listDirty = false;
    }
    return this.list;
  }

  get(name: string): NodeInfo | undefined {
    return this.byName.get(name);
  }

  namespaceLabels(ns: string): Record<string, string> | undefined {
    return this.nsLabels.get(ns);
  }

  setNamespace(name: string, labels: Record<string, string> | undefined): void {
    if (labels) this.nsLabels.set(name, labels);
    else this.nsLabels.delete(name);
  }

  addOrUpdateNode(node: KubeObject): NodeInfo {
    const name = node.metadata?.name ?? '';
    let ni = this.byName.get(name);
    if (ni) ni.setNode(node);
    else {
      ni = new NodeInfo(node);
      this.byName.set(name, ni);
      this.listDirty = true;
      const waiting = this.orphans.get(name);
      if (waiting) {
        for (const p of waiting.values()) ni.addPod(p);
        this.orphans.delete(name);
      }
    }
    return ni;
  }

  removeNode(name: string): void {
    const ni = this.byName.get(name);
    if (!ni) return;
    this.byName.delete(name);
    this.listDirty = true;
    // Pods still bound there stay accounted for, in case the node comes back.
    if (ni.pods.size) this.orphans.set(name, new Map(ni.pods));
  }

  private place(node: string, info: PodInfo): void {
    const ni = this.byName.get(node);
    if (ni) ni.addPod(info);
    else {
      let m = this.orphans.get(node);
      if (!m) this.orphans.set(node, (m = new Map()));
      m.set(info.key, info);
    }
  }

  private unplace(node: string, key: string): void {
    const ni = this.byName.get(node);
    if (ni) ni.removePod(key);
    else {
      const m = this.orphans.get(node);
      m?.delete(key);
      if (m && m.size === 0) this.orphans.delete(node);
    }
  }

  /** The scheduler picked `node` for the pod: count it there before the bind is confirmed. */
  assume(info: PodInfo, node: string): void {
    const prev = this.podState.get(info.key);
    if (prev) this.unplace(prev.node, info.key);
    this.podState.set(info.key, { node, info, assumed: true });
    this.place(node, info);
  }

  /** The bind failed: undo the assumption (only if the informer has not confirmed a binding meanwhile). */
  forget(key: string): void {
    const s = this.podState.get(key);
    if (!s || !s.assumed) return;
    this.unplace(s.node, key);
    this.podState.delete(key);
  }

  isAssumed(key: string): boolean {
    return this.podState.get(key)?.assumed ?? false;
  }

  /** A pod with spec.nodeName seen by the informer (new, updated, or confirming an assumption). */
  addOrUpdatePod(info: PodInfo): void {
    const prev = this.podState.get(info.key);
    if (prev) this.unplace(prev.node, info.key);
    this.podState.set(info.key, { node: info.nodeName, info, assumed: false });
    this.place(info.nodeName, info);
  }

  removePod(key: string): void {
    const prev = this.podState.get(key);
    if (!prev) return;
    this.unplace(prev.node, key);
    this.podState.delete(key);
  }

  podInfo(key: string): PodInfo | undefined {
    return this.podState.get(key)?.info;
  }

  get podCount(): number {
    return this.podState.size;
  }
}
