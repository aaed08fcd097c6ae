// One scheduling profile: its plugins in order, score weights, and the scheduling algorithm (PreFilter,
// Filter over a sample of nodes, PostFilter when nothing fits, PreScore/Score/NormalizeScore, pick the best).
// The cycle is synchronous over the cache, so nothing changes underneath it and nothing is copied per node.
import type { FitError } from './fit-error.js';
import type { NodeInfo } from './node-info.js';
import type { PodInfo } from './pod-info.js';
import { CycleState } from './types.js';
import type { FilterResult, Plugin, PostFilterContext, PostFilterResult, Snapshot, Status } from './types.js';

export interface WeightedPlugin {
  plugin: Plugin;
  weight: number;
}

export interface FrameworkOptions {
  schedulerName: string;
  plugins: WeightedPlugin[];
  /** 0 (default) = adaptive, as kube-scheduler: 50% - nodes/125, at least 5%, at least 100 nodes. */
  percentageOfNodesToScore?: number;
  /** For tie-breaks between equal scores; Math.random by default. */
  random?: () => number;
  /** Pods nominated to a node by preemption: filters account for those of equal or higher priority. */
  nominatedPods?: (nodeName: string) => readonly PodInfo[];
}

export type ScheduleResult =
  | { ok: true; node: string; evaluated: number; feasible: number }
  | { ok: false; fit: FitError };

export const MIN_FEASIBLE_NODES = 100;

export function numFeasibleNodesToFind(numAll: number, percentage = 0): number {
  if (numAll < MIN_FEASIBLE_NODES) return numAll;
  let pct = percentage;
  if (pct <= 0) pct = Math.max(5, 50 - Math.floor(numAll / 125));
  if (pct >= 100) return numAll;
  const n = Math.floor((numAll * pct) / 100);
  return n < MIN_FEASIBLE_NODES ? MIN_FEASIBLE_NODES : n;
}

export class Framework {
  readonly schedulerName: string;
  readonly plugins: readonly Plugin[];
  private readonly preFilters: Plugin[];
  private readonly filters: Plugin[];
  private readonly postFilters: Plugin[];
  private readonly scorers: WeightedPlugin[];
  private readonly reservers: Plugin[];
  private readonly pct: number;
  private readonly random: () => number;
  private readonly nominated: ((nodeName: string) => readonly PodInfo[]) | undefined;
  private nextStart = 0;
  private scoreBuf = new Float64Array(256);
  private totalBuf = new Float64Array(256);

  constructor(o: FrameworkOptions) {
    this.schedulerName = o.schedulerName;
    this.plugins = o.plugins.map((w) => w.plugin);
    this.preFilters = this.plugins.filter((p) => p.preFilter);
    this.filters = this.plugins.filter((p) => p.filter);
    this.postFilters = this.plugins.filter((p) => p.postFilter);
    this.scorers = o.plugins.filter((w) => w.plugin.score && w.weight > 0);
    this.reservers = this.plugins.filter((p) => p.reserve || p.unreserve);
    this.pct = o.percentageOfNodesToScore ?? 0;
    this.random = o.random ?? Math.random;
    this.nominated = o.nominatedPods;
  }

  private tagged = new WeakMap<Status, Status>();
  /** The status with its plugin's name; plugins' shared constant statuses are tagged once, not per node. */
  private tag(s: Status, plugin: string): Status {
    let t = this.tagged.get(s);
    if (!t || t.plugin !== plugin) {
      t = { ...s, plugin };
      this.tagged.set(s, t);
    }
    return t;
  }

  /** Filters one node; the first rejecting plugin's status (tagged with its name), or null. */
  runFilters(state: CycleState, pod: PodInfo, node: NodeInfo): FilterResult {
    // The filters this cycle runs, worked out once per cycle rather than per node.
    let active = state.activeFilters;
    if (!active || state.activeFiltersFor !== state.skipFilter.size) {
      active = state.activeFilters = this.filters.filter((p) => !state.skipFilter.has(p.name));
      state.activeFiltersFor = state.skipFilter.size;
    }
    for (let i = 0; i < active.length; i++) {
      const p = active[i]!;
      const s = p.filter!(state, pod, node);
      if (s) return s.plugin === p.name ? s : this.tag(s, p.name);
    }
    return null;
  }

  /**
   * Filters with nominated pods of equal or higher priority counted on the node first (so a preemptor's room is
   * kept), then without them (so pod affinity to a nominated pod is not assumed), as kube-scheduler does.
   */
  private filterWithNominated(state: CycleState, pod: PodInfo, node: NodeInfo): FilterResult {
    const nominated = this.nominated?.(node.name);
    if (nominated && nominated.length) {
      let withNominated: NodeInfo | undefined;
      for (const np of nominated) {
        if (np.uid === pod.uid || np.priority < pod.priority) continue;
        withNominated ??= node.clone();
        withNominated.addPod(np);
      }
      if (withNominated) {
        const s = this.runFilters(state, pod, withNominated);
        if (s) return s;
      }
    }
    return this.runFilters(state, pod, node);
  }

