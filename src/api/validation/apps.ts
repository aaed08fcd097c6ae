// apps/v1: Deployments, ReplicaSets, StatefulSets, DaemonSets (pkg/apis/apps/validation).
import { field, type FieldError } from '../errors.js';
import type { KubeObject } from '../object.js';
import { arr, deepEqual, eachInvalid, GoLiteral, goIntOrString, goLabelSelector, goStringMap, immutable, nonNegative, num, rec, str, type Obj } from './access.js';
import { regexError } from './names.js';
import { validateLabelSelector, selectorIsEmpty } from './selector.js';
import { selectorMatchesTemplate, validatePodTemplateSpec } from './template.js';
import { validateObjectMeta } from './meta.js';
import { nameIsDNSSubdomain } from './names.js';
import { validatePersistentVolumeClaim } from './core.js';

const spec = (o: KubeObject): Obj => rec(o.spec) ?? {};

/** selector required, valid and non-empty ("empty selector is invalid for <what>"). */
function validateSelector(sel: unknown, what: string): FieldError[] {
  if (sel === undefined || sel === null) return [field.required('spec.selector', '')];
  const errs = validateLabelSelector(sel, 'spec.selector');
  if (selectorIsEmpty(sel)) errs.push(field.invalid('spec.selector', goLabelSelector(sel), `empty selector is invalid for ${what}`));
  return errs;
}

/** The template rules every replicated workload shares: match, pod spec, restartPolicy Always, no deadline. */
function validateTemplate(s: Obj, kind: string): FieldError[] {
  const tpl = rec(s.template);
  if (!tpl) return [field.required('spec.template', '')];
  const errs = [...selectorMatchesTemplate(s.selector ?? {}, tpl, 'spec.template'), ...validatePodTemplateSpec(tpl, 'spec.template')];
  const ps = rec(tpl.spec) ?? {};
  const rp = ps.restartPolicy;
  if (typeof rp === 'string' && rp !== '' && rp !== 'Always') errs.push(field.notSupported('spec.template.spec.restartPolicy', rp, ['Always']));
  if (ps.activeDeadlineSeconds !== undefined && ps.activeDeadlineSeconds !== null) {
    errs.push(field.forbidden('spec.template.spec.activeDeadlineSeconds', `activeDeadlineSeconds in ${kind} is not Supported`));
  }
  return errs;
}

const percentMsg = regexError("a valid percent string must be a numeric string followed by an ending '%'", '[0-9]+%', '1%', '93%');

function validatePositiveIntOrPercent(v: unknown, p: string): FieldError[] {
  if (typeof v === 'string') return /^[0-9]+%$/.test(v) ? [] : [field.invalid(p, goIntOrString(v), percentMsg)];
  return nonNegative(v, p);
}

const intOrPercentValue = (v: unknown): number =>
  typeof v === 'string' ? (/^[0-9]+%$/.test(v) ? Number(v.slice(0, -1)) : -1) : typeof v === 'number' ? v : 0;

function notMoreThan100Percent(v: unknown, p: string): FieldError[] {
  return typeof v === 'string' && /^[0-9]+%$/.test(v) && Number(v.slice(0, -1)) > 100
    ? [field.invalid(p, goIntOrString(v), 'must not be greater than 100%')]
    : [];
}

function validateRollingUpdate(ru: Obj, p: string, zeroMsg: string): FieldError[] {
  const errs = [
    ...validatePositiveIntOrPercent(ru.maxUnavailable, `${p}.maxUnavailable`),
    ...validatePositiveIntOrPercent(ru.maxSurge, `${p}.maxSurge`),
  ];
  if (intOrPercentValue(ru.maxUnavailable) === 0 && intOrPercentValue(ru.maxSurge) === 0)
    errs.push(field.invalid(`${p}.maxUnavailable`, goIntOrString(ru.maxUnavailable), zeroMsg));
  errs.push(...notMoreThan100Percent(ru.maxUnavailable, `${p}.maxUnavailable`));
  return errs;
}

function validateDaemonSetRollingUpdate(ru: Obj, p: string): FieldError[] {
  const errs = [
    ...validatePositiveIntOrPercent(ru.maxUnavailable, `${p}.maxUnavailable`),
    ...validatePositiveIntOrPercent(ru.maxSurge, `${p}.maxSurge`),
    ...notMoreThan100Percent(ru.maxUnavailable, `${p}.maxUnavailable`),
    ...notMoreThan100Percent(ru.maxSurge, `${p}.maxSurge`),
  ];
  const hasUnavailable = intOrPercentValue(ru.maxUnavailable) !== 0;
  const hasSurge = intOrPercentValue(ru.maxSurge) !== 0;
  if (hasUnavailable && hasSurge) errs.push(field.invalid(`${p}.maxSurge`, goIntOrString(ru.maxSurge), 'may not be set when maxUnavailable is non-zero'));
  else if (!hasUnavailable && !hasSurge) errs.push(field.required(`${p}.maxUnavailable`, 'cannot be 0 when maxSurge is 0'));
  return errs;
}

