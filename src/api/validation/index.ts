// Validation of built-in types (STUB: the validation engineer fills this in).
import type { FieldError } from '../errors.js';
import type { KubeObject } from '../object.js';
import type { ResourceInfo } from '../resource.js';

/** Errors in an object about to be created. Metadata rules (names, labels...) included. */
export function validateCreate(_info: ResourceInfo, _obj: KubeObject): FieldError[] {
  return [];
}

/** Errors in an update, including changes to immutable fields. */
export function validateUpdate(_info: ResourceInfo, _obj: KubeObject, _old: KubeObject): FieldError[] {
  return [];
}
