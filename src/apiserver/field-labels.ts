// The fields each type can be selected by (Kubernetes' per-type GetAttrs / field label conversions).
// metadata.name and metadata.namespace work for every type.
import { errors } from '../api/errors.js';
import type { KubeObject } from '../api/object.js';
import type { FieldRequirement } from './selectors.js';

type Getter = (o: KubeObject) => string;

const str = (v: unknown): string => (v === undefined || v === null ? '' : String(v));
const at = (o: unknown, ...path: string[]): unknown => {
  let cur = o;
  for (const p of path) cur = typeof cur === 'object' && cur !== null ? (cur as Record<string, unknown>)[p] : undefined;
  return cur;
};
const f = (...path: string[]): Getter => (o) => str(at(o, ...path));

const BY_RESOURCE: Record<string, Record<string, Getter>> = {
  '/pods': {
    'spec.nodeName': f('spec', 'nodeName'),
    'spec.restartPolicy': f('spec', 'restartPolicy'),
    'spec.schedulerName': f('spec', 'schedulerName'),
    'spec.serviceAccountName': f('spec', 'serviceAccountName'),
    'spec.hostNetwork': (o) => String(at(o, 'spec', 'hostNetwork') === true),
    'status.phase': f('status', 'phase'),
    'status.podIP': f('status', 'podIP'),
    'status.nominatedNodeName': f('status', 'nominatedNodeName'),
  },
  '/events': {
    'involvedObject.kind': f('involvedObject', 'kind'),
    'involvedObject.namespace': f('involvedObject', 'namespace'),
    'involvedObject.name': f('involvedObject', 'name'),
    'involvedObject.uid': f('involvedObject', 'uid'),
    'involvedObject.apiVersion': f('involvedObject', 'apiVersion'),
    'involvedObject.resourceVersion': f('involvedObject', 'resourceVersion'),
    'involvedObject.fieldPath': f('involvedObject', 'fieldPath'),
    reason: f('reason'),
    reportingComponent: f('reportingComponent'),
    source: f('source', 'component'),
    type: f('type'),
  },
  'events.k8s.io/events': {
    'regarding.kind': f('regarding', 'kind'),
    'regarding.namespace': f('regarding', 'namespace'),
    'regarding.name': f('regarding', 'name'),
    'regarding.uid': f('regarding', 'uid'),
    reason: f('reason'),
    reportingController: f('reportingController'),
    type: f('type'),
  },
  '/secrets': { type: f('type') },
  '/namespaces': { 'status.phase': f('status', 'phase') },
  '/nodes': { 'spec.unschedulable': (o) => String(at(o, 'spec', 'unschedulable') === true) },
  '/replicationcontrollers': { 'status.replicas': f('status', 'replicas') },
  'apps/replicasets': { 'status.replicas': f('status', 'replicas') },
  'batch/jobs': { 'status.successful': f('status', 'successful') },
  '/services': { 'spec.clusterIP': f('spec', 'clusterIP'), 'spec.type': f('spec', 'type') },
  'certificates.k8s.io/certificatesigningrequests': { 'spec.signerName': f('spec', 'signerName') },
};

/**
 * Kubernetes' words differ by type: types that register their own field label conversion (those in
 * BY_RESOURCE) say "field label not supported"; the rest fall back to apimachinery's default conversion.
 */
function unsupported(group: string, plural: string, label: string): string {
  if (BY_RESOURCE[`${group}/${plural}`]) return `field label not supported: ${label}`;
  return `"${label}" is not a known field selector: only "metadata.name", "metadata.namespace"`;
}

/** Checks every field is selectable on this type and returns a matcher. */
export function fieldMatcher(group: string, plural: string, reqs: FieldRequirement[]): (o: KubeObject) => boolean {
  const extra = BY_RESOURCE[`${group}/${plural}`] ?? {};
  const getters = reqs.map((r) => {
    const g: Getter | undefined =
      r.field === 'metadata.name'
        ? (o) => str(o.metadata?.name)
        : r.field === 'metadata.namespace'
          ? (o) => str(o.metadata?.namespace)
          : extra[r.field];
    if (!g) throw errors.badRequest(unsupported(group, plural, r.field));
    return { g, r };
  });
  return (o) => getters.every(({ g, r }) => (r.op === '=' ? g(o) === r.value : g(o) !== r.value));
}
