// CustomResourceDefinitions: what a CRD makes the server serve, the status the server gives it
// (NamesAccepted, Established), and keeping the registry in step with the stored CRDs.
import { field, type FieldError } from '../../api/errors.js';
import type { KubeObject } from '../../api/object.js';
import { isPlainObject } from '../../api/object.js';
import { ALL_VERBS, type ResourceInfo, type SubresourceInfo } from '../../api/resource.js';
import type { Store } from '../../store/types.js';
import type { Logger } from '../../util/logger.js';
import { timestamp } from '../object-meta.js';
import type { CustomVersion, ResourceRegistry, Served } from '../registry.js';
import type { Schema } from './schema.js';

export const CRD_PREFIX = '/registry/apiextensions.k8s.io/customresourcedefinitions/';

interface CrdSpec {
  group?: string;
  scope?: string;
  names?: { plural?: string; singular?: string; kind?: string; listKind?: string; shortNames?: string[]; categories?: string[] };
  versions?: {
    name?: string;
    served?: boolean;
    storage?: boolean;
    schema?: { openAPIV3Schema?: Schema };
    subresources?: { status?: object; scale?: { specReplicasPath?: string; statusReplicasPath?: string; labelSelectorPath?: string } };
    additionalPrinterColumns?: { name: string; type: string; format?: string; description?: string; priority?: number; jsonPath: string }[];
  }[];
}

const specOf = (crd: KubeObject): CrdSpec => (isPlainObject(crd.spec) ? (crd.spec as CrdSpec) : {});

export function validateCrd(crd: KubeObject): FieldError[] {
  const s = specOf(crd);
  const errs: FieldError[] = [];
  const plural = s.names?.plural ?? '';
  const group = s.group ?? '';
  if (!group) errs.push(field.required('spec.group'));
  if (!plural) errs.push(field.required('spec.names.plural'));
  if (!s.names?.kind) errs.push(field.required('spec.names.kind'));
  if (s.scope !== 'Namespaced' && s.scope !== 'Cluster') errs.push(field.notSupported('spec.scope', s.scope ?? '', ['Cluster', 'Namespaced']));
  const name = crd.metadata?.name ?? '';
  if (plural && group && name !== `${plural}.${group}`) {
    errs.push(field.invalid('metadata.name', name, `must be spec.names.plural+"."+spec.group`));
  }
  const versions = s.versions ?? [];
  if (versions.length === 0) errs.push(field.required('spec.versions', 'must have exactly one version marked as storage version'));
  else if (versions.filter((v) => v.storage).length !== 1) {
    errs.push(field.invalid('spec.versions', versions.map((v) => v.name), 'must have exactly one version marked as storage version'));
  }
  versions.forEach((v, i) => {
    const root = v.schema?.openAPIV3Schema;
    if (root !== undefined) errs.push(...schemaTypeErrors(root, `spec.versions[${i}].schema.openAPIV3Schema`));
  });
  return errs;
}

const OPENAPI_TYPES = ['array', 'boolean', 'integer', 'number', 'object', 'string'];

/** Every node of a CRD schema names one of the OpenAPI v3 types (or none). */
function schemaTypeErrors(s: unknown, path: string, depth = 0): FieldError[] {
  if (!isPlainObject(s) || depth > 64) return [];
  const errs: FieldError[] = [];
  const t = s['type'];
  if (t !== undefined && t !== '' && (typeof t !== 'string' || !OPENAPI_TYPES.includes(t))) {
    errs.push(field.notSupported(`${path}.type`, t, OPENAPI_TYPES));
  }
  const props = s['properties'];
  if (isPlainObject(props)) {
    for (const [k, p] of Object.entries(props)) errs.push(...schemaTypeErrors(p, `${path}.properties[${k}]`, depth + 1));
  }
  errs.push(...schemaTypeErrors(s['items'], `${path}.items`, depth + 1));
  errs.push(...schemaTypeErrors(s['additionalProperties'], `${path}.additionalProperties`, depth + 1));
  return errs;
}

/** The status Kubernetes' CRD controllers would write: accepted names and Established. */
export function establish(crd: KubeObject, now: Date): void {
  const s = specOf(crd);
  const t = timestamp(now);
  const names = { ...s.names, singular: s.names?.singular ?? (s.names?.kind ?? '').toLowerCase(), listKind: s.names?.listKind ?? `${s.names?.kind ?? ''}List` };
  crd.status = {
    acceptedNames: names,
    conditions: [
      { type: 'NamesAccepted', status: 'True', lastTransitionTime: t, reason: 'NoConflicts', message: 'no conflicts found' },
      { type: 'Established', status: 'True', lastTransitionTime: t, reason: 'InitialNamesAccepted', message: 'the initial names have been accepted' },
    ],
    storedVersions: (s.versions ?? []).filter((v) => v.storage).map((v) => v.name ?? ''),
  };
}

