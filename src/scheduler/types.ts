// The scheduling framework's vocabulary: result values, cluster events, the plugin interface and cycle state.
// Plugins implement only the extension points they need; "does not fit" is a Status value, never an exception.
import type { NodeInfo } from './node-info.js';
import type { PodInfo } from './pod-info.js';

export type StatusCode = 'Unschedulable' | 'UnschedulableAndUnresolvable' | 'Error';

/** A rejection (or error) with the reasons that feed the "0/N nodes are available: ..." histogram. */
export interface Status {
  code: StatusCode;
  reasons: readonly string[];
  plugin?: string;
}

/** Filters return null on success so the hot loop allocates nothing. */
export type FilterResult = Status | null;

export const unschedulable = (...reasons: string[]): Status => ({ code: 'Unschedulable', reasons });
export const unresolvable = (...reasons: string[]): Status => ({ code: 'UnschedulableAndUnresolvable', reasons });
export const errorStatus = (reason: string): Status => ({ code: 'Error', reasons: [reason] });

export const MAX_NODE_SCORE = 100;

/** What a PreFilter returns: success, a rejection for every node, "skip my Filter", or a narrowed node set. */
export type PreFilterResult = null | 'skip' | Status | { nodeNames: Set<string>; excluded: Status };

/** Per-cycle state: a plugin computes something once in PreFilter/PreScore and reads it for every node. */
export class CycleState {
  private data = new Map<string, unknown>();
  /** Plugins whose Filter is skipped this cycle (their PreFilter said so). */
  readonly skipFilter = new Set<string>();
  readonly skipScore = new Set<string>();
  /** The framework's per-cycle list of filters to run (derived from skipFilter). */
  activeFilters: Plugin[] | undefined;
  activeFiltersFor = -1;
  write(key: string, value: unknown): void {
    this.data.set(key, value);
  }
  read<T>(key: string): T | undefined {
    return this.data.get(key) as T | undefined;
  }
}

// ---- cluster events (bit flags as kube-scheduler uses, so "Update" covers every specific update) ----

export const enum Action {
  Add = 1,
  Delete = 2,
  UpdateNodeAllocatable = 4,
  UpdateNodeLabel = 8,
  UpdateNodeTaint = 16,
  UpdateNodeCondition = 32,
  UpdatePodLabel = 64,
  UpdatePodScaleDown = 128,
  UpdatePodToleration = 256,
  UpdatePodOther = 512,
  Update = 4 | 8 | 16 | 32 | 64 | 128 | 256 | 512,
  All = 1 | 2 | Update,
}

export type EventResource = 'Node' | 'AssignedPod' | 'UnscheduledPod' | 'PriorityClass' | 'Namespace' | 'PersistentVolumeClaim';

export interface ClusterEvent {
  resource: EventResource;
  action: number;
  /** A label for logs ("Node/Add"). */
  label: string;
}

/** A registration: this plugin's rejections may be cured by events of this resource with any of these actions. */
export interface EventRegistration {
  resource: EventResource;
  actions: number;
  /** Optional finer test ("queueing hint"): may this event make this pod schedulable? Defaults to yes. */
  hint?(pod: PodInfo, oldObj: unknown, newObj: unknown): boolean;
}

export function eventMatches(reg: EventRegistration, ev: ClusterEvent): boolean {
  return reg.resource === ev.resource && (reg.actions & ev.action) !== 0;
}

// ---- the plugin interface: every extension point optional ----

export interface Snapshot {
  /** Every node, in a stable order. */
  readonly nodes: readonly NodeInfo[];
  get(name: string): NodeInfo | undefined;
  /** Namespace labels, for pod affinity namespaceSelector. */
  namespaceLabels(ns: string): Record<string, string> | undefined;
  /** Bound and assumed pods of namespace ns labelled key=value (an index, so affinity need not scan every pod). */
  podsWithLabel(ns: string, key: string, value: string): Iterable<PodInfo>;
  /** Nodes holding at least one pod with any pod (anti-)affinity / with required anti-affinity. */
  nodesWithAffinityPods(): Iterable<NodeInfo>;
  nodesWithRequiredAntiAffinityPods(): Iterable<NodeInfo>;
  /** Pods whose required anti-affinity may select such a pod (a superset; an index over the terms' labels). */
  antiAffinityPodsSelecting(ns: string, labels: Record<string, string>): Iterable<PodInfo>;
  /** The distinct values of a node label and how many nodes carry each (memoized until nodes change). */
  labelDomains(key: string): ReadonlyMap<string, number>;
}

export interface Plugin {
  readonly name: string;
  /** Cluster events that could make a pod this plugin rejected schedulable. */
  events?(): EventRegistration[];
  preFilter?(state: CycleState, pod: PodInfo, snap: Snapshot): PreFilterResult;
  filter?(state: CycleState, pod: PodInfo, node: NodeInfo): FilterResult;
  /** PreFilter state updates for preemption's what-if (a pod removed from or added to a node). */
  removePod?(state: CycleState, pod: PodInfo, victim: PodInfo, node: NodeInfo): void;
  addPod?(state: CycleState, pod: PodInfo, added: PodInfo, node: NodeInfo): void;
  postFilter?(state: CycleState, pod: PodInfo, failed: ReadonlyMap<string, Status>, ctx: PostFilterContext): PostFilterResult;
  /** Return 'skip' when this plugin has nothing to say about the pod (its Score is then not run). */
  preScore?(state: CycleState, pod: PodInfo, nodes: readonly NodeInfo[], snap: Snapshot): 'skip' | null;
  score?(state: CycleState, pod: PodInfo, node: NodeInfo): number;
  /** Rescales raw scores in place to 0..100. */
  normalizeScore?(state: CycleState, pod: PodInfo, scores: Float64Array, count: number): void;
  reserve?(state: CycleState, pod: PodInfo, nodeName: string): Status | null;
  unreserve?(state: CycleState, pod: PodInfo, nodeName: string): void;
}

/** What the framework gives PostFilter plugins (preemption): the snapshot and a way to re-run filters. */
export interface PostFilterContext {
  snap: Snapshot;
  /** A new cycle state with every PreFilter run, for one what-if evaluation on one node. */
  freshState(pod: PodInfo): CycleState;
  /** Runs every filter (with PreFilter state rebuilt through add/removePod) against one node. */
  runFilters(state: CycleState, pod: PodInfo, node: NodeInfo): FilterResult;
  /** Runs PreFilter extension hooks after a what-if removal/addition. */
  removePod(state: CycleState, pod: PodInfo, victim: PodInfo, node: NodeInfo): void;
  addPod(state: CycleState, pod: PodInfo, added: PodInfo, node: NodeInfo): void;
}

export type PostFilterResult =
  | { nominatedNode: string; victims: PodInfo[]; message?: undefined }
  | { nominatedNode?: undefined; message: string };
