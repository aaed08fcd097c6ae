// API extension points: CustomResourceDefinitions and admission configuration (category api-extensions).
import type { ResourceInfo } from '../resource.js';
import { resource, status } from './define.js';

const ext = { categories: ['api-extensions'], namespaced: false };
const admission = { ...ext, group: 'admissionregistration.k8s.io', versions: ['v1'] };

export const apiextensionsResources: readonly ResourceInfo[] = [
  resource({
    ...ext, group: 'apiextensions.k8s.io', versions: ['v1'], kind: 'CustomResourceDefinition', plural: 'customresourcedefinitions',
    shortNames: ['crd', 'crds'], subresources: [status('CustomResourceDefinition')],
  }),
];

export const admissionregistrationResources: readonly ResourceInfo[] = [
  resource({ ...admission, kind: 'MutatingWebhookConfiguration', plural: 'mutatingwebhookconfigurations' }),
  resource({ ...admission, kind: 'ValidatingAdmissionPolicy', plural: 'validatingadmissionpolicies', subresources: [status('ValidatingAdmissionPolicy')] }),
  resource({ ...admission, kind: 'ValidatingAdmissionPolicyBinding', plural: 'validatingadmissionpolicybindings' }),
  resource({ ...admission, kind: 'ValidatingWebhookConfiguration', plural: 'validatingwebhookconfigurations' }),
];
