// Stable identity: pod <set>-<ordinal> with hostname and subdomain (the governing Service), and one claim per
// volumeClaimTemplate and ordinal named <template>-<set>-<ordinal>, mounted in place of the template's volume.
import type { Volume } from 'kubernetes-types/core/v1.js';
import type { OwnerReference } from '../../api/object.js';
import { newControllerRef } from '../common/controller-ref.js';
import type { Pod, PodTemplateSpec } from '../common/types.js';
import { REVISION_HASH_LABEL } from '../history/revision.js';
import { POD_INDEX_LABEL, POD_NAME_LABEL, STS_API_VERSION, STS_KIND, type Claim, type StatefulSet } from './types.js';

export const podName = (set: StatefulSet, ordinal: number): string => `${set.metadata?.name ?? ''}-${ordinal}`;

/** The ordinal of a pod named <set>-<n>, or undefined when the name is not one of this set's. */
export function ordinalOf(set: StatefulSet, pod: Pod): number | undefined {
  const prefix = `${set.metadata?.name ?? ''}-`;
  const name = pod.metadata?.name ?? '';
  if (!name.startsWith(prefix)) return undefined;
  const rest = name.slice(prefix.length);
  return /^(0|[1-9]\d*)$/.test(rest) ? Number(rest) : undefined;
}

export const claimName = (template: string, set: StatefulSet, ordinal: number): string => `${template}-${podName(set, ordinal)}`;

/** A pod for this ordinal from the given template (the current or the update revision's). */
export function newPod(set: StatefulSet, template: PodTemplateSpec | undefined, ordinal: number, revisionName: string): Pod {
  const name = podName(set, ordinal);
  const spec = structuredClone(template?.spec ?? { containers: [] });
  spec.hostname = name;
  if (set.spec?.serviceName) spec.subdomain = set.spec.serviceName;
  const claims = set.spec?.volumeClaimTemplates ?? [];
  if (claims.length > 0) {
    const mounted: Volume[] = claims.map((c) => ({ name: c.metadata?.name ?? '', persistentVolumeClaim: { claimName: claimName(c.metadata?.name ?? '', set, ordinal) } }));
    const names = new Set(mounted.map((v) => v.name));
    spec.volumes = [...mounted, ...(spec.volumes ?? []).filter((v) => !names.has(v.name))];
  }
  const meta: NonNullable<Pod['metadata']> = {
    name,
    namespace: set.metadata?.namespace,
    labels: { ...template?.metadata?.labels, [POD_NAME_LABEL]: name, [POD_INDEX_LABEL]: String(ordinal), [REVISION_HASH_LABEL]: revisionName },
    ownerReferences: [newControllerRef(set, STS_API_VERSION, STS_KIND)],
  };
  if (template?.metadata?.annotations) meta.annotations = { ...template.metadata.annotations };
  if (template?.metadata?.finalizers) meta.finalizers = [...template.metadata.finalizers];
  return { apiVersion: 'v1', kind: 'Pod', metadata: meta, spec };
}

/** The owner references a claim should carry under persistentVolumeClaimRetentionPolicy. */
export function claimOwners(set: StatefulSet, pod: Pod | undefined, ordinal: number): OwnerReference[] {
  const policy = set.spec?.persistentVolumeClaimRetentionPolicy;
  const refs: OwnerReference[] = [];
  // whenDeleted: Delete — the set owns the claim, so the garbage collector removes it with the set.
  if (policy?.whenDeleted === 'Delete') refs.push({ ...newControllerRef(set, STS_API_VERSION, STS_KIND), controller: false, blockOwnerDeletion: true });
  // whenScaled: Delete — a condemned pod owns its claim, so the claim goes with the pod.
  const replicas = set.spec?.replicas ?? 1;
  if (policy?.whenScaled === 'Delete' && ordinal >= replicas && pod?.metadata?.uid)
    refs.push({ apiVersion: 'v1', kind: 'Pod', name: pod.metadata.name ?? '', uid: pod.metadata.uid, controller: false, blockOwnerDeletion: true });
  return refs;
}

/** The claims an ordinal needs, as they would be created. */
export function newClaims(set: StatefulSet, ordinal: number): Claim[] {
  const selectorLabels = set.spec?.selector?.matchLabels ?? {};
  return (set.spec?.volumeClaimTemplates ?? []).map((t) => {
    const c = structuredClone(t) as Claim;
    c.apiVersion = 'v1';
    c.kind = 'PersistentVolumeClaim';
    c.metadata = {
      ...c.metadata,
      name: claimName(t.metadata?.name ?? '', set, ordinal),
      namespace: set.metadata?.namespace,
      labels: { ...t.metadata?.labels, ...selectorLabels },
    };
    const owners = claimOwners(set, undefined, ordinal);
    if (owners.length > 0) c.metadata.ownerReferences = owners;
    delete c.status;
    return c;
  });
}
