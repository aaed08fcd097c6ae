// batch/v1: run-to-completion work.
import type { ResourceInfo } from '../resource.js';
import { resource, status } from './define.js';

const batch = { group: 'batch', versions: ['v1'], namespaced: true, categories: ['all'] };

export const batchResources: readonly ResourceInfo[] = [
  resource({ ...batch, kind: 'CronJob', plural: 'cronjobs', shortNames: ['cj'], subresources: [status('CronJob')] }),
  resource({ ...batch, kind: 'Job', plural: 'jobs', subresources: [status('Job')] }),
];
