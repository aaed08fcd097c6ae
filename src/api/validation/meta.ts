// ObjectMeta rules (apimachinery's api/validation/objectmeta.go and meta/v1/validation), shared by every type.
import { field, type FieldError } from '../errors.js';
import type { ObjectMeta } from '../object.js';
import { arr, immutable, rec, str, strMap } from './access.js';
import { isQualifiedName, isValidLabelValue, validateNamespaceName, type NameFn } from './names.js';

export const TOTAL_ANNOTATION_SIZE_LIMIT = 256 * 1024;

export function validateLabels(labels: unknown, path: string): FieldError[] {
  const errs: FieldError[] = [];
  for (const [k, v] of Object.entries(strMap(labels))) {
    for (const m of isQualifiedName(k)) errs.push(field.invalid(path, k, m));
    if (typeof v !== 'string') {
      errs.push(field.invalid(path, v, 'must be a string'));
      continue;
    }
    for (const m of isValidLabelValue(v)) errs.push(field.invalid(path, v, m));
  }
  return errs;
}

export function validateAnnotations(annotations: unknown, path: string): FieldError[] {
  const errs: FieldError[] = [];
  let size = 0;
  for (const [k, v] of Object.entries(strMap(annotations))) {
    // The rule is a qualified name, but case does not matter.
    for (const m of isQualifiedName(k.toLowerCase())) errs.push(field.invalid(path, k, m));
    size += Buffer.byteLength(k) + Buffer.byteLength(String(v ?? ''));
  }
  if (size > TOTAL_ANNOTATION_SIZE_LIMIT) errs.push(field.tooLong(path, TOTAL_ANNOTATION_SIZE_LIMIT));
  return errs;
}

export function validateOwnerReferences(refs: unknown, path: string): FieldError[] {
  const errs: FieldError[] = [];
  let firstController = '';
  for (const r of arr(refs)) {
    const ref = rec(r) ?? {};
    const apiVersion = str(ref.apiVersion) ?? '';
    const version = apiVersion.includes('/') ? apiVersion.slice(apiVersion.lastIndexOf('/') + 1) : apiVersion;
    if (!version) errs.push(field.invalid(`${path}.apiVersion`, apiVersion, 'version must not be empty'));
    if (!str(ref.kind)) errs.push(field.invalid(`${path}.kind`, str(ref.kind) ?? '', 'must not be empty'));
    if (!str(ref.name)) errs.push(field.invalid(`${path}.name`, str(ref.name) ?? '', 'must not be empty'));
    if (!str(ref.uid)) errs.push(field.invalid(`${path}.uid`, str(ref.uid) ?? '', 'must not be empty'));
    if (apiVersion === 'v1' && ref.kind === 'Event')
      errs.push(field.invalid(path, `${ref.kind}/${ref.name}`, '/v1, Kind=Event is disallowed from being an owner'));
    if (ref.controller === true) {
      const cur = `${ref.kind}/${ref.name}`;
      if (firstController)
        errs.push(
          field.invalid(path, refs, `Only one reference can have Controller set to true. Found "true" in references for ${firstController} and ${cur}`),
        );
      else firstController = cur;
    }
  }
  return errs;
}

const standardFinalizers = new Set(['kubernetes', 'orphan', 'foregroundDeletion']);

export function validateFinalizers(finalizers: unknown, path: string, kubeRules: boolean): FieldError[] {
  const errs: FieldError[] = [];
  const list = arr(finalizers).map(String);
  for (const f of list) for (const m of isQualifiedName(f)) errs.push(field.invalid(path, f, m));
  if (list.includes('orphan') && list.includes('foregroundDeletion'))
    errs.push(field.invalid(path, list, 'finalizer orphan and foregroundDeletion cannot be both set'));
  if (kubeRules) {
    // Built-in types also need a domain-qualified name unless the finalizer is one Kubernetes defines.
    list.forEach((f, i) => {
      if (!f.includes('/') && !standardFinalizers.has(f))
        errs.push(field.invalid(`${path}[${i}]`, f, 'name is neither a standard finalizer name nor is it fully qualified'));
    });
  }
  return errs;
}

export interface MetaOptions {
  namespaced: boolean;
  nameFn: NameFn;
  /** Built-in types add Kubernetes' finalizer rule; custom resources do not. */
  builtin?: boolean;
}

export function validateObjectMeta(meta: ObjectMeta | undefined, opts: MetaOptions, path = 'metadata'): FieldError[] {
  const m = meta ?? {};
  const errs: FieldError[] = [];
  if (m.generateName) for (const msg of opts.nameFn(m.generateName, true)) errs.push(field.invalid(`${path}.generateName`, m.generateName, msg));
  if (!m.name) errs.push(field.required(`${path}.name`, 'name or generateName is required'));
  else for (const msg of opts.nameFn(m.name, false)) errs.push(field.invalid(`${path}.name`, m.name, msg));
  errs.push(...validateMetaCommon(m, opts, path));
  return errs;
}

function validateMetaCommon(m: ObjectMeta, opts: MetaOptions, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (opts.namespaced) {
    if (!m.namespace) errs.push(field.required(`${path}.namespace`, ''));
    else for (const msg of validateNamespaceName(m.namespace, false)) errs.push(field.invalid(`${path}.namespace`, m.namespace, msg));
  } else if (m.namespace) {
    errs.push(field.forbidden(`${path}.namespace`, 'not allowed on this type'));
  }
  if (typeof m.generation === 'number' && m.generation < 0)
    errs.push(field.invalid(`${path}.generation`, m.generation, 'must be greater than or equal to 0'));
  errs.push(...validateLabels(m.labels, `${path}.labels`));
  errs.push(...validateAnnotations(m.annotations, `${path}.annotations`));
  errs.push(...validateOwnerReferences(m.ownerReferences, `${path}.ownerReferences`));
  errs.push(...validateFinalizers(m.finalizers, `${path}.finalizers`, opts.builtin ?? true));
  return errs;
}

/**
 * Metadata rules on update. Fields the server fills from the stored object (uid when absent,
 * creationTimestamp, deletion fields, generation, resourceVersion) are the server's to keep; checked here
 * are the ones a client can get wrong.
 */
export function validateObjectMetaUpdate(meta: ObjectMeta | undefined, old: ObjectMeta | undefined, opts: MetaOptions, path = 'metadata'): FieldError[] {
  const m = meta ?? {};
  const o = old ?? {};
  const errs: FieldError[] = [];
  if (o.deletionTimestamp) {
    const before = new Set(o.finalizers ?? []);
    const extra = [...new Set(m.finalizers ?? [])].filter((f) => !before.has(f)).sort();
    if (extra.length > 0)
      errs.push(
        field.forbidden(
          `${path}.finalizers`,
          `no new finalizers can be added if the object is being deleted, found new finalizers []string{${extra.map((f) => JSON.stringify(f)).join(', ')}}`,
        ),
      );
  }
  errs.push(...immutable(m.name ?? '', o.name ?? '', `${path}.name`));
  errs.push(...immutable(m.namespace ?? '', o.namespace ?? '', `${path}.namespace`));
  if (m.uid) errs.push(...immutable(m.uid, o.uid ?? '', `${path}.uid`));
  errs.push(...validateMetaCommon(m, { ...opts, namespaced: opts.namespaced && !!m.namespace }, path).filter((e) => !e.field.endsWith('.namespace')));
  return errs;
}
