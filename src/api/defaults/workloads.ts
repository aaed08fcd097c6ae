// apps/v1 and batch/v1 defaulting (pkg/apis/apps/v1/defaults.go, pkg/apis/batch/v1/defaults.go).
import { child, rec, setIfMissing, specOf, unset, type Obj } from './access.js';
import { defaultPodTemplate } from './pod.js';
import { defaultPersistentVolumeClaim } from './core.js';

export function defaultDeployment(o: Obj): void {
  const s = specOf(o);
  setIfMissing(s, 'replicas', 1);
  const strategy = child(s, 'strategy');
  setIfMissing(strategy, 'type', 'RollingUpdate');
  if (strategy.type === 'RollingUpdate') {
    const ru = child(strategy, 'rollingUpdate');
    setIfMissing(ru, 'maxUnavailable', '25%');
    setIfMissing(ru, 'maxSurge', '25%');
  }
  setIfMissing(s, 'revisionHistoryLimit', 10);
  setIfMissing(s, 'progressDeadlineSeconds', 600);
  defaultPodTemplate(s.template);
}

export function defaultReplicaSet(o: Obj): void {
  const s = specOf(o);
  setIfMissing(s, 'replicas', 1);
  defaultPodTemplate(s.template);
}

export function defaultDaemonSet(o: Obj): void {
  const s = specOf(o);
  const us = child(s, 'updateStrategy');
  setIfMissing(us, 'type', 'RollingUpdate');
  if (us.type === 'RollingUpdate') {
    const ru = child(us, 'rollingUpdate');
    setIfMissing(ru, 'maxUnavailable', 1);
    setIfMissing(ru, 'maxSurge', 0);
  }
  setIfMissing(s, 'revisionHistoryLimit', 10);
  defaultPodTemplate(s.template);
}

export function defaultStatefulSet(o: Obj): void {
  const s = specOf(o);
  setIfMissing(s, 'podManagementPolicy', 'OrderedReady');
  const us = child(s, 'updateStrategy');
  setIfMissing(us, 'type', 'RollingUpdate');
  if (us.type === 'RollingUpdate') {
    const ru = child(us, 'rollingUpdate');
    setIfMissing(ru, 'partition', 0);
  }
  const ret = child(s, 'persistentVolumeClaimRetentionPolicy');
  setIfMissing(ret, 'whenDeleted', 'Retain');
  setIfMissing(ret, 'whenScaled', 'Retain');
  setIfMissing(s, 'replicas', 1);
  setIfMissing(s, 'revisionHistoryLimit', 10);
  defaultPodTemplate(s.template);
  if (Array.isArray(s.volumeClaimTemplates))
    for (const c of s.volumeClaimTemplates) {
      const claim = rec(c);
      if (!claim) continue;
      setIfMissing(claim, 'apiVersion', 'v1');
      setIfMissing(claim, 'kind', 'PersistentVolumeClaim');
      defaultPersistentVolumeClaim(claim);
    }
}

export function defaultJob(o: Obj): void {
  const s = specOf(o);
  if (unset(s.completions) && unset(s.parallelism)) {
    s.completions = 1;
    s.parallelism = 1;
  }
  setIfMissing(s, 'parallelism', 1);
  setIfMissing(s, 'backoffLimit', unset(s.backoffLimitPerIndex) ? 6 : 2147483647);
  setIfMissing(s, 'completionMode', 'NonIndexed');
  setIfMissing(s, 'suspend', false);
  setIfMissing(s, 'podReplacementPolicy', unset(s.podFailurePolicy) ? 'TerminatingOrFailed' : 'Failed');
  const tpl = rec(s.template);
  const tplLabels = rec(rec(tpl?.metadata)?.labels);
  const meta = (rec(o.metadata) ?? {}) as Obj;
  o.metadata = meta;
  if (tplLabels && (!rec(meta.labels) || Object.keys(rec(meta.labels)!).length === 0)) meta.labels = { ...tplLabels };
  defaultPodTemplate(s.template);
  generateJobSelector(o);
}

/**
 * The Job strategy's selector generation (a create-time step Kubernetes runs right after defaulting): the
 * selector names the job's uid, and the template carries matching labels. Needs metadata.uid, so the server
 * must assign the uid before defaulting; without one nothing happens.
 */
export function generateJobSelector(o: Obj): void {
  const s = specOf(o);
  const meta = rec(o.metadata) ?? {};
  const uid = typeof meta.uid === 'string' ? meta.uid : '';
  if (s.manualSelector === true || !uid || !unset(s.selector)) return;
  const tpl = child(s, 'template');
  const tmeta = child(tpl, 'metadata');
  const labels = (rec(tmeta.labels) ?? {}) as Record<string, string>;
  const name = typeof meta.name === 'string' ? meta.name : '';
  labels['batch.kubernetes.io/controller-uid'] = uid;
  labels['batch.kubernetes.io/job-name'] = name;
  labels['controller-uid'] = uid;
  labels['job-name'] = name;
  tmeta.labels = labels;
  s.selector = { matchLabels: { 'batch.kubernetes.io/controller-uid': uid } };
}

export function defaultCronJob(o: Obj): void {
  const s = specOf(o);
  setIfMissing(s, 'concurrencyPolicy', 'Allow');
  setIfMissing(s, 'suspend', false);
  setIfMissing(s, 'successfulJobsHistoryLimit', 3);
  setIfMissing(s, 'failedJobsHistoryLimit', 1);
  const jt = rec(s.jobTemplate);
  defaultPodTemplate(rec(jt?.spec)?.template);
}
