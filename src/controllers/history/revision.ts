// ControllerRevisions as DaemonSets and StatefulSets keep them: each holds a snapshot of the pod template as the
// strategic merge patch `{"spec":{"template":{..., "$patch":"replace"}}}` (what kubectl rollout undo sends back),
// a revision number, the owner's controller reference and the template's labels (kubectl finds them by the
// owner's selector). Pure functions; the controllers do the writes.
import type { KubeObject, OwnerReference } from '../../api/object.js';
import { controllerRefOf } from '../common/controller-ref.js';
import type { PodTemplateSpec } from '../common/types.js';
import { canonicalJson, hashValue } from './hash.js';

/** The label on pods (and revisions) naming the revision they came from. */
export const REVISION_HASH_LABEL = 'controller-revision-hash';
/** Newer Kubernetes also marks the revision itself with its hash. */
export const REVISION_HASH_LABEL_NEW = 'controller.kubernetes.io/hash';

export interface ControllerRevision extends KubeObject {
  data?: unknown;
  revision?: number;
}

/** What a revision stores for an owner whose history is its pod template. */
export function templatePatch(template: PodTemplateSpec | undefined): unknown {
  return { spec: { template: { ...structuredClone(template ?? {}), $patch: 'replace' } } };
}

/** The template a revision's data holds (undefined when the data is not a template patch). */
export function templateOf(rev: ControllerRevision): PodTemplateSpec | undefined {
  const t = (rev.data as { spec?: { template?: Record<string, unknown> } } | undefined)?.spec?.template;
  if (!t) return undefined;
  const { $patch: _, ...rest } = t;
  return rest as PodTemplateSpec;
}

/** Names are <owner>-<hash>, the owner part cut so the whole stays a valid name (Kubernetes keeps 223 chars). */
export function revisionName(ownerName: string, hash: string): string {
  return `${ownerName.slice(0, 223)}-${hash}`;
}

export function newRevision(opts: {
  owner: KubeObject;
  ownerRef: OwnerReference;
  templateLabels: Record<string, string> | undefined;
  data: unknown;
  revision: number;
  collisionCount?: number;
  /** Defaults to a hash of data and collisionCount. */
  hash?: string;
}): ControllerRevision {
  const hash = opts.hash ?? hashValue(opts.data, opts.collisionCount);
  return {
    apiVersion: 'apps/v1',
    kind: 'ControllerRevision',
    metadata: {
      name: revisionName(opts.owner.metadata?.name ?? '', hash),
      namespace: opts.owner.metadata?.namespace,
      labels: { ...opts.templateLabels, [REVISION_HASH_LABEL]: hash, [REVISION_HASH_LABEL_NEW]: hash },
      ownerReferences: [opts.ownerRef],
    },
    data: structuredClone(opts.data),
    revision: opts.revision,
  };
}

export function sameData(a: ControllerRevision, b: ControllerRevision): boolean {
  return canonicalJson(a.data) === canonicalJson(b.data);
}

/** Ascending by revision number, then creation time, then name (Kubernetes' history.SortControllerRevisions). */
export function sortRevisions<T extends ControllerRevision>(revs: readonly T[]): T[] {
  return [...revs].sort((a, b) => {
    const d = (a.revision ?? 0) - (b.revision ?? 0);
    if (d !== 0) return d;
    const ta = a.metadata?.creationTimestamp ?? '';
    const tb = b.metadata?.creationTimestamp ?? '';
    if (ta !== tb) return ta < tb ? -1 : 1;
    const na = a.metadata?.name ?? '';
    const nb = b.metadata?.name ?? '';
    return na < nb ? -1 : na > nb ? 1 : 0;
  });
}

export function nextRevisionNumber(revs: readonly ControllerRevision[]): number {
  return revs.reduce((m, r) => Math.max(m, r.revision ?? 0), 0) + 1;
}

/** Revisions owned by the owner (by uid). */
export function ownedRevisions<T extends ControllerRevision>(owner: KubeObject, revs: readonly T[]): T[] {
  return revs.filter((r) => controllerRefOf(r)?.uid === owner.metadata?.uid);
}

/**
 * Which revisions to delete to keep at most `limit` old ones: never one in use (by live pods, or as the current or
 * update revision), oldest first.
 */
export function revisionsToPrune(revs: readonly ControllerRevision[], inUse: ReadonlySet<string>, limit: number): ControllerRevision[] {
  const unused = sortRevisions(revs).filter((r) => !inUse.has(r.metadata?.name ?? ''));
  const excess = unused.length - Math.max(0, limit);
  return excess > 0 ? unused.slice(0, excess) : [];
}
