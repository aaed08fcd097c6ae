// storage.k8s.io/v1 StorageClasses, scheduling.k8s.io PriorityClasses, coordination.k8s.io Leases.
import { field, type FieldError } from '../errors.js';
import type { KubeObject } from '../object.js';
import { deepEqual, eachInvalid, enumValue, immutable, num } from './access.js';
import { isQualifiedName } from './names.js';

export function validateStorageClass(o: KubeObject): FieldError[] {
  const errs: FieldError[] = [];
  const prov = typeof o.provisioner === 'string' ? o.provisioner : '';
  if (!prov) errs.push(field.required('provisioner', ''));
  else errs.push(...eachInvalid('provisioner', prov.toLowerCase(), isQualifiedName(prov.toLowerCase())));
  if (o.reclaimPolicy !== undefined && o.reclaimPolicy !== '') errs.push(...enumValue(o.reclaimPolicy, 'reclaimPolicy', ['Delete', 'Retain']));
  errs.push(...enumValue(o.volumeBindingMode, 'volumeBindingMode', ['Immediate', 'WaitForFirstConsumer']));
  return errs;
}

export function validateStorageClassUpdate(o: KubeObject, old: KubeObject): FieldError[] {
  const errs: FieldError[] = [];
  if (!deepEqual(o.parameters, old.parameters)) errs.push(field.forbidden('parameters', 'updates to parameters are forbidden.'));
  if (o.provisioner !== old.provisioner) errs.push(field.forbidden('provisioner', 'updates to provisioner are forbidden.'));
  if (o.reclaimPolicy !== old.reclaimPolicy) errs.push(field.forbidden('reclaimPolicy', 'updates to reclaimPolicy are forbidden.'));
  errs.push(...immutable(o.volumeBindingMode, old.volumeBindingMode, 'volumeBindingMode'));
  return errs;
}

const SYSTEM_CLASSES: Record<string, number> = { 'system-node-critical': 2000001000, 'system-cluster-critical': 2000000000 };
const HIGHEST_USER_PRIORITY = 1000000000;

export function validatePriorityClass(o: KubeObject): FieldError[] {
  const errs: FieldError[] = [];
  const name = o.metadata?.name ?? '';
  const value = num(o.value) ?? 0;
  if (name.startsWith('system-')) {
    const known = SYSTEM_CLASSES[name];
    const why =
      known === undefined ? `${name} is not a known system priority class` : known !== value ? `value of ${name} PriorityClass must be ${known}` : '';
    if (why) errs.push(field.forbidden('metadata.name', `priority class names with 'system-' prefix are reserved for system use only. error: ${why}`));
  } else if (value > HIGHEST_USER_PRIORITY) {
    errs.push(field.forbidden('value', `maximum allowed value of a user defined priority is ${HIGHEST_USER_PRIORITY}`));
  }
  if (o.preemptionPolicy !== undefined && o.preemptionPolicy !== null)
    errs.push(...enumValue(o.preemptionPolicy, 'preemptionPolicy', ['Never', 'PreemptLowerPriority']));
  return errs;
}

export function validatePriorityClassUpdate(o: KubeObject, old: KubeObject): FieldError[] {
  const errs: FieldError[] = [];
  if ((num(o.value) ?? 0) !== (num(old.value) ?? 0)) errs.push(field.forbidden('value', 'may not be changed in an update.'));
  errs.push(...immutable(o.preemptionPolicy, old.preemptionPolicy, 'preemptionPolicy'));
  return errs;
}

export function validateLease(o: KubeObject): FieldError[] {
  const s = (o.spec ?? {}) as Record<string, unknown>;
  const errs: FieldError[] = [];
  const d = num(s.leaseDurationSeconds);
  if (d !== undefined && d <= 0) errs.push(field.invalid('spec.leaseDurationSeconds', d, 'must be greater than 0'));
  const t = num(s.leaseTransitions);
  if (t !== undefined && t < 0) errs.push(field.invalid('spec.leaseTransitions', t, 'must be greater than or equal to 0'));
  return errs;
}
