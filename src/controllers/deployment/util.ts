// Deployment arithmetic and bookkeeping, pure (after pkg/controller/deployment/util). Table-tested in util.test.ts.
import type { Condition, Deployment, PodTemplateSpec, ReplicaSet } from '../common/types.js';
import { byCreation, creationMs, jsonEqual } from '../common/objects.js';

export const REVISION = 'deployment.kubernetes.io/revision';
export const REVISION_HISTORY = 'deployment.kubernetes.io/revision-history';
export const DESIRED_REPLICAS = 'deployment.kubernetes.io/desired-replicas';
export const MAX_REPLICAS = 'deployment.kubernetes.io/max-replicas';
export const POD_TEMPLATE_HASH = 'pod-template-hash';
/** The deprecated spec.rollbackTo of extensions/v1beta1, still honoured by Kubernetes as an annotation. */
export const ROLLBACK_TO = 'deprecated.deployment.rollback.to';
const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';
const OVERLAP = 'deployment.kubernetes.io/error-selector-overlapping-with';
const SELECTOR_UPDATED = 'deployment.kubernetes.io/selector-updated-at';
/** Kubernetes caps the revision-history annotation at this many characters. */
export const REVISION_HISTORY_LIMIT_CHARS = 2000;

// Condition reasons (Progressing, Available, ReplicaFailure).
export const reasons = {
  replicaSetUpdated: 'ReplicaSetUpdated',
  failedRSCreate: 'ReplicaSetCreateError',
  newReplicaSet: 'NewReplicaSetCreated',
  foundNewRS: 'FoundNewReplicaSet',
  newRSAvailable: 'NewReplicaSetAvailable',
  timedOut: 'ProgressDeadlineExceeded',
  paused: 'DeploymentPaused',
  resumed: 'DeploymentResumed',
  minimumAvailable: 'MinimumReplicasAvailable',
  minimumUnavailable: 'MinimumReplicasUnavailable',
} as const;

const MAX_INT32 = 2147483647;

// ---- intstr ----

export type IntOrPercent = number | string | undefined;

/**
 * Resolves an int or "N%" against total: percentages round up for surge and down for unavailability.
 * Throws on a malformed percentage (validation should have refused it).
 */
export function scaledValue(v: IntOrPercent, total: number, roundUp: boolean): number {
  if (v === undefined || v === null) return 0;
  if (typeof v === 'number') return v;
  const m = /^(\d+)%$/.exec(v);
  if (!m) {
    if (/^\d+$/.test(v)) return Number(v);
    throw new Error(`invalid value for IntOrString: invalid value "${v}": must be an integer or percentage (e.g '5%')`);
  }
  const x = (Number(m[1]) * total) / 100;
  return roundUp ? Math.ceil(x) : Math.floor(x);
}

/** maxSurge and maxUnavailable for a desired count; both zero would deadlock, so unavailable becomes 1. */
export function resolveFenceposts(maxSurge: IntOrPercent, maxUnavailable: IntOrPercent, desired: number): { surge: number; unavailable: number } {
  const surge = scaledValue(maxSurge ?? 0, desired, true);
  let unavailable = scaledValue(maxUnavailable ?? 0, desired, false);
  if (surge === 0 && unavailable === 0) unavailable = 1;
  return { surge, unavailable };
}

export const replicasOf = (d: Deployment | ReplicaSet | undefined): number => d?.spec?.replicas ?? (d ? 1 : 0);
export const isRollingUpdate = (d: Deployment) => (d.spec?.strategy?.type ?? 'RollingUpdate') === 'RollingUpdate';

export function maxSurge(d: Deployment): number {
  if (!isRollingUpdate(d)) return 0;
  const ru = d.spec?.strategy?.rollingUpdate;
  return resolveFenceposts(ru?.maxSurge, ru?.maxUnavailable, replicasOf(d)).surge;
}

export function maxUnavailable(d: Deployment): number {
  const want = replicasOf(d);
  if (!isRollingUpdate(d) || want === 0) return 0;
  const ru = d.spec?.strategy?.rollingUpdate;
  return Math.min(resolveFenceposts(ru?.maxSurge, ru?.maxUnavailable, want).unavailable, want);
}

export const hasProgressDeadline = (d: Deployment) => d.spec?.progressDeadlineSeconds !== undefined && d.spec.progressDeadlineSeconds !== MAX_INT32;
export const hasRevisionHistoryLimit = (d: Deployment) => d.spec?.revisionHistoryLimit !== undefined && d.spec.revisionHistoryLimit !== MAX_INT32;

// ---- counting over replica sets ----

