// Schemas of the built-in types (STUB: the schema engineer fills this from one well-kept schema source).
import type { FieldError } from '../errors.js';
import type { ResourceInfo } from '../resource.js';

/**
 * Strict decoding (fieldValidation=Strict): the paths of fields the type does not have, in Kubernetes' form
 * ("spec.foo", "spec.containers[0].imagePullPolice"). Empty when everything is known.
 */
export function unknownFields(_info: ResourceInfo, _version: string, _obj: unknown): string[] {
  return [];
}

/** Values of the wrong type (a string where an integer goes...) as field errors. */
export function typeErrors(_info: ResourceInfo, _version: string, _obj: unknown): FieldError[] {
  return [];
}
