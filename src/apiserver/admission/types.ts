// What an admission plugin sees and the settings the plugins read. Plugins run in a fixed order on pod (and
// priority class) writes after the namespace check and before defaulting and validation, and may change the
// object in place or throw an ApiError to refuse it.
import type { KubeObject } from '../../api/object.js';
import type { Store } from '../../store/types.js';
import type { ResourceRegistry } from '../registry.js';

export interface AdmissionConfig {
  /**
   * tolerationSeconds of the not-ready/unreachable NoExecute tolerations every pod gets (kube-apiserver's
   * --default-not-ready-toleration-seconds and --default-unreachable-toleration-seconds; `tug server
   * --eviction-timeout`).
   */
  defaultTolerationSeconds: number;
  /**
   * Refuse pods whose ServiceAccount does not exist, waiting a little for `default` as Kubernetes does. Off
   * where no serviceaccount controller runs (API-only test servers), so pods there still get created.
   */
  requireServiceAccount: boolean;
}

export const DEFAULT_ADMISSION: AdmissionConfig = { defaultTolerationSeconds: 300, requireServiceAccount: false };

export interface AdmissionRequest {
  operation: 'create' | 'update';
  group: string;
  /** plural, e.g. "pods" */
  resource: string;
  subresource?: string;
  namespace?: string;
  /** The incoming object; plugins mutate it in place. */
  obj: KubeObject;
  /** The stored object, on update. */
  old?: KubeObject;
  /** The request is a dry run: nothing may be written or reserved. */
  dryRun: boolean;
  store: Store;
  registry: ResourceRegistry;
  config: AdmissionConfig;
}

export interface AdmissionPlugin {
  name: string;
  admit(a: AdmissionRequest): Promise<void> | void;
}