type RSs = readonly (ReplicaSet | undefined)[];
const sum = (rss: RSs, f: (rs: ReplicaSet) => number) => rss.reduce((n, rs) => n + (rs ? f(rs) : 0), 0);
/** Spec replicas. */
export const specReplicas = (rss: RSs) => sum(rss, (rs) => rs.spec?.replicas ?? 0);
/** Pods that exist (status.replicas). */
export const actualReplicas = (rss: RSs) => sum(rss, (rs) => rs.status?.replicas ?? 0);
export const readyReplicas = (rss: RSs) => sum(rss, (rs) => rs.status?.readyReplicas ?? 0);
export const availableReplicas = (rss: RSs) => sum(rss, (rs) => rs.status?.availableReplicas ?? 0);
export const activeReplicaSets = (rss: RSs): ReplicaSet[] => rss.filter((rs): rs is ReplicaSet => !!rs && (rs.spec?.replicas ?? 0) > 0);

// ---- templates and revisions ----

/** Null, empty maps and empty lists dropped, so semantically equal templates compare equal. */
function normalize(v: unknown): unknown {
  if (Array.isArray(v)) return v.length === 0 ? undefined : v.map(normalize);
  if (v && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) {
      const n = normalize(x);
      if (n !== undefined && n !== null) out[k] = n;
    }
    return Object.keys(out).length === 0 ? undefined : out;
  }
  return v;
}

/** Templates equal once the pod-template-hash label is ignored (Kubernetes' EqualIgnoreHash). */
export function equalIgnoreHash(a: PodTemplateSpec | undefined, b: PodTemplateSpec | undefined): boolean {
  const strip = (t: PodTemplateSpec | undefined) => {
    const c = structuredClone(t ?? {});
    if (c.metadata?.labels) delete c.metadata.labels[POD_TEMPLATE_HASH];
    return normalize(c);
  };
  return jsonEqual(strip(a), strip(b));
}

export function revisionOf(o: { metadata?: { annotations?: Record<string, string> } } | undefined): number {
  const v = o?.metadata?.annotations?.[REVISION];
  if (v === undefined) return 0;
  const n = Number.parseInt(v, 10);
  return Number.isFinite(n) ? n : 0;
}

export const maxRevision = (rss: RSs) => rss.reduce((m, rs) => Math.max(m, rs ? revisionOf(rs) : 0), 0);

/** The second-highest revision: what `rollout undo` without --to-revision goes back to. */
export function lastRevision(rss: RSs): number {
  let max = 0;
  let second = 0;
  for (const rs of rss) {
    if (!rs) continue;
    const v = revisionOf(rs);
    if (v >= max) {
      second = max;
      max = v;
    } else if (v > second) second = v;
  }
  return second;
}

/** The oldest replica set whose template matches the deployment's: the new one. */
export function findNewReplicaSet(d: Deployment, rss: readonly ReplicaSet[]): ReplicaSet | undefined {
  return [...rss].sort(byCreation).find((rs) => equalIgnoreHash(rs.spec?.template, d.spec?.template));
}

export function findOldReplicaSets(d: Deployment, rss: readonly ReplicaSet[]): ReplicaSet[] {
  const n = findNewReplicaSet(d, rss);
  return rss.filter((rs) => rs.metadata?.uid !== n?.metadata?.uid);
}

// ---- annotations ----

const SKIP_COPY = new Set([LAST_APPLIED, REVISION, REVISION_HISTORY, DESIRED_REPLICAS, MAX_REPLICAS, OVERLAP, SELECTOR_UPDATED]);
export const skipCopyAnnotation = (k: string) => SKIP_COPY.has(k);

/** Copies the deployment's annotations (but not the bookkeeping ones) onto the replica set; true if any changed. */
export function copyDeploymentAnnotations(d: Deployment, rs: ReplicaSet): boolean {
  const meta = (rs.metadata ??= {});
  const ann = (meta.annotations ??= {});
  let changed = false;
  for (const [k, v] of Object.entries(d.metadata?.annotations ?? {})) {
    if (skipCopyAnnotation(k) || ann[k] === v) continue;
    ann[k] = v;
    changed = true;
  }
  return changed;
}

/** Sets desired-replicas and max-replicas (replicas + surge); true if either changed. */
export function setReplicasAnnotations(rs: ReplicaSet, desired: number, max: number): boolean {
  const ann = ((rs.metadata ??= {}).annotations ??= {});
  let changed = false;
  for (const [k, v] of [
    [DESIRED_REPLICAS, String(desired)],
    [MAX_REPLICAS, String(max)],
  ] as const) {
    if (ann[k] !== v) {
      ann[k] = v;
      changed = true;
    }
  }
  return changed;
}

