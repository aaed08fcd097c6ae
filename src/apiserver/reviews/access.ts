// Access reviews (authorization.k8s.io/v1): SubjectAccessReview, LocalSubjectAccessReview,
// SelfSubjectAccessReview and SelfSubjectRulesReview, answered by the server's authorizer. `kubectl auth can-i`
// posts SelfSubjectAccessReviews (and SelfSubjectRulesReviews for --list).
import { errors, field, type FieldError } from '../../api/errors.js';
import type { KubeObject } from '../../api/object.js';
import { isPlainObject } from '../../api/object.js';
import type { Op } from '../handlers/common.js';
import type { RequestInfo, RequestVerb, UserInfo } from '../types.js';

type Obj = Record<string, unknown>;
const str = (v: unknown) => (typeof v === 'string' ? v : '');

/** The request a review asks about, in the shape the authorizer takes. */
function attributesToInfo(spec: Obj): RequestInfo {
  const ra = spec['resourceAttributes'];
  if (isPlainObject(ra)) {
    const info: RequestInfo = {
      isResource: true,
      path: '',
      method: '',
      verb: str(ra['verb']) as RequestVerb,
      apiPrefix: str(ra['group']) ? 'apis' : 'api',
      group: str(ra['group']),
      version: str(ra['version']),
      resource: str(ra['resource']),
    };
    if (str(ra['namespace'])) info.namespace = str(ra['namespace']);
    if (str(ra['name'])) info.name = str(ra['name']);
    if (str(ra['subresource'])) info.subresource = str(ra['subresource']);
    return info;
  }
  const nra = isPlainObject(spec['nonResourceAttributes']) ? spec['nonResourceAttributes'] : {};
  return { isResource: false, path: str(nra['path']), method: '', verb: str(nra['verb']) };
}

function decide(op: Op, user: UserInfo, spec: Obj): Obj {
  const authorize = op.ctx.authorize ?? (() => true as const);
  const verdict = authorize(user, attributesToInfo(spec));
  return verdict === true ? { allowed: true } : { allowed: false, reason: verdict };
}

function attributeErrors(spec: Obj): FieldError[] {
  const errs: FieldError[] = [];
  const ra = spec['resourceAttributes'];
  const nra = spec['nonResourceAttributes'];
  if (ra != null && nra != null) errs.push(field.invalid('spec.nonResourceAttributes', nra, 'cannot be specified in combination with resourceAttributes'));
  if (ra == null && nra == null) errs.push(field.invalid('spec.resourceAttributes', null, 'exactly one of nonResourceAttributes or resourceAttributes must be specified'));
  return errs;
}

const invalid = (kind: string, errs: FieldError[]) => errors.invalid({ group: 'authorization.k8s.io', kind }, '', errs);

/** Everyone the authorizer allows everything gets the one rule that covers everything. */
function rulesFor(op: Op, user: UserInfo, namespace: string): Obj {
  const all = decide(op, user, { resourceAttributes: { namespace, verb: '*', group: '*', resource: '*' } });
  if (all['allowed'] === true) {
    return {
      resourceRules: [{ verbs: ['*'], apiGroups: ['*'], resources: ['*'] }],
      nonResourceRules: [{ verbs: ['*'], nonResourceURLs: ['*'] }],
      incomplete: false,
    };
  }
  return { resourceRules: [], nonResourceRules: [], incomplete: true, evaluationError: 'the authorizer cannot list rules' };
}

export function accessReview(op: Op, obj: KubeObject): Obj {
  const kind = op.served.info.kind;
  const spec: Obj = isPlainObject(obj.spec) ? obj.spec : {};
  const caller = op.rr.user;
  switch (kind) {
    case 'SelfSubjectRulesReview': {
      if (!str(spec['namespace'])) throw invalid(kind, [field.required('spec.namespace', '')]);
      return rulesFor(op, caller, str(spec['namespace']));
    }
    case 'SelfSubjectAccessReview': {
      const errs = attributeErrors(spec);
      if (errs.length > 0) throw invalid(kind, errs);
      return decide(op, caller, spec);
    }
    default: {
      // SubjectAccessReview and LocalSubjectAccessReview: about someone else.
      const ns = op.rr.info.namespace;
      const ra = spec['resourceAttributes'];
      const errs = attributeErrors(spec);
      if (!str(spec['user']) && !(Array.isArray(spec['groups']) && spec['groups'].length > 0)) {
        errs.push(field.invalid('spec.user', str(spec['user']), 'at least one of user or group must be specified'));
      }
      if (kind === 'LocalSubjectAccessReview' && isPlainObject(ra) && str(ra['namespace']) !== (ns ?? '')) {
        errs.push(field.invalid('spec.resourceAttributes.namespace', str(ra['namespace']), 'must match metadata.namespace'));
      }
      if (errs.length > 0) throw invalid(kind, errs);
      const user: UserInfo = {
        name: str(spec['user']),
        uid: str(spec['uid']) || undefined,
        groups: Array.isArray(spec['groups']) ? spec['groups'].map(String) : [],
      };
      return decide(op, user, spec);
    }
  }
}
