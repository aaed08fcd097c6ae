// A `default` ServiceAccount in every active namespace.
export { ServiceAccountController, startServiceAccountController, type ServiceAccountDeps, DEFAULT_SERVICE_ACCOUNTS } from './controller.js';