export function replicasAnnotationsNeedUpdate(rs: ReplicaSet, desired: number, max: number): boolean {
  const ann = rs.metadata?.annotations ?? {};
  return ann[DESIRED_REPLICAS] !== String(desired) || ann[MAX_REPLICAS] !== String(max);
}

function intAnnotation(rs: ReplicaSet, key: string): number | undefined {
  const v = rs.metadata?.annotations?.[key];
  if (v === undefined) return undefined;
  const n = Number.parseInt(v, 10);
  return Number.isFinite(n) ? n : undefined;
}

/**
 * Stamps the new replica set's annotations: the deployment's own, the revision (only ever raised: an RS that
 * comes back in a rollback keeps its old numbers in revision-history), and for a replica set about to be created
 * the replica annotations. True when anything changed.
 */
export function setNewReplicaSetAnnotations(d: Deployment, rs: ReplicaSet, newRevision: number, exists: boolean): boolean {
  let changed = copyDeploymentAnnotations(d, rs);
  const ann = ((rs.metadata ??= {}).annotations ??= {});
  const had = ann[REVISION];
  const old = had === undefined ? 0 : Number.parseInt(had, 10);
  if (Number.isNaN(old)) return false;
  if (old < newRevision) {
    ann[REVISION] = String(newRevision);
    changed = true;
    if (had !== undefined) {
      const history = ann[REVISION_HISTORY] ?? '';
      if (history === '') ann[REVISION_HISTORY] = had;
      else {
        const parts = history.split(',');
        let total = history.length + had.length + 1;
        let start = 0;
        while (total > REVISION_HISTORY_LIMIT_CHARS && start < parts.length) total -= parts[start++]!.length + 1;
        if (total <= REVISION_HISTORY_LIMIT_CHARS) ann[REVISION_HISTORY] = [...parts.slice(start), had].join(',');
      }
    }
  }
  const want = replicasOf(d);
  if (!exists && setReplicasAnnotations(rs, want, want + maxSurge(d))) changed = true;
  return changed;
}

// ---- scaling ----

/** How big the new replica set may grow now (rolling: within replicas + maxSurge in total; recreate: all). */
export function newRSNewReplicas(d: Deployment, allRSs: RSs, newRS: ReplicaSet): number {
  const want = replicasOf(d);
  if (!isRollingUpdate(d)) return want;
  const current = specReplicas(allRSs);
  const maxTotal = want + maxSurge(d);
  const cur = newRS.spec?.replicas ?? 0;
  if (current >= maxTotal) return cur;
  return cur + Math.min(maxTotal - current, want - cur);
}

/** The new RS holds every replica, was sized for this deployment size, and all are available. */
export function isSaturated(d: Deployment, rs: ReplicaSet | undefined): boolean {
  if (!rs) return false;
  const want = replicasOf(d);
  return (rs.spec?.replicas ?? 0) === want && intAnnotation(rs, DESIRED_REPLICAS) === want && (rs.status?.availableReplicas ?? 0) === want;
}

/** Go's math.Round: halves away from zero. */
const roundHalfAway = (x: number) => Math.sign(x) * Math.round(Math.abs(x));

/** How much of a resize this replica set takes: its share of the old maximum, scaled to the new one. */
export function replicaSetFraction(rs: ReplicaSet, d: Deployment): number {
  const cur = rs.spec?.replicas ?? 0;
  if (replicasOf(d) === 0) return -cur;
  const newMax = replicasOf(d) + maxSurge(d);
  let oldMax = intAnnotation(rs, MAX_REPLICAS) ?? 0;
  if (oldMax === 0) {
    // Annotation missing (edited by hand): fall back to the current deployment size.
    oldMax = d.status?.replicas ?? 0;
    if (oldMax === 0) return 0;
  }
  return roundHalfAway((cur * newMax) / oldMax) - cur;
}

export function proportion(rs: ReplicaSet, d: Deployment, toAdd: number, added: number): number {
  if ((rs.spec?.replicas ?? 0) === 0 || toAdd === 0 || toAdd === added) return 0;
  const f = replicaSetFraction(rs, d);
  const allowed = toAdd - added;
  return toAdd > 0 ? Math.min(f, allowed) : Math.max(f, allowed);
}

/** The only active replica set, or the newest when none is active; undefined when several are active. */
export function findActiveOrLatest(newRS: ReplicaSet | undefined, oldRSs: readonly ReplicaSet[]): ReplicaSet | undefined {
  if (!newRS && oldRSs.length === 0) return undefined;
  const sorted = [...oldRSs].sort((a, b) => byCreation(b, a));
  const active = activeReplicaSets([...sorted, newRS]);
  if (active.length === 0) return newRS ?? sorted[0];
  if (active.length === 1) return active[0];
  return undefined;
}

