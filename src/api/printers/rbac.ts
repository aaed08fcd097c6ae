// rbac.authorization.k8s.io/v1: bindings get ROLE and subjects; Roles and ClusterRoles have no printer in
// Kubernetes and print NAME / CREATED AT.
import type { KubeObject } from '../object.js';
import { AGE, NAME, col, wide } from './columns.js';
import { age, obj, objs, str } from './format.js';
import type { Printer } from './types.js';

/** Users, groups and service accounts ("namespace/name") of a binding, as rbac.SubjectsStrings. */
export function subjectsStrings(o: KubeObject): { users: string[]; groups: string[]; serviceAccounts: string[] } {
  const users: string[] = [];
  const groups: string[] = [];
  const serviceAccounts: string[] = [];
  for (const s of objs(o.subjects)) {
    if (s.kind === 'User') users.push(str(s.name));
    else if (s.kind === 'Group') groups.push(str(s.name));
    else if (s.kind === 'ServiceAccount') serviceAccounts.push(`${str(s.namespace)}/${str(s.name)}`);
  }
  return { users, groups, serviceAccounts };
}

function bindingPrinter(what: string): Printer {
  return {
    columns: [
      NAME,
      col('Role', 'string', 'RoleRef can reference a Role in the current namespace or a ClusterRole in the global namespace.'),
      AGE,
      wide('Users', 'string', `Users in the ${what}`),
      wide('Groups', 'string', `Groups in the ${what}`),
      wide('ServiceAccounts', 'string', `ServiceAccounts in the ${what}`),
    ],
    cells(o, now) {
      const ref = obj(o.roleRef);
      const s = subjectsStrings(o);
      return [o.metadata?.name ?? '', `${str(ref.kind)}/${str(ref.name)}`, age(o.metadata?.creationTimestamp, now), s.users.join(', '), s.groups.join(', '), s.serviceAccounts.join(', ')];
    },
  };
}

export const roleBindingPrinter = bindingPrinter('roleBinding');
export const clusterRoleBindingPrinter = bindingPrinter('clusterRoleBinding');
