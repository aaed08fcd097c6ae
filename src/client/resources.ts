// Well-known ResourceRefs, so callers write `client.get(pods, ns, name)` instead of spelling groups and versions.
import type { ResourceRef } from './types.js';

const ref = (group: string, version: string, resource: string, namespaced: boolean): ResourceRef =>
  Object.freeze({ group, version, resource, namespaced });

// core/v1
export const pods = ref('', 'v1', 'pods', true);
export const nodes = ref('', 'v1', 'nodes', false);
export const namespaces = ref('', 'v1', 'namespaces', false);
export const services = ref('', 'v1', 'services', true);
export const endpoints = ref('', 'v1', 'endpoints', true);
export const configmaps = ref('', 'v1', 'configmaps', true);
export const secrets = ref('', 'v1', 'secrets', true);
export const serviceaccounts = ref('', 'v1', 'serviceaccounts', true);
export const events = ref('', 'v1', 'events', true);
export const replicationcontrollers = ref('', 'v1', 'replicationcontrollers', true);
export const persistentvolumes = ref('', 'v1', 'persistentvolumes', false);
export const persistentvolumeclaims = ref('', 'v1', 'persistentvolumeclaims', true);
export const limitranges = ref('', 'v1', 'limitranges', true);
export const resourcequotas = ref('', 'v1', 'resourcequotas', true);

// events.k8s.io/v1 (the newer Event shape; kubectl describe reads core/v1 events)
export const eventsV1 = ref('events.k8s.io', 'v1', 'events', true);

// apps/v1
export const deployments = ref('apps', 'v1', 'deployments', true);
export const replicasets = ref('apps', 'v1', 'replicasets', true);
export const statefulsets = ref('apps', 'v1', 'statefulsets', true);
export const daemonsets = ref('apps', 'v1', 'daemonsets', true);
export const controllerrevisions = ref('apps', 'v1', 'controllerrevisions', true);

// batch/v1
export const jobs = ref('batch', 'v1', 'jobs', true);
export const cronjobs = ref('batch', 'v1', 'cronjobs', true);

// discovery, policy, coordination, scheduling, autoscaling, networking, storage, rbac, apiextensions
export const endpointslices = ref('discovery.k8s.io', 'v1', 'endpointslices', true);
export const poddisruptionbudgets = ref('policy', 'v1', 'poddisruptionbudgets', true);
export const leases = ref('coordination.k8s.io', 'v1', 'leases', true);
export const priorityclasses = ref('scheduling.k8s.io', 'v1', 'priorityclasses', false);
export const horizontalpodautoscalers = ref('autoscaling', 'v2', 'horizontalpodautoscalers', true);
export const ingresses = ref('networking.k8s.io', 'v1', 'ingresses', true);
export const ingressclasses = ref('networking.k8s.io', 'v1', 'ingressclasses', false);
export const networkpolicies = ref('networking.k8s.io', 'v1', 'networkpolicies', true);
export const storageclasses = ref('storage.k8s.io', 'v1', 'storageclasses', false);
export const csinodes = ref('storage.k8s.io', 'v1', 'csinodes', false);
export const roles = ref('rbac.authorization.k8s.io', 'v1', 'roles', true);
export const rolebindings = ref('rbac.authorization.k8s.io', 'v1', 'rolebindings', true);
export const clusterroles = ref('rbac.authorization.k8s.io', 'v1', 'clusterroles', false);
export const clusterrolebindings = ref('rbac.authorization.k8s.io', 'v1', 'clusterrolebindings', false);
export const customresourcedefinitions = ref('apiextensions.k8s.io', 'v1', 'customresourcedefinitions', false);

/** "deployments.apps/v1"-style label for logs and maps. */
export function refString(r: ResourceRef): string {
  return r.group ? `${r.resource}.${r.group}/${r.version}` : `${r.resource}/${r.version}`;
}