export interface ScalePlan {
  /** Replica set name -> new size, in the order to apply. */
  sizes: { rs: ReplicaSet; size: number }[];
  operation: 'up' | 'down' | '';
}

/**
 * Proportional scaling when the deployment is resized mid-rollout: the change spreads over the active replica
 * sets by their share of the previous maximum (max-replicas annotation), larger sets first; leftovers from
 * rounding go to the first. Example: 10 replicas with 25% surge (max 13), RSs at 8 (old) and 5 (new), resized to
 * 15 (surge 4, max 19): 8*19/13 = 11.7 -> 12, 5*19/13 = 7.3 -> 7, together 19.
 */
export function proportionalScale(d: Deployment, newRS: ReplicaSet | undefined, oldRSs: readonly ReplicaSet[]): ScalePlan {
  const all = activeReplicaSets([...oldRSs, newRS]);
  const current = specReplicas(all);
  const want = replicasOf(d);
  const allowed = want > 0 ? want + maxSurge(d) : 0;
  const toAdd = allowed - current;
  const size = (rs: ReplicaSet) => rs.spec?.replicas ?? 0;
  let operation: ScalePlan['operation'] = '';
  if (toAdd > 0) {
    // Larger first; between equals, newer first when growing...
    all.sort((a, b) => size(b) - size(a) || creationMs(b) - creationMs(a));
    operation = 'up';
  } else if (toAdd < 0) {
    // ...and older first when shrinking.
    all.sort((a, b) => size(b) - size(a) || creationMs(a) - creationMs(b));
    operation = 'down';
  }
  let added = 0;
  const sizes = all.map((rs) => {
    if (toAdd === 0) return { rs, size: size(rs) };
    const p = proportion(rs, d, toAdd, added);
    added += p;
    return { rs, size: size(rs) + p };
  });
  if (toAdd !== 0 && sizes[0]) sizes[0].size = Math.max(0, sizes[0].size + toAdd - added);
  return { sizes, operation };
}

/**
 * Old replica set scale-downs for a rolling update, in two steps as Kubernetes: first shed unhealthy replicas
 * (spec minus available, oldest RS first) since removing them costs no availability, then scale down as far
 * as availability allows (available - (replicas - maxUnavailable)).
 */
export function planOldScaleDown(d: Deployment, newRS: ReplicaSet, oldRSs: readonly ReplicaSet[]): { rs: ReplicaSet; to: number }[] {
  const old = [...oldRSs].sort(byCreation).map((rs) => ({ rs, size: rs.spec?.replicas ?? 0 }));
  const oldCount = old.reduce((n, o) => n + o.size, 0);
  if (oldCount === 0) return [];
  const newSize = newRS.spec?.replicas ?? 0;
  const all = oldCount + newSize;
  const minAvailable = replicasOf(d) - maxUnavailable(d);
  const newUnavailable = newSize - (newRS.status?.availableReplicas ?? 0);
  const maxScaledDown = all - minAvailable - newUnavailable;
  if (maxScaledDown <= 0) return [];
  let cleaned = 0;
  for (const o of old) {
    if (cleaned >= maxScaledDown) break;
    const avail = o.rs.status?.availableReplicas ?? 0;
    if (o.size === 0 || o.size === avail) continue;
    const n = Math.min(maxScaledDown - cleaned, o.size - avail);
    if (n <= 0) continue;
    o.size -= n;
    cleaned += n;
  }
  const available = availableReplicas([...oldRSs, newRS]);
  if (available > minAvailable) {
    const total = available - minAvailable;
    let scaled = 0;
    for (const o of old) {
      if (scaled >= total) break;
      if (o.size === 0) continue;
      const n = Math.min(o.size, total - scaled);
      o.size -= n;
      scaled += n;
    }
  }
  return old.filter((o) => o.size !== (o.rs.spec?.replicas ?? 0)).map((o) => ({ rs: o.rs, to: o.size }));
}

// ---- status and conditions ----

export function getCondition(conds: readonly Condition[] | undefined, type: string): Condition | undefined {
  return conds?.find((c) => c.type === type);
}

/** Adds or replaces a condition; same status and reason: no change; same status: keep lastTransitionTime. */
export function setCondition(conds: Condition[], c: Condition): Condition[] {
  const cur = getCondition(conds, c.type);
  if (cur && cur.status === c.status && cur.reason === c.reason) return conds;
  const next = { ...c };
  if (cur && cur.status === c.status) next.lastTransitionTime = cur.lastTransitionTime;
  return [...conds.filter((x) => x.type !== c.type), next];
}

