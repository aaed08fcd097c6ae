// rbac.authorization.k8s.io/v1.
import type { ResourceInfo } from '../resource.js';
import { resource } from './define.js';

const rbac = { group: 'rbac.authorization.k8s.io', versions: ['v1'] };

export const rbacResources: readonly ResourceInfo[] = [
  resource({ ...rbac, kind: 'ClusterRoleBinding', plural: 'clusterrolebindings', namespaced: false }),
  resource({ ...rbac, kind: 'ClusterRole', plural: 'clusterroles', namespaced: false }),
  resource({ ...rbac, kind: 'RoleBinding', plural: 'rolebindings', namespaced: true }),
  resource({ ...rbac, kind: 'Role', plural: 'roles', namespaced: true }),
];