export function validateDeployment(o: KubeObject): FieldError[] {
  const s = spec(o);
  const errs: FieldError[] = [...nonNegative(s.replicas, 'spec.replicas'), ...validateSelector(s.selector, 'deployment')];
  errs.push(...validateTemplate(s, 'Deployment'));
  const strategy = rec(s.strategy) ?? {};
  switch (strategy.type) {
    case 'Recreate':
      if (strategy.rollingUpdate) errs.push(field.forbidden('spec.strategy.rollingUpdate', "may not be specified when strategy `type` is 'Recreate'"));
      break;
    case 'RollingUpdate': {
      const ru = rec(strategy.rollingUpdate);
      if (!ru) errs.push(field.required('spec.strategy.rollingUpdate', 'this should be defaulted and never be nil'));
      else errs.push(...validateRollingUpdate(ru, 'spec.strategy.rollingUpdate', 'may not be 0 when `maxSurge` is 0'));
      break;
    }
    default:
      errs.push(
        field.notSupported(
          'spec.strategy',
          new GoLiteral(`apps.DeploymentStrategy{Type:${JSON.stringify(String(strategy.type ?? ''))}, RollingUpdate:(*apps.RollingUpdateDeployment)(nil)}`),
          ['Recreate', 'RollingUpdate'],
        ),
      );
  }
  errs.push(...nonNegative(s.minReadySeconds, 'spec.minReadySeconds'), ...nonNegative(s.revisionHistoryLimit, 'spec.revisionHistoryLimit'));
  const pds = num(s.progressDeadlineSeconds);
  if (pds !== undefined) {
    errs.push(...nonNegative(pds, 'spec.progressDeadlineSeconds'));
    if (pds <= (num(s.minReadySeconds) ?? 0)) errs.push(field.invalid('spec.progressDeadlineSeconds', pds, 'must be greater than minReadySeconds'));
  }
  return errs;
}

const selectorImmutable = (o: KubeObject, old: KubeObject): FieldError[] =>
  deepEqual(spec(o).selector, spec(old).selector) ? [] : [field.invalid('spec.selector', goLabelSelector(spec(o).selector), 'field is immutable')];

export const validateDeploymentUpdate = selectorImmutable;
export const validateReplicaSetUpdate = selectorImmutable;
export const validateDaemonSetUpdate = selectorImmutable;

export function validateReplicaSet(o: KubeObject): FieldError[] {
  const s = spec(o);
  return [
    ...nonNegative(s.replicas, 'spec.replicas'),
    ...nonNegative(s.minReadySeconds, 'spec.minReadySeconds'),
    ...validateSelector(s.selector, 'deployment'),
    ...validateTemplate(s, 'ReplicaSet'),
  ];
}

export function validateDaemonSet(o: KubeObject): FieldError[] {
  const s = spec(o);
  const errs = validateLabelSelector(s.selector, 'spec.selector');
  const tpl = rec(s.template);
  if (s.selector === undefined || s.selector === null) {
    // A missing selector selects nothing, so it never matches the template.
    errs.push(field.invalid('spec.template.metadata.labels', goStringMap(rec(tpl?.metadata)?.labels), '`selector` does not match template `labels`'));
  }
  if (s.selector && selectorIsEmpty(s.selector)) errs.push(field.invalid('spec.selector', goLabelSelector(s.selector), 'empty selector is invalid for daemonset'));
  errs.push(...validateTemplate(s, 'DaemonSet'));
  errs.push(...nonNegative(s.minReadySeconds, 'spec.minReadySeconds'), ...nonNegative(s.templateGeneration, 'spec.templateGeneration'));
  const us = rec(s.updateStrategy) ?? {};
  switch (us.type) {
    case 'OnDelete':
      break;
    case 'RollingUpdate': {
      const ru = rec(us.rollingUpdate);
      if (!ru) errs.push(field.required('spec.updateStrategy.rollingUpdate', ''));
      else errs.push(...validateDaemonSetRollingUpdate(ru, 'spec.updateStrategy.rollingUpdate'));
      break;
    }
    default:
      errs.push(
        field.notSupported(
          'spec.updateStrategy',
          new GoLiteral(`apps.DaemonSetUpdateStrategy{Type:${JSON.stringify(String(us.type ?? ''))}, RollingUpdate:(*apps.RollingUpdateDaemonSet)(nil)}`),
          ['RollingUpdate', 'OnDelete'],
        ),
      );
  }
  errs.push(...nonNegative(s.revisionHistoryLimit, 'spec.revisionHistoryLimit'));
  return errs;
}

