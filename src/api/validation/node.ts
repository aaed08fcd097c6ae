// node.k8s.io/v1 RuntimeClass: the handler names a runtime configuration on the nodes (a DNS label), fixed once set.
import { field, type FieldError } from '../errors.js';
import type { KubeObject } from '../object.js';
import { eachInvalid, immutable, str } from './access.js';
import { isDNS1123Label } from './names.js';

export function validateRuntimeClass(o: KubeObject): FieldError[] {
  const handler = str(o['handler']) ?? '';
  if (!handler) return [field.required('handler', '')];
  return eachInvalid('handler', handler, isDNS1123Label(handler));
}

export const validateRuntimeClassUpdate = (o: KubeObject, old: KubeObject): FieldError[] => immutable(o['handler'], old['handler'], 'handler');
