// The admission chain, in Kubernetes' plugin order (NamespaceLifecycle runs before it, in handlers/create.ts):
// LimitRanger, ServiceAccount, Priority, DefaultTolerationSeconds, DefaultStorageClass, DefaultIngressClass. Each plugin decides for itself which writes it cares for.
import { defaultStorageClass } from './default-storage-class.js';
import { defaultIngressClass } from './default-ingress-class.js';
import { defaultTolerationSeconds } from './default-toleration-seconds.js';
import { limitRanger } from './limit-ranger.js';
import { priorityAdmission } from './priority.js';
import { serviceAccountAdmission } from './service-account.js';
import type { AdmissionPlugin, AdmissionRequest } from './types.js';

export const ADMISSION_PLUGINS: readonly AdmissionPlugin[] = [limitRanger, serviceAccountAdmission, priorityAdmission, defaultTolerationSeconds, defaultStorageClass, defaultIngressClass];

const WATCHED = new Set(['/pods', 'scheduling.k8s.io/priorityclasses', '/persistentvolumeclaims', 'networking.k8s.io/ingresses']);

/** Runs every plugin in order; the first refusal (a thrown ApiError) stops the write. */
export async function runAdmission(a: AdmissionRequest, plugins: readonly AdmissionPlugin[] = ADMISSION_PLUGINS): Promise<void> {
  if (!WATCHED.has(`${a.group}/${a.resource}`)) return;
  for (const p of plugins) await p.admit(a);
}

export { DEFAULT_ADMISSION, type AdmissionConfig, type AdmissionPlugin, type AdmissionRequest } from './types.js';
export { ensureSystemPriorityClasses, SYSTEM_PRIORITY_CLASSES } from './system-priority-classes.js';
