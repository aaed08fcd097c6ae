// Review types: create-only, never stored. `kubectl auth can-i` posts SelfSubjectAccessReviews and
// `kubectl auth whoami` a SelfSubjectReview.
import type { ResourceInfo } from '../resource.js';
import { CREATE_ONLY, resource } from './define.js';

const authn = { group: 'authentication.k8s.io', versions: ['v1'], verbs: CREATE_ONLY };
const authz = { group: 'authorization.k8s.io', versions: ['v1'], verbs: CREATE_ONLY };

export const authenticationResources: readonly ResourceInfo[] = [
  resource({ ...authn, kind: 'SelfSubjectReview', plural: 'selfsubjectreviews', namespaced: false }),
  resource({ ...authn, kind: 'TokenReview', plural: 'tokenreviews', namespaced: false }),
];

export const authorizationResources: readonly ResourceInfo[] = [
  resource({ ...authz, kind: 'LocalSubjectAccessReview', plural: 'localsubjectaccessreviews', namespaced: true }),
  resource({ ...authz, kind: 'SelfSubjectAccessReview', plural: 'selfsubjectaccessreviews', namespaced: false }),
  resource({ ...authz, kind: 'SelfSubjectRulesReview', plural: 'selfsubjectrulesreviews', namespaced: false }),
  resource({ ...authz, kind: 'SubjectAccessReview', plural: 'subjectaccessreviews', namespaced: false }),
];