  schedule(state: CycleState, pod: PodInfo, snap: Snapshot): ScheduleResult {
    const all = snap.nodes;
    const fit: FitError = { numAllNodes: all.length, nodeToStatus: new Map(), unschedulablePlugins: new Set() };
    let candidates: readonly NodeInfo[] = all;
    for (const p of this.preFilters) {
      const r = p.preFilter!(state, pod, snap);
      if (r === null) continue;
      if (r === 'skip') state.skipFilter.add(p.name);
      else if ('nodeNames' in r) {
        candidates = candidates.filter((n) => {
          if (r.nodeNames.has(n.name)) return true;
          fit.nodeToStatus.set(n.name, { ...r.excluded, plugin: p.name });
          fit.unschedulablePlugins.add(p.name);
          return false;
        });
      } else {
        fit.preFilterMsg = r.reasons.join(', ');
        fit.unschedulablePlugins.add(p.name);
        for (const n of all) fit.nodeToStatus.set(n.name, { ...r, plugin: p.name });
        return { ok: false, fit };
      }
    }
    const n = candidates.length;
    const want = numFeasibleNodesToFind(n, this.pct);
    const feasible: NodeInfo[] = [];
    const start = candidates === all && n > 0 ? this.nextStart % n : 0;
    let processed = 0;
    for (; processed < n && feasible.length < want; processed++) {
      const node = candidates[(start + processed) % n]!;
      const s = this.filterWithNominated(state, pod, node);
      if (s === null) feasible.push(node);
      else if (feasible.length === 0) {
        // Reasons matter only if nothing fits; once something does, skip the bookkeeping.
        fit.nodeToStatus.set(node.name, s);
        if (s.plugin) fit.unschedulablePlugins.add(s.plugin);
      }
    }
    if (candidates === all && n > 0) this.nextStart = (start + processed) % n;
    if (feasible.length === 0) return { ok: false, fit };
    if (feasible.length === 1) return { ok: true, node: feasible[0]!.name, evaluated: processed, feasible: 1 };
    return { ok: true, node: this.pick(state, pod, feasible, snap), evaluated: processed, feasible: feasible.length };
  }

  private pick(state: CycleState, pod: PodInfo, nodes: NodeInfo[], snap: Snapshot): string {
    const count = nodes.length;
    if (this.totalBuf.length < count) {
      this.totalBuf = new Float64Array(count * 2);
      this.scoreBuf = new Float64Array(count * 2);
    }
    const total = this.totalBuf;
    const buf = this.scoreBuf;
    total.fill(0, 0, count);
    for (const { plugin, weight } of this.scorers) {
      if (plugin.preScore && plugin.preScore(state, pod, nodes, snap) === 'skip') continue;
      for (let i = 0; i < count; i++) buf[i] = plugin.score!(state, pod, nodes[i]!);
      plugin.normalizeScore?.(state, pod, buf, count);
      for (let i = 0; i < count; i++) total[i]! += buf[i]! * weight;
    }
    // Highest total wins; ties are broken uniformly at random (reservoir sampling).
    let best = 0;
    let ties = 1;
    for (let i = 1; i < count; i++) {
      if (total[i]! > total[best]!) {
        best = i;
        ties = 1;
      } else if (total[i] === total[best]) {
        ties++;
        if (this.random() * ties < 1) best = i;
      }
    }
    return nodes[best]!.name;
  }

  /** Runs PostFilter plugins (preemption) until one nominates a node; otherwise joins their messages. */
  postFilter(state: CycleState, pod: PodInfo, fit: FitError, snap: Snapshot): PostFilterResult | undefined {
    if (this.postFilters.length === 0) return undefined;
    const ctx: PostFilterContext = {
      snap,
      freshState: (p) => {
        const s = new CycleState();
        for (const pl of this.preFilters) if (pl.preFilter!(s, p, snap) === 'skip') s.skipFilter.add(pl.name);
        return s;
      },
      runFilters: (s, p, node) => this.filterWithNominated(s, p, node),
      removePod: (s, p, victim, node) => {
        for (const pl of this.plugins) if (!s.skipFilter.has(pl.name)) pl.removePod?.(s, p, victim, node);
      },
      addPod: (s, p, added, node) => {
        for (const pl of this.plugins) if (!s.skipFilter.has(pl.name)) pl.addPod?.(s, p, added, node);
      },
    };
    const messages: string[] = [];
    for (const p of this.postFilters) {
      const r = p.postFilter!(state, pod, fit.nodeToStatus, ctx);
      if (r.nominatedNode !== undefined) return r;
      if (r.message) messages.push(r.message);
    }
    return { message: messages.join(' ') };
  }

  reserve(state: CycleState, pod: PodInfo, nodeName: string): Status | null {
    for (let i = 0; i < this.reservers.length; i++) {
      const s = this.reservers[i]!.reserve?.(state, pod, nodeName);
      if (s) {
        for (let j = i; j >= 0; j--) this.reservers[j]!.unreserve?.(state, pod, nodeName);
        return s;
      }
    }
    return null;
  }

  unreserve(state: CycleState, pod: PodInfo, nodeName: string): void {
    for (let j = this.reservers.length - 1; j >= 0; j--) this.reservers[j]!.unreserve?.(state, pod, nodeName);
  }
}
