// The pod a Job creates: the template with the controller reference and the tracking finalizer; for Indexed
// jobs also the completion index (annotation, label, JOB_COMPLETION_INDEX in every container, hostname
// <job>-<index>) and, with backoffLimitPerIndex, the index's failure counts so far.
import type { Container } from 'kubernetes-types/core/v1.js';
import type { KubeObject } from '../../api/object.js';
import { newControllerRef } from '../common/controller-ref.js';
import type { Pod } from '../common/types.js';
import { COMPLETION_INDEX, COMPLETION_INDEX_ENV, INDEX_FAILURE_COUNT, INDEX_IGNORED_FAILURE_COUNT, TRACKING_FINALIZER, type Job } from './types.js';

function withIndexEnv(c: Container): Container {
  if (c.env?.some((e) => e.name === COMPLETION_INDEX_ENV)) return c;
  const env = [...(c.env ?? []), { name: COMPLETION_INDEX_ENV, valueFrom: { fieldRef: { fieldPath: `metadata.annotations['${COMPLETION_INDEX}']` } } }];
  return { ...c, env };
}

export interface IndexFailures {
  failed: number;
  ignored: number;
}

export function podForJob(job: Job, index?: number, failures?: IndexFailures): Pod {
  const t = job.spec?.template;
  const name = job.metadata?.name ?? '';
  const meta: NonNullable<KubeObject['metadata']> = {
    generateName: index === undefined ? `${name}-` : `${name}-${index}-`,
    namespace: job.metadata?.namespace,
    labels: { ...(t?.metadata?.labels ?? {}) },
    annotations: { ...(t?.metadata?.annotations ?? {}) },
    finalizers: [...(t?.metadata?.finalizers ?? []).filter((f) => f !== TRACKING_FINALIZER), TRACKING_FINALIZER],
    ownerReferences: [newControllerRef(job, 'batch/v1', 'Job')],
  };
  const spec = structuredClone(t?.spec ?? { containers: [] });
  if (index !== undefined) {
    meta.annotations![COMPLETION_INDEX] = String(index);
    meta.labels![COMPLETION_INDEX] = String(index);
    spec.containers = spec.containers.map(withIndexEnv);
    if (spec.initContainers) spec.initContainers = spec.initContainers.map(withIndexEnv);
    spec.hostname = `${name}-${index}`;
    if (job.spec?.backoffLimitPerIndex !== undefined && job.spec.backoffLimitPerIndex !== null) {
      meta.annotations![INDEX_FAILURE_COUNT] = String(failures?.failed ?? 0);
      if (failures?.ignored) meta.annotations![INDEX_IGNORED_FAILURE_COUNT] = String(failures.ignored);
    }
  }
  if (Object.keys(meta.annotations!).length === 0) delete meta.annotations;
  return { apiVersion: 'v1', kind: 'Pod', metadata: meta, spec };
}
