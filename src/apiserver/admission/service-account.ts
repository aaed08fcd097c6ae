// ServiceAccount admission (on pod create): the pod runs as spec.serviceAccountName ("default" when empty),
// which must exist, and unless automounting is off (the pod's spec.automountServiceAccountToken first, then
// the service account's) every container and init container gets the kube-api-access-XXXXX projected volume
// (a bound token, the cluster CA from the kube-root-ca.crt config map, and the namespace) mounted read-only
// at /var/run/secrets/kubernetes.io/serviceaccount. A container that already mounts something there keeps it.
// Image pull secrets of the service account are copied when the pod names none.
import { errors } from '../../api/errors.js';
import type { KubeObject } from '../../api/object.js';
import { isPlainObject } from '../../api/object.js';
import { generateName } from '../object-meta.js';
import { getObject } from './lookup.js';
import { append, isMirrorPod, isPodWrite, objects, podSpec, type Obj } from './pod-spec.js';
import type { AdmissionPlugin, AdmissionRequest } from './types.js';

export const DEFAULT_SERVICE_ACCOUNT = 'default';
export const TOKEN_MOUNT_PATH = '/var/run/secrets/kubernetes.io/serviceaccount';
export const TOKEN_VOLUME_PREFIX = 'kube-api-access-';
/** Kubernetes' bound token lifetime for the projected volume: one hour and 7 seconds (the 7 marks it as such). */
export const TOKEN_VOLUME_EXPIRATION_SECONDS = 3607;

const podsTarget = { group: '', resource: 'pods' };

/** How long to wait for the serviceaccount controller to make `default` (Kubernetes tries 10 times, 100-200 ms apart). */
const DEFAULT_SA_ATTEMPTS = 10;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function tokenVolumeSource(): Obj {
  return {
    defaultMode: 420,
    sources: [
      { serviceAccountToken: { expirationSeconds: TOKEN_VOLUME_EXPIRATION_SECONDS, path: 'token' } },
      { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
      { downwardAPI: { items: [{ path: 'namespace', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } }] } },
    ],
  };
}

async function findServiceAccount(a: AdmissionRequest, ns: string, name: string): Promise<KubeObject | undefined> {
  const attempts = a.config.requireServiceAccount && name === DEFAULT_SERVICE_ACCOUNT ? DEFAULT_SA_ATTEMPTS : 1;
  for (let i = 0; i < attempts; i++) {
    if (i > 0) await sleep(100 + Math.floor(Math.random() * 100));
    const sa = await getObject(a, '', 'serviceaccounts', ns, name);
    if (sa) return sa;
  }
  return undefined;
}

function shouldAutomount(spec: Obj, sa: KubeObject | undefined): boolean {
  if (typeof spec['automountServiceAccountToken'] === 'boolean') return spec['automountServiceAccountToken'];
  const fromSa = sa?.['automountServiceAccountToken'];
  return typeof fromSa === 'boolean' ? fromSa : true;
}

/** Adds the token volume and its mounts; an existing kube-api-access-* volume is reused. */
export function mountServiceAccountToken(spec: Obj): void {
  const volumes = objects(spec['volumes']);
  const existing = volumes.find((v) => typeof v['name'] === 'string' && v['name'].startsWith(TOKEN_VOLUME_PREFIX));
  const name = (existing?.['name'] as string | undefined) ?? generateName(TOKEN_VOLUME_PREFIX);
  let needed = false;
  for (const c of [...objects(spec['initContainers']), ...objects(spec['containers'])]) {
    if (objects(c['volumeMounts']).some((m) => m['mountPath'] === TOKEN_MOUNT_PATH)) continue;
    if (append(c, 'volumeMounts', { name, readOnly: true, mountPath: TOKEN_MOUNT_PATH })) needed = true;
  }
  if (needed && !existing) append(spec, 'volumes', { name, projected: tokenVolumeSource() });
}

export const serviceAccountAdmission: AdmissionPlugin = {
  name: 'ServiceAccount',
  async admit(a) {
    if (a.operation !== 'create' || !isPodWrite(a.group, a.resource, a.subresource)) return;
    const pod = a.obj;
    const spec = podSpec(pod);
    if (!spec) return;
    const podName = pod.metadata?.name ?? '';
    if (isMirrorPod(pod)) {
      if (spec['serviceAccountName']) throw errors.forbidden(podsTarget, podName, 'a mirror pod may not reference service accounts');
      return;
    }
    if (typeof spec['serviceAccountName'] !== 'string' || spec['serviceAccountName'] === '') {
      // The deprecated v1 field names the account when the new one does not.
      const old = spec['serviceAccount'];
      spec['serviceAccountName'] = typeof old === 'string' && old !== '' ? old : DEFAULT_SERVICE_ACCOUNT;
    }
    const saName = String(spec['serviceAccountName']);
    const ns = a.namespace ?? pod.metadata?.namespace ?? '';
    const sa = await findServiceAccount(a, ns, saName);
    if (!sa && a.config.requireServiceAccount) {
      throw errors.forbidden(podsTarget, podName, `error looking up service account ${ns}/${saName}: serviceaccount "${saName}" not found`);
    }
    if (shouldAutomount(spec, sa)) mountServiceAccountToken(spec);
    const pull = objects(spec['imagePullSecrets']);
    const saPull = sa && Array.isArray(sa['imagePullSecrets']) ? sa['imagePullSecrets'].filter(isPlainObject) : [];
    if (pull.length === 0 && saPull.length > 0) spec['imagePullSecrets'] = saPull.map((s) => ({ name: s['name'] }));
  },
};
