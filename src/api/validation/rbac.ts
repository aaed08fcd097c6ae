// rbac.authorization.k8s.io/v1: Roles, ClusterRoles and their bindings.
import { field, type FieldError } from '../errors.js';
import type { KubeObject } from '../object.js';
import { arr, eachInvalid, GoLiteral, rec, str, type Obj } from './access.js';
import { isDNS1123Subdomain, isValidPathSegmentName } from './names.js';
import { validateLabelSelector } from './selector.js';

const RBAC_GROUP = 'rbac.authorization.k8s.io';

function validateRule(r: Obj, p: string, namespaced: boolean): FieldError[] {
  const errs: FieldError[] = [];
  if (arr(r.verbs).length === 0) errs.push(field.required(`${p}.verbs`, 'verbs must contain at least one value'));
  const urls = arr(r.nonResourceURLs);
  if (urls.length > 0) {
    if (namespaced) errs.push(field.invalid(`${p}.nonResourceURLs`, urls, 'namespaced rules cannot apply to non-resource URLs'));
    if (arr(r.apiGroups).length > 0 || arr(r.resources).length > 0 || arr(r.resourceNames).length > 0)
      errs.push(field.invalid(`${p}.nonResourceURLs`, urls, 'rules cannot apply to both regular resources and non-resource URLs'));
    return errs;
  }
  if (arr(r.apiGroups).length === 0) errs.push(field.required(`${p}.apiGroups`, 'resource rules must supply at least one api group'));
  if (arr(r.resources).length === 0) errs.push(field.required(`${p}.resources`, 'resource rules must supply at least one resource'));
  return errs;
}

export const validateRole = (o: KubeObject): FieldError[] =>
  arr(o.rules).flatMap((r, i) => validateRule(rec(r) ?? {}, `rules[${i}]`, true));

export function validateClusterRole(o: KubeObject): FieldError[] {
  const errs = arr(o.rules).flatMap((r, i) => validateRule(rec(r) ?? {}, `rules[${i}]`, false));
  const agg = rec(o.aggregationRule);
  if (agg) {
    const sels = arr(agg.clusterRoleSelectors);
    if (sels.length === 0)
      errs.push(field.required('aggregationRule.clusterRoleSelectors', 'at least one clusterRoleSelector required if aggregationRule is non-nil'));
    sels.forEach((s, i) => errs.push(...validateLabelSelector(s, `aggregationRule.clusterRoleSelectors[${i}]`)));
  }
  return errs;
}

function validateSubject(s: Obj, p: string, namespaced: boolean): FieldError[] {
  const errs: FieldError[] = [];
  const name = str(s.name) ?? '';
  if (!name) errs.push(field.required(`${p}.name`, ''));
  const group = str(s.apiGroup) ?? '';
  switch (s.kind) {
    case 'ServiceAccount':
      if (name) errs.push(...eachInvalid(`${p}.name`, name, isDNS1123Subdomain(name)));
      if (group) errs.push(field.notSupported(`${p}.apiGroup`, group, ['']));
      if (!namespaced && !str(s.namespace)) errs.push(field.required(`${p}.namespace`, ''));
      break;
    case 'User':
    case 'Group':
      if (group !== RBAC_GROUP) errs.push(field.notSupported(`${p}.apiGroup`, group, [RBAC_GROUP]));
      break;
    default:
      errs.push(field.notSupported(`${p}.kind`, s.kind ?? '', ['ServiceAccount', 'User', 'Group']));
  }
  return errs;
}

function validateBinding(o: KubeObject, kinds: string[], namespaced: boolean): FieldError[] {
  const ref = rec(o.roleRef) ?? {};
  const errs: FieldError[] = [];
  if (ref.apiGroup !== RBAC_GROUP) errs.push(field.notSupported('roleRef.apiGroup', ref.apiGroup ?? '', [RBAC_GROUP]));
  if (!kinds.includes(String(ref.kind))) errs.push(field.notSupported('roleRef.kind', ref.kind ?? '', kinds));
  const name = str(ref.name) ?? '';
  if (!name) errs.push(field.required('roleRef.name', ''));
  else errs.push(...eachInvalid('roleRef.name', name, isValidPathSegmentName(name)));
  arr(o.subjects).forEach((s, i) => errs.push(...validateSubject(rec(s) ?? {}, `subjects[${i}]`, namespaced)));
  return errs;
}

export const validateRoleBinding = (o: KubeObject) => validateBinding(o, ['Role', 'ClusterRole'], true);
export const validateClusterRoleBinding = (o: KubeObject) => validateBinding(o, ['ClusterRole'], false);

export function validateRoleRefUpdate(o: KubeObject, old: KubeObject): FieldError[] {
  const a = rec(o.roleRef) ?? {};
  const b = rec(old.roleRef) ?? {};
  if (a.apiGroup === b.apiGroup && a.kind === b.kind && a.name === b.name) return [];
  const lit = `rbac.RoleRef{APIGroup:${JSON.stringify(String(a.apiGroup ?? ''))}, Kind:${JSON.stringify(String(a.kind ?? ''))}, Name:${JSON.stringify(String(a.name ?? ''))}}`;
  return [field.invalid('roleRef', new GoLiteral(lit), 'cannot change roleRef')];
}
