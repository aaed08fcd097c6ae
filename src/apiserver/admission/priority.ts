// Priority admission. Pods: on create spec.priority comes from spec.priorityClassName (or the global default
// class, or 0 when there is none) with the class's preemptionPolicy; a pod that states a different priority
// or policy itself is refused. On update the stored values are carried over when the new object omits them.
// PriorityClasses: only one may be the global default.
import { errors } from '../../api/errors.js';
import type { KubeObject } from '../../api/object.js';
import { isPlainObject } from '../../api/object.js';
import { getObject, listObjects } from './lookup.js';
import { isMirrorPod, podSpec } from './pod-spec.js';
import type { AdmissionPlugin, AdmissionRequest } from './types.js';

const podsTarget = { group: '', resource: 'pods' };
const classesTarget = { group: 'scheduling.k8s.io', resource: 'priorityclasses' };
const PREEMPT_LOWER = 'PreemptLowerPriority';

/** The global default class; when several claim it (a race), the lowest value wins, as in Kubernetes. */
async function defaultClass(a: AdmissionRequest): Promise<KubeObject | undefined> {
  let best: KubeObject | undefined;
  for (const pc of await listObjects(a, 'scheduling.k8s.io', 'priorityclasses')) {
    if (pc['globalDefault'] !== true) continue;
    if (!best || Number(pc['value']) < Number(best['value'])) best = pc;
  }
  return best;
}

async function admitPod(a: AdmissionRequest): Promise<void> {
  const spec = podSpec(a.obj);
  if (!spec || isMirrorPod(a.obj)) return;
  if (a.operation === 'update') {
    const old = a.old && isPlainObject(a.old.spec) ? a.old.spec : {};
    if (spec['priority'] === undefined && old['priority'] !== undefined) spec['priority'] = old['priority'];
    if (spec['preemptionPolicy'] === undefined && old['preemptionPolicy'] !== undefined) spec['preemptionPolicy'] = old['preemptionPolicy'];
    return;
  }
  const name = a.obj.metadata?.name ?? '';
  let priority = 0;
  let policy: unknown = PREEMPT_LOWER;
  const className = spec['priorityClassName'];
  if (typeof className !== 'string' || className === '') {
    const dpc = await defaultClass(a);
    if (dpc) {
      spec['priorityClassName'] = dpc.metadata?.name;
      priority = Number(dpc['value'] ?? 0);
      policy = dpc['preemptionPolicy'];
    }
  } else {
    const pc = await getObject(a, 'scheduling.k8s.io', 'priorityclasses', undefined, className);
    if (!pc) throw errors.forbidden(podsTarget, name, `no PriorityClass with name ${className} was found`);
    priority = Number(pc['value'] ?? 0);
    policy = pc['preemptionPolicy'];
  }
  if (spec['priority'] !== undefined && spec['priority'] !== null && spec['priority'] !== priority) {
    throw errors.forbidden(podsTarget, name, `the integer value of priority (${String(spec['priority'])}) must not be provided in pod spec; priority admission controller computed ${priority} from the given PriorityClass name`);
  }
  spec['priority'] = priority;
  if (typeof policy === 'string' && policy !== '') {
    const given = spec['preemptionPolicy'];
    if (given !== undefined && given !== null && given !== policy) {
      throw errors.forbidden(podsTarget, name, `the string value of PreemptionPolicy (${String(given)}) must not be provided in pod spec; priority admission controller computed ${policy} from the given PriorityClass name`);
    }
    spec['preemptionPolicy'] = policy;
  }
}

async function admitPriorityClass(a: AdmissionRequest): Promise<void> {
  if (a.obj['globalDefault'] !== true) return;
  const dpc = await defaultClass(a);
  if (!dpc) return;
  const name = a.obj.metadata?.name ?? '';
  if (a.operation === 'create' || dpc.metadata?.name !== name) {
    throw errors.forbidden(classesTarget, name, `PriorityClass ${dpc.metadata?.name ?? ''} is already marked as default. Only one default can exist`);
  }
}

export const priorityAdmission: AdmissionPlugin = {
  name: 'Priority',
  async admit(a) {
    if (a.subresource) return;
    if (a.group === '' && a.resource === 'pods') return admitPod(a);
    if (a.group === 'scheduling.k8s.io' && a.resource === 'priorityclasses') return admitPriorityClass(a);
  },
};
