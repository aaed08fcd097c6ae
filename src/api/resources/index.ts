// The built-in resource types of Kubernetes 1.33 that Tugboat serves, and the registry that looks them up.
import type { ResourceInfo } from '../resource.js';
import { appsResources } from './apps.js';
import { authenticationResources, authorizationResources } from './auth.js';
import { autoscalingResources } from './autoscaling.js';
import { batchResources } from './batch.js';
import { coordinationResources, discoveryResources, eventsResources, schedulingResources } from './cluster.js';
import { coreResources } from './core.js';
import { admissionregistrationResources, apiextensionsResources } from './extensions.js';
import { metricsResources } from './metrics.js';
import { networkingResources } from './networking.js';
import { policyResources } from './policy.js';
import { rbacResources } from './rbac.js';
import { storageResources } from './storage.js';

export { ResourceRegistry, type GroupInfo } from './registry.js';
export { compareGroups, compareVersions, groupPriority, CUSTOM_GROUP_PRIORITY } from './order.js';

export const builtinResources: readonly ResourceInfo[] = [
  ...coreResources,
  ...appsResources,
  ...eventsResources,
  ...authenticationResources,
  ...authorizationResources,
  ...autoscalingResources,
  ...batchResources,
  ...networkingResources,
  ...policyResources,
  ...rbacResources,
  ...storageResources,
  ...admissionregistrationResources,
  ...apiextensionsResources,
  ...schedulingResources,
  ...coordinationResources,
  ...discoveryResources,
  ...metricsResources,
];