/** What a CRD serves. Versions with served=false are left out; the storage version is listed first. */
export function servedFromCrd(crd: KubeObject): Served | undefined {
  const s = specOf(crd);
  if (!s.group || !s.names?.plural || !s.names.kind || crd.metadata?.deletionTimestamp) return undefined;
  const versions = (s.versions ?? []).filter((v) => v.served !== false && v.name);
  if (versions.length === 0) return undefined;
  versions.sort((a, b) => Number(b.storage === true) - Number(a.storage === true));
  const cv = new Map<string, CustomVersion>();
  for (const v of versions) {
    const c: CustomVersion = {
      name: v.name!,
      printerColumns: v.additionalPrinterColumns ?? [],
      status: v.subresources?.status !== undefined,
    };
    if (v.schema?.openAPIV3Schema) c.schema = v.schema.openAPIV3Schema as Record<string, unknown>;
    const sc = v.subresources?.scale;
    if (sc?.specReplicasPath && sc.statusReplicasPath) {
      c.scale = { specReplicasPath: sc.specReplicasPath, statusReplicasPath: sc.statusReplicasPath };
      if (sc.labelSelectorPath) c.scale.labelSelectorPath = sc.labelSelectorPath;
    }
    cv.set(v.name!, c);
  }
  const first = cv.get(versions[0]!.name!)!;
  const subresources: SubresourceInfo[] = [];
  if (first.status) subresources.push({ name: 'status', kind: s.names.kind, verbs: ['get', 'patch', 'update'] });
  if (first.scale) subresources.push({ name: 'scale', kind: 'Scale', group: 'autoscaling', version: 'v1', verbs: ['get', 'patch', 'update'] });
  const info: ResourceInfo = {
    group: s.group,
    versions: versions.map((v) => v.name!),
    kind: s.names.kind,
    listKind: s.names.listKind ?? `${s.names.kind}List`,
    plural: s.names.plural,
    singular: s.names.singular ?? s.names.kind.toLowerCase(),
    namespaced: s.scope !== 'Cluster',
    verbs: ALL_VERBS,
    subresources,
  };
  if (s.names.shortNames) info.shortNames = s.names.shortNames;
  if (s.names.categories) info.categories = s.names.categories;
  return { info, custom: { crd, versions: cv } };
}

/** Brings the registry in line with one CRD's new state (undefined: deleted). */
export function syncCrd(registry: ResourceRegistry, crd: KubeObject | undefined, old?: KubeObject): void {
  const before = old ? servedFromCrd(old) : undefined;
  const now = crd ? servedFromCrd(crd) : undefined;
  if (before && (!now || before.info.group !== now.info.group || before.info.plural !== now.info.plural)) {
    registry.removeCustom(before.info.group, before.info.plural);
  }
  if (now) registry.setCustom(now);
  else if (crd) {
    const s = specOf(crd);
    if (s.group && s.names?.plural) registry.removeCustom(s.group, s.names.plural);
  }
}

/**
 * Loads every stored CRD and follows changes, so CRDs written through another API server (several servers
 * over etcd) are served here too. Returns when the initial load is done.
 */
export async function followCrds(store: Store, registry: ResourceRegistry, logger: Logger, signal: AbortSignal): Promise<void> {
  const page = await store.range(CRD_PREFIX);
  const known = new Map<string, KubeObject>();
  for (const kv of page.kvs) {
    const crd = JSON.parse(kv.value) as KubeObject;
    known.set(kv.key, crd);
    syncCrd(registry, crd);
  }
  void (async () => {
    const w = store.watch(CRD_PREFIX, { afterRevision: page.revision, signal });
    for await (const ev of w) {
      const crd = ev.kv ? (JSON.parse(ev.kv.value) as KubeObject) : undefined;
      syncCrd(registry, crd, known.get(ev.key) ?? (ev.prev ? (JSON.parse(ev.prev.value) as KubeObject) : undefined));
      if (crd) known.set(ev.key, crd);
      else known.delete(ev.key);
    }
  })().catch((e: unknown) => {
    if (!signal.aborted) logger.error('crd watch ended', { err: e });
  });
}