export const removeCondition = (conds: Condition[], type: string) => conds.filter((c) => c.type !== type);

/** Kubernetes' metav1.Time: RFC 3339 in whole seconds. */
export const timestamp = (t: Date) => t.toISOString().replace(/\.\d{3}Z$/, 'Z');

export function newCondition(type: string, status: string, reason: string, message: string, now: Date): Condition {
  const t = timestamp(now);
  return { type, status, lastUpdateTime: t, lastTransitionTime: t, reason, message };
}

export interface DeploymentStatusShape {
  observedGeneration?: number;
  replicas: number;
  updatedReplicas: number;
  readyReplicas: number;
  availableReplicas: number;
  unavailableReplicas: number;
  collisionCount?: number;
  conditions?: Condition[];
}

/** Status from the replica sets, with the Available condition (available >= replicas - maxUnavailable). */
export function calculateStatus(allRSs: RSs, newRS: ReplicaSet | undefined, d: Deployment, now: Date): DeploymentStatusShape {
  const available = availableReplicas(allRSs);
  const s: DeploymentStatusShape = {
    replicas: actualReplicas(allRSs),
    updatedReplicas: actualReplicas([newRS]),
    readyReplicas: readyReplicas(allRSs),
    availableReplicas: available,
    unavailableReplicas: Math.max(0, specReplicas(allRSs) - available),
  };
  if (d.metadata?.generation !== undefined) s.observedGeneration = d.metadata.generation;
  if (d.status?.collisionCount !== undefined) s.collisionCount = d.status.collisionCount;
  let conds = [...((d.status?.conditions ?? []) as Condition[])];
  conds =
    available >= replicasOf(d) - maxUnavailable(d)
      ? setCondition(conds, newCondition('Available', 'True', reasons.minimumAvailable, 'Deployment has minimum availability.', now))
      : setCondition(conds, newCondition('Available', 'False', reasons.minimumUnavailable, 'Deployment does not have minimum availability.', now));
  s.conditions = conds;
  return s;
}

/** Every replica updated, present and available, and the latest spec observed. */
export function deploymentComplete(d: Deployment, s: DeploymentStatusShape): boolean {
  const want = replicasOf(d);
  return s.updatedReplicas === want && s.replicas === want && s.availableReplicas === want && (s.observedGeneration ?? 0) >= (d.metadata?.generation ?? 0);
}

/** Any progress since the last status: more updated, fewer old, more ready or more available. */
export function deploymentProgressing(d: Deployment, s: DeploymentStatusShape): boolean {
  const o = d.status ?? {};
  const oldOld = (o.replicas ?? 0) - (o.updatedReplicas ?? 0);
  const newOld = s.replicas - s.updatedReplicas;
  return s.updatedReplicas > (o.updatedReplicas ?? 0) || newOld < oldOld || s.readyReplicas > (o.readyReplicas ?? 0) || s.availableReplicas > (o.availableReplicas ?? 0);
}

/** The Progressing condition was last updated more than progressDeadlineSeconds ago. */
export function deploymentTimedOut(d: Deployment, s: DeploymentStatusShape, now: Date): boolean {
  if (!hasProgressDeadline(d)) return false;
  const c = getCondition(s.conditions, 'Progressing');
  if (!c) return false;
  if (c.reason === reasons.newRSAvailable) return false;
  if (c.reason === reasons.timedOut) return true;
  const from = Date.parse(c.lastUpdateTime ?? '');
  if (Number.isNaN(from)) return false;
  return from + (d.spec?.progressDeadlineSeconds ?? 0) * 1000 < now.getTime();
}

/** Replica sets beyond revisionHistoryLimit that may go: oldest revision first, fully scaled down, settled. */
export function replicaSetsToCleanUp(d: Deployment, oldRSs: readonly ReplicaSet[]): ReplicaSet[] {
  if (!hasRevisionHistoryLimit(d)) return [];
  const alive = oldRSs.filter((rs) => !rs.metadata?.deletionTimestamp);
  const diff = alive.length - (d.spec?.revisionHistoryLimit ?? 0);
  if (diff <= 0) return [];
  const sorted = [...alive].sort((a, b) => revisionOf(a) - revisionOf(b) || byCreation(a, b));
  return sorted
    .slice(0, diff)
    .filter((rs) => (rs.status?.replicas ?? 0) === 0 && (rs.spec?.replicas ?? 0) === 0 && (rs.metadata?.generation ?? 0) <= (rs.status?.observedGeneration ?? 0));
}
