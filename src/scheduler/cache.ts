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
  private byLabel = new Map<string, Set<PodInfo>>();
  private withAffinity = new Set<NodeInfo>();
  private withRequiredAnti = new Set<NodeInfo>();
  private domains = new Map<string, Map<string, number>>();
  /** Pods with required anti-affinity, by a label their terms require ("ns\0key=value"), or unindexed. */
  private antiByLabel = new Map<string, Set<PodInfo>>();
  private antiUnindexed = new Set<PodInfo>();

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

  podsWithLabel(ns: string, key: string, value: string): Iterable<PodInfo> {
    return this.byLabel.get(`${ns}\u0000${key}=${value}`) ?? [];
  }

  nodesWithAffinityPods(): Iterable<NodeInfo> {
    return this.withAffinity;
  }

  nodesWithRequiredAntiAffinityPods(): Iterable<NodeInfo> {
    return this.withRequiredAnti;
  }

  labelDomains(key: string): ReadonlyMap<string, number> {
    let m = this.domains.get(key);
    if (!m) {
      m = new Map();
      for (const n of this.nodes) {
        const v = n.labels[key];
        if (v !== undefined) m.set(v, (m.get(v) ?? 0) + 1);
      }
      this.domains.set(key, m);
    }
    return m;
  }

  /**
   * Pods whose required anti-affinity may select a pod of namespace ns with these labels (a superset: callers
   * still match the terms). Each pod appears once.
   */
  antiAffinityPodsSelecting(ns: string, labels: Record<string, string>): Set<PodInfo> {
    const out = new Set<PodInfo>(this.antiUnindexed);
    for (const k in labels) {
      const set = this.antiByLabel.get(`${ns}\u0000${k}=${labels[k]}`);
      if (set) for (const p of set) out.add(p);
    }
    return out;
  }

  private indexAnti(info: PodInfo, add: boolean): void {
    for (const t of info.requiredAntiAffinity) {
      const ml = t.selector.matchLabels;
      const first = ml ? Object.keys(ml)[0] : undefined;
      if (t.namespaceSelector || first === undefined) {
        if (add) this.antiUnindexed.add(info);
        else this.antiUnindexed.delete(info);
        continue;
      }
      for (const ns of t.namespaces) {
        const ik = `${ns}\u0000${first}=${ml![first]}`;
        let set = this.antiByLabel.get(ik);
        if (add) {
          if (!set) this.antiByLabel.set(ik, (set = new Set()));
          set.add(info);
        } else if (set) {
          set.delete(info);
          if (set.size === 0) this.antiByLabel.delete(ik);
        }
      }
    }
  }

  private index(info: PodInfo, add: boolean): void {
    if (info.requiredAntiAffinity.length) this.indexAnti(info, add);
    for (const k in info.labels) {
      const ik = `${info.namespace}\u0000${k}=${info.labels[k]}`;
      let set = this.byLabel.get(ik);
      if (add) {
        if (!set) this.byLabel.set(ik, (set = new Set()));
        set.add(info);
      } else if (set) {
        set.delete(info);
        if (set.size === 0) this.byLabel.delete(ik);
      }
    }
  }

  private track(ni: NodeInfo): void {
    if (ni.podsWithAffinity.size) this.withAffinity.add(ni);
    else this.withAffinity.delete(ni);
    if (ni.podsWithRequiredAntiAffinity.size) this.withRequiredAnti.add(ni);
    else this.withRequiredAnti.delete(ni);
  }

  setNamespace(name: string, labels: Record<string, string> | undefined): void {
    if (labels) this.nsLabels.set(name, labels);
    else this.nsLabels.delete(name);
  }

  addOrUpdateNode(node: KubeObject): NodeInfo {
    const name = node.metadata?.name ?? '';
    let ni = this.byName.get(name);
    if (ni) {
      if (JSON.stringify(ni.labels) !== JSON.stringify(node.metadata?.labels ?? {})) this.domains.clear();
      ni.setNode(node);
    } else {
      this.domains.clear();
      ni = new NodeInfo(node);
      this.byName.set(name, ni);
      this.listDirty = true;
      const waiting = this.orphans.get(name);
      if (waiting) {
        for (const p of waiting.values()) ni.addPod(p);
        this.orphans.delete(name);
        this.track(ni);
      }
    }
    return ni;
  }

  removeNode(name: string): void {
    const ni = this.byName.get(name);
    if (!ni) return;
    this.byName.delete(name);
    this.listDirty = true;
    this.domains.clear();
    this.withAffinity.delete(ni);
    this.withRequiredAnti.delete(ni);
    // Pods still bound there stay accounted for, in case the node comes back.
    if (ni.pods.size) this.orphans.set(name, new Map(ni.pods));
  }

  private place(node: string, info: PodInfo): void {
    this.index(info, true);
    const ni = this.byName.get(node);
    if (ni) {
      ni.addPod(info);
      this.track(ni);
    } else {
      let m = this.orphans.get(node);
      if (!m) this.orphans.set(node, (m = new Map()));
      m.set(info.key, info);
    }
  }

  private unplace(node: string, key: string): void {
    const old = this.podState.get(key)?.info;
    if (old) this.index(old, false);
    const ni = this.byName.get(node);
    if (ni) {
      ni.removePod(key);
      this.track(ni);
    } else {
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
