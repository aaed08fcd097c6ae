// Patch metadata: how a field merges. Kubernetes keeps it in Go struct tags (patchStrategy, patchMergeKey,
// +listType, +listMapKey, +mapType/+structType); the schema module serves it per type, and this file holds a
// fallback table of the common built-in fields so patches work (and tests run) without a schema.

export interface PatchMeta {
  /** "merge", "replace", "retainKeys" or "merge,retainKeys" (strategic merge patch). */
  strategy?: string;
  /** The list-of-maps key for strategic merge ("name", "containerPort"...). */
  mergeKey?: string;
  /** Server-side apply: "atomic" | "set" | "map" for lists. */
  listType?: string;
  /** Server-side apply keys of a "map" list, e.g. ["containerPort", "protocol"]. */
  listMapKeys?: string[];
  /** Defaults of key fields an item may omit (ports' protocol defaults to TCP). */
  listMapKeyDefaults?: Record<string, unknown>;
  /** "atomic" for objects replaced as a whole (LabelSelector, key selectors); "granular" otherwise. */
  mapType?: string;
}

/**
 * Metadata of the field at `path`: field names from the object root, list items not counted
 * (deployment containers: ["spec", "template", "spec", "containers"]).
 */
export type PatchMetaLookup = (path: readonly string[]) => PatchMeta | undefined;

/** No metadata at all: lists are replaced (atomic), maps merged. What custom resources without a schema get. */
export const noPatchMeta: PatchMetaLookup = () => undefined;

const byKey = (key: string, keys: string[] = [key], defaults?: Record<string, unknown>): PatchMeta => ({
  strategy: 'merge',
  mergeKey: key,
  listType: 'map',
  listMapKeys: keys,
  ...(defaults ? { listMapKeyDefaults: defaults } : {}),
});
const set: PatchMeta = { strategy: 'merge', listType: 'set' };
const atomicMap: PatchMeta = { mapType: 'atomic' };
const containerPorts = byKey('containerPort', ['containerPort', 'protocol'], { protocol: 'TCP' });

interface Rule {
  /** The last field names of the path, e.g. ["containers", "ports"]. */
  suffix: string[];
  meta: PatchMeta;
  /** Only for these kinds (the path alone is ambiguous). */
  kinds?: string[];
}

// Read from k8s.io/api core/v1, apps/v1, meta/v1 types (patchStrategy/patchMergeKey/listType tags).
const RULES: Rule[] = [
  { suffix: ['metadata', 'finalizers'], meta: set },
  { suffix: ['metadata', 'ownerReferences'], meta: byKey('uid') },
  // PodSpec (pods, and every pod template)
  { suffix: ['spec', 'containers'], meta: byKey('name') },
  { suffix: ['spec', 'initContainers'], meta: byKey('name') },
  { suffix: ['spec', 'ephemeralContainers'], meta: byKey('name') },
  { suffix: ['spec', 'volumes'], meta: { ...byKey('name'), strategy: 'merge,retainKeys' } },
  { suffix: ['spec', 'imagePullSecrets'], meta: byKey('name') },
  { suffix: ['spec', 'hostAliases'], meta: byKey('ip') },
  { suffix: ['spec', 'schedulingGates'], meta: byKey('name') },
  { suffix: ['spec', 'resourceClaims'], meta: { ...byKey('name'), strategy: 'merge,retainKeys' } },
  { suffix: ['spec', 'topologySpreadConstraints'], meta: byKey('topologyKey', ['topologyKey', 'whenUnsatisfiable']) },
  // Container
  { suffix: ['containers', 'ports'], meta: containerPorts },
  { suffix: ['initContainers', 'ports'], meta: containerPorts },
  { suffix: ['ephemeralContainers', 'ports'], meta: containerPorts },
  { suffix: ['env'], meta: byKey('name') },
  { suffix: ['volumeMounts'], meta: byKey('mountPath') },
  { suffix: ['volumeDevices'], meta: byKey('devicePath') },
  // Services, service accounts, nodes
  { suffix: ['spec', 'ports'], meta: byKey('port', ['port', 'protocol'], { protocol: 'TCP' }), kinds: ['Service'] },
  { suffix: ['secrets'], meta: byKey('name'), kinds: ['ServiceAccount'] },
  { suffix: ['spec', 'podCIDRs'], meta: set, kinds: ['Node'] },
  { suffix: ['status', 'addresses'], meta: byKey('type'), kinds: ['Node'] },
  { suffix: ['status', 'podIPs'], meta: byKey('ip') },
  { suffix: ['status', 'hostIPs'], meta: byKey('ip') },
  // Job conditions are atomic; every other built-in status keys its conditions by type.
  { suffix: ['status', 'conditions'], meta: { listType: 'atomic' }, kinds: ['Job'] },
  { suffix: ['status', 'conditions'], meta: byKey('type') },
  // Deployment strategy clears the other keys when its type changes.
  { suffix: ['spec', 'strategy'], meta: { strategy: 'retainKeys' }, kinds: ['Deployment'] },
  // Objects Kubernetes marks atomic: label selectors and key selectors.
  { suffix: ['selector'], meta: atomicMap },
  { suffix: ['namespaceSelector'], meta: atomicMap },
  { suffix: ['podSelector'], meta: atomicMap },
  { suffix: ['labelSelector'], meta: atomicMap },
  { suffix: ['configMapKeyRef'], meta: atomicMap },
  { suffix: ['secretKeyRef'], meta: atomicMap },
  { suffix: ['fieldRef'], meta: atomicMap },
  { suffix: ['resourceFieldRef'], meta: atomicMap },
  { suffix: ['nodeAffinity', 'requiredDuringSchedulingIgnoredDuringExecution'], meta: atomicMap },
];

function endsWith(path: readonly string[], suffix: string[]): boolean {
  if (suffix.length > path.length) return false;
  const off = path.length - suffix.length;
  return suffix.every((s, i) => path[off + i] === s);
}

/** The fallback table as a lookup for one kind. */
export function builtinPatchMeta(kind: string): PatchMetaLookup {
  const rules = RULES.filter((r) => !r.kinds || r.kinds.includes(kind));
  return (path) => rules.find((r) => endsWith(path, r.suffix))?.meta;
}

/** Tries each lookup in turn (schema first, then the table). */
export function chainPatchMeta(...lookups: PatchMetaLookup[]): PatchMetaLookup {
  return (path) => {
    for (const l of lookups) {
      const m = l(path);
      if (m) return m;
    }
    return undefined;
  };
}

// ---- derived views used by both strategic merge and apply ----

export function strategies(m: PatchMeta | undefined): string[] {
  return (m?.strategy ?? '').split(',').filter(Boolean);
}

export type ListKind = 'atomic' | 'set' | 'map';

/** How server-side apply treats a list: explicit listType, else from the strategic tags. */
export function listKind(m: PatchMeta | undefined): ListKind {
  if (m?.listType === 'set' || m?.listType === 'map' || m?.listType === 'atomic') return m.listType;
  if (m?.listMapKeys?.length || m?.mergeKey) return 'map';
  if (strategies(m).includes('merge')) return 'set';
  return 'atomic';
}

export function listKeys(m: PatchMeta | undefined): string[] {
  if (m?.listMapKeys?.length) return m.listMapKeys;
  return m?.mergeKey ? [m.mergeKey] : [];
}
