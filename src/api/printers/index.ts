// Server-side printing: which Table columns each resource type gets, and its cells. kubectl prints exactly
// these, so they follow Kubernetes 1.33's printers (pkg/printers/internalversion) column for column.
// Kubernetes serves Tables with every column's cells filled in; kubectl hides priority-1 columns unless -o wide.
import type { KubeObject } from '../object.js';
import type { ResourceInfo } from '../resource.js';
import { validatingAdmissionPolicyBindingPrinter, validatingAdmissionPolicyPrinter, mutatingWebhookPrinter, validatingWebhookPrinter } from './admission.js';
import { controllerRevisionPrinter, daemonSetPrinter, deploymentPrinter, replicaSetPrinter, statefulSetPrinter } from './apps.js';
import { hpaPrinter } from './autoscaling.js';
import { cronJobPrinter, jobPrinter } from './batch.js';
import { leasePrinter, priorityClassPrinter, runtimeClassPrinter } from './cluster.js';
import { CREATED_DOC, NAME, col } from './columns.js';
import {
  componentStatusPrinter,
  configMapPrinter,
  endpointsPrinter,
  namespacePrinter,
  nodePrinter,
  persistentVolumeClaimPrinter,
  persistentVolumePrinter,
  replicationControllerPrinter,
  resourceQuotaPrinter,
  secretPrinter,
  serviceAccountPrinter,
  servicePrinter,
} from './core.js';
import { eventPrinter } from './events.js';
import { nodeMetricsPrinter, podMetricsPrinter } from './metrics.js';
import { endpointSlicePrinter, ingressClassPrinter, ingressPrinter, networkPolicyPrinter } from './networking.js';
import { podPrinter, podTemplatePrinter } from './pods.js';
import { pdbPrinter } from './policy.js';
import { clusterRoleBindingPrinter, roleBindingPrinter } from './rbac.js';
import { csiDriverPrinter, csiNodePrinter, storageClassPrinter, volumeAttachmentPrinter } from './storage.js';
import type { Printer } from './types.js';

export type { Printer, TableColumn, TableRowCondition } from './types.js';
export { buildTable, type IncludeObject, type Table, type TableOptions, type TableRow } from './table.js';
export { age, humanDuration } from './format.js';
export { customResourcePrinter, type PrinterColumnSpec } from './custom.js';
export { podSummary } from './pods.js';

/** Types Kubernetes has no printer for (roles, limit ranges, CRDs...): NAME and CREATED AT (an RFC 3339 date). */
export const defaultPrinter: Printer = {
  columns: [NAME, col('Created At', 'date', CREATED_DOC)],
  cells: (obj: KubeObject) => [obj.metadata?.name ?? '', obj.metadata?.creationTimestamp ?? ''],
};

/** Printers by "group/plural" ('' group for core). */
export const builtinPrinters: ReadonlyMap<string, Printer> = new Map<string, Printer>([
  ['/pods', podPrinter],
  ['/podtemplates', podTemplatePrinter],
  ['/services', servicePrinter],
  ['/endpoints', endpointsPrinter],
  ['/configmaps', configMapPrinter],
  ['/secrets', secretPrinter],
  ['/serviceaccounts', serviceAccountPrinter],
  ['/namespaces', namespacePrinter],
  ['/nodes', nodePrinter],
  ['/events', eventPrinter],
  ['/persistentvolumes', persistentVolumePrinter],
  ['/persistentvolumeclaims', persistentVolumeClaimPrinter],
  ['/replicationcontrollers', replicationControllerPrinter],
  ['/resourcequotas', resourceQuotaPrinter],
  ['/componentstatuses', componentStatusPrinter],
  ['apps/deployments', deploymentPrinter],
  ['apps/replicasets', replicaSetPrinter],
  ['apps/statefulsets', statefulSetPrinter],
  ['apps/daemonsets', daemonSetPrinter],
  ['apps/controllerrevisions', controllerRevisionPrinter],
  ['batch/jobs', jobPrinter],
  ['batch/cronjobs', cronJobPrinter],
  ['autoscaling/horizontalpodautoscalers', hpaPrinter],
  ['metrics.k8s.io/nodes', nodeMetricsPrinter],
  ['metrics.k8s.io/pods', podMetricsPrinter],
  ['networking.k8s.io/ingresses', ingressPrinter],
  ['networking.k8s.io/ingressclasses', ingressClassPrinter],
  ['node.k8s.io/runtimeclasses', runtimeClassPrinter],
  ['networking.k8s.io/networkpolicies', networkPolicyPrinter],
  ['discovery.k8s.io/endpointslices', endpointSlicePrinter],
  ['policy/poddisruptionbudgets', pdbPrinter],
  ['rbac.authorization.k8s.io/rolebindings', roleBindingPrinter],
  ['rbac.authorization.k8s.io/clusterrolebindings', clusterRoleBindingPrinter],
  ['storage.k8s.io/storageclasses', storageClassPrinter],
  ['storage.k8s.io/volumeattachments', volumeAttachmentPrinter],
  ['storage.k8s.io/csinodes', csiNodePrinter],
  ['storage.k8s.io/csidrivers', csiDriverPrinter],
  ['scheduling.k8s.io/priorityclasses', priorityClassPrinter],
  ['coordination.k8s.io/leases', leasePrinter],
  ['events.k8s.io/events', eventPrinter],
  ['admissionregistration.k8s.io/mutatingwebhookconfigurations', mutatingWebhookPrinter],
  ['admissionregistration.k8s.io/validatingwebhookconfigurations', validatingWebhookPrinter],
  ['admissionregistration.k8s.io/validatingadmissionpolicies', validatingAdmissionPolicyPrinter],
  ['admissionregistration.k8s.io/validatingadmissionpolicybindings', validatingAdmissionPolicyBindingPrinter],
]);

/**
 * The printer for a built-in type, by group and plural; defaultPrinter for the rest. Custom resources get
 * theirs from customResourcePrinter(additionalPrinterColumns of the served version).
 */
export function printerFor(info: Pick<ResourceInfo, 'group' | 'plural'>): Printer {
  return builtinPrinters.get(`${info.group}/${info.plural}`) ?? defaultPrinter;
}
