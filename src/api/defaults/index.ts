// Defaulting of built-in types (STUB: the validation engineer fills this in).
import type { KubeObject } from '../object.js';
import type { ResourceInfo } from '../resource.js';

/** Fill in the fields Kubernetes defaults (in place). */
export function applyDefaults(_info: ResourceInfo, _obj: KubeObject): void {}