export function validateStatefulSet(o: KubeObject): FieldError[] {
  const s = spec(o);
  const errs: FieldError[] = [];
  const pmp = s.podManagementPolicy;
  if (pmp === undefined || pmp === '') errs.push(field.required('spec.podManagementPolicy', ''));
  else if (pmp !== 'OrderedReady' && pmp !== 'Parallel') errs.push(field.invalid('spec.podManagementPolicy', pmp, "must be 'OrderedReady' or 'Parallel'"));
  const us = rec(s.updateStrategy) ?? {};
  switch (us.type) {
    case undefined:
    case '':
      errs.push(field.required('spec.updateStrategy', ''));
      break;
    case 'OnDelete':
      if (us.rollingUpdate) errs.push(field.invalid('spec.updateStrategy.rollingUpdate', us.rollingUpdate, "only allowed for updateStrategy 'RollingUpdate'"));
      break;
    case 'RollingUpdate': {
      const ru = rec(us.rollingUpdate);
      if (ru) {
        errs.push(...nonNegative(ru.partition, 'spec.updateStrategy.rollingUpdate.partition'));
        if (ru.maxUnavailable !== undefined) {
          errs.push(...validatePositiveIntOrPercent(ru.maxUnavailable, 'spec.updateStrategy.rollingUpdate.maxUnavailable'));
          if (intOrPercentValue(ru.maxUnavailable) === 0)
            errs.push(field.invalid('spec.updateStrategy.rollingUpdate.maxUnavailable', goIntOrString(ru.maxUnavailable), 'cannot be 0'));
          errs.push(...notMoreThan100Percent(ru.maxUnavailable, 'spec.updateStrategy.rollingUpdate.maxUnavailable'));
        }
      }
      break;
    }
    default:
      errs.push(field.invalid('spec.updateStrategy', us, "must be 'RollingUpdate' or 'OnDelete'"));
  }
  const retention = rec(s.persistentVolumeClaimRetentionPolicy);
  if (retention)
    for (const k of ['whenDeleted', 'whenScaled']) {
      const v = retention[k];
      if (v !== 'Retain' && v !== 'Delete')
        errs.push(field.notSupported(`spec.persistentVolumeClaimRetentionPolicy.${k}`, v ?? '', ['Retain', 'Delete']));
    }
  errs.push(...nonNegative(s.replicas, 'spec.replicas'), ...nonNegative(s.minReadySeconds, 'spec.minReadySeconds'));
  const ordinals = rec(s.ordinals);
  if (ordinals) errs.push(...nonNegative(ordinals.start, 'spec.ordinals.start'));
  errs.push(...validateSelector(s.selector, 'statefulset'));
  // Claim templates become volumes of each pod: mounts may name them.
  const claims = arr(s.volumeClaimTemplates);
  const tpl = rec(s.template);
  let withClaims: Obj = s;
  if (tpl && claims.length > 0) {
    const ps = structuredClone(rec(tpl.spec) ?? {});
    const vols = arr(ps.volumes);
    const names = new Set(vols.map((v) => rec(v)?.name));
    for (const c of claims) {
      const n = str(rec(rec(c)?.metadata)?.name);
      if (n && !names.has(n)) vols.push({ name: n, persistentVolumeClaim: { claimName: n } });
    }
    ps.volumes = vols;
    withClaims = { ...s, template: { ...tpl, spec: ps } };
  }
  errs.push(...validateTemplate(withClaims, 'StatefulSet'));
  claims.forEach((c, i) => {
    const claim = rec(c) ?? {};
    const p = `spec.volumeClaimTemplates[${i}]`;
    const meta = rec(claim.metadata) ?? {};
    errs.push(
      ...validateObjectMeta({ ...meta, namespace: undefined }, { namespaced: false, nameFn: nameIsDNSSubdomain }, `${p}.metadata`).filter(
        (e) => !e.field.endsWith('.namespace'),
      ),
    );
    errs.push(...validatePersistentVolumeClaim({ spec: claim.spec }).map((e) => ({ ...e, field: e.field.replace(/^spec/, `${p}.spec`) })));
  });
  errs.push(...nonNegative(s.revisionHistoryLimit, 'spec.revisionHistoryLimit'));
  return errs;
}

export function validateStatefulSetUpdate(o: KubeObject, old: KubeObject): FieldError[] {
  const a = structuredClone(spec(o));
  const b = structuredClone(spec(old));
  for (const k of ['replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy', 'minReadySeconds']) {
    delete a[k];
    delete b[k];
  }
  if (deepEqual(a, b)) return [];
  return [
    field.forbidden(
      'spec',
      "updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden",
    ),
  ];
}

export { immutable, eachInvalid };
