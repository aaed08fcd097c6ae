// batch/v1: Jobs and CronJobs (pkg/apis/batch/validation).
import { field, type FieldError } from '../errors.js';
import type { KubeObject } from '../object.js';
import { deepEqual, GoLiteral, goLabelSelector, goStringMap, immutable, nonNegative, num, rec, str, type Obj } from './access.js';
import { cronScheduleError, isKnownTimeZone } from './cron.js';
import { validateAnnotations, validateLabels } from './meta.js';
import { validateLabelSelector, selectorMatches } from './selector.js';
import { validatePodTemplateSpec } from './template.js';

const JOB_RESTART = ['OnFailure', 'Never'];
const spec = (o: KubeObject): Obj => rec(o.spec) ?? {};

/** The rules of a job spec at path (spec, or spec.jobTemplate.spec). A template's selector is generated later. */
function validateJobSpec(s: Obj, path: string, isTemplate: boolean): FieldError[] {
  const errs: FieldError[] = [];
  for (const k of ['parallelism', 'completions', 'activeDeadlineSeconds', 'backoffLimit', 'ttlSecondsAfterFinished', 'backoffLimitPerIndex'])
    errs.push(...nonNegative(s[k], `${path}.${k}`));
  const mode = s.completionMode;
  if (mode !== undefined && mode !== null) {
    if (mode !== 'NonIndexed' && mode !== 'Indexed') errs.push(field.notSupported(`${path}.completionMode`, mode, ['NonIndexed', 'Indexed']));
    if (mode === 'Indexed') {
      if (num(s.completions) === undefined) errs.push(field.required(`${path}.completions`, 'when completion mode is Indexed'));
      const par = num(s.parallelism);
      if (par !== undefined && par > 100000)
        errs.push(field.invalid(`${path}.parallelism`, par, 'must be less than or equal to 100000 when completion mode is Indexed'));
    }
  }
  if (s.podReplacementPolicy !== undefined && s.podReplacementPolicy !== null) {
    const ok = ['TerminatingOrFailed', 'Failed'];
    if (!ok.includes(String(s.podReplacementPolicy))) errs.push(field.notSupported(`${path}.podReplacementPolicy`, s.podReplacementPolicy, ok));
  }
  const tpl = rec(s.template);
  if (isTemplate) {
    if (s.selector) errs.push(...validateLabelSelector(s.selector, `${path}.selector`));
    if (s.manualSelector === true) errs.push(field.notSupported(`${path}.manualSelector`, true, ['nil', 'false']));
  } else if (s.selector === undefined || s.selector === null) {
    // The server generates the selector from the uid unless manualSelector is set.
    if (s.manualSelector === true) errs.push(field.required(`${path}.selector`, ''));
  } else {
    errs.push(...validateLabelSelector(s.selector, `${path}.selector`));
    const labels = rec(rec(tpl?.metadata)?.labels) as Record<string, string> | undefined;
    if (!selectorMatches(s.selector, labels ?? {}))
      errs.push(field.invalid(`${path}.template.metadata.labels`, goStringMap(labels), '`selector` does not match template `labels`'));
  }
  const ps = rec(tpl?.spec) ?? {};
  errs.push(...validatePodTemplateSpec(tpl, `${path}.template`));
  const rp = ps.restartPolicy;
  // validatePodTemplateSpec reported a missing or unknown policy; a valid one must still suit a job.
  if (typeof rp === 'string' && ['Always'].includes(rp)) errs.push(field.notSupported(`${path}.template.spec.restartPolicy`, rp, JOB_RESTART));
  return errs;
}

export const validateJob = (o: KubeObject): FieldError[] => validateJobSpec(spec(o), 'spec', false);

/** A pod template is frozen once the job exists, except while it is suspended (scheduling directives). */
export function validateJobUpdate(o: KubeObject, old: KubeObject): FieldError[] {
  const s = spec(o);
  const os = spec(old);
  const errs: FieldError[] = [];
  if (!deepEqual(s.completions, os.completions) && !(s.completionMode === 'Indexed' && s.completions === s.parallelism))
    errs.push(field.invalid('spec.completions', s.completions ?? null, 'field is immutable'));
  if (!deepEqual(s.selector, os.selector)) errs.push(field.invalid('spec.selector', goLabelSelector(s.selector), 'field is immutable'));
  if (!deepEqual(s.template, os.template)) {
    const suspended = os.suspend === true;
    const a = structuredClone(rec(s.template) ?? {});
    const b = structuredClone(rec(os.template) ?? {});
    if (suspended) {
      // Scheduling directives may change while a job is suspended and has never started.
      for (const t of [a, b]) {
        const ps = rec(t.spec);
        if (ps) for (const k of ['nodeSelector', 'affinity', 'tolerations', 'schedulingGates']) delete ps[k];
        const md = rec(t.metadata);
        if (md) for (const k of ['labels', 'annotations']) delete md[k];
      }
    }
    if (!deepEqual(a, b)) errs.push(field.invalid('spec.template', new GoLiteral('core.PodTemplateSpec{...}'), 'field is immutable'));
  }
  for (const k of ['completionMode', 'podFailurePolicy', 'backoffLimitPerIndex', 'managedBy'])
    errs.push(...immutable(s[k], os[k], `spec.${k}`));
  return errs;
}

const CONCURRENCY = ['Allow', 'Forbid', 'Replace'];

export function validateCronJob(o: KubeObject, old?: KubeObject): FieldError[] {
  const s = spec(o);
  const os = old ? spec(old) : undefined;
  const errs: FieldError[] = [];
  const name = o.metadata?.name ?? '';
  if (!old && name.length > 52) errs.push(field.invalid('metadata.name', name, 'must be no more than 52 characters'));
  const schedule = str(s.schedule) ?? '';
  if (!schedule) errs.push(field.required('spec.schedule', ''));
  else {
    const e = cronScheduleError(schedule);
    if (e) errs.push(field.invalid('spec.schedule', schedule, e));
    const allowTZ = !!os && String(os.schedule ?? '').includes('TZ');
    if (allowTZ && schedule.includes('TZ') && s.timeZone != null)
      errs.push(field.invalid('spec.schedule', schedule, 'cannot use both timeZone field and TZ or CRON_TZ in schedule'));
    else if (!allowTZ && schedule.includes('TZ'))
      errs.push(field.invalid('spec.schedule', schedule, 'cannot use TZ or CRON_TZ in schedule, use timeZone field instead'));
  }
  errs.push(...nonNegative(s.startingDeadlineSeconds, 'spec.startingDeadlineSeconds'));
  if (!os || os.timeZone !== s.timeZone) errs.push(...validateTimeZone(s.timeZone));
  const cp = s.concurrencyPolicy;
  if (cp === undefined || cp === '') errs.push(field.required('spec.concurrencyPolicy', ''));
  else if (!CONCURRENCY.includes(String(cp))) errs.push(field.notSupported('spec.concurrencyPolicy', cp, CONCURRENCY));
  const jt = rec(s.jobTemplate) ?? {};
  const jmeta = rec(jt.metadata) ?? {};
  errs.push(...validateLabels(jmeta.labels, 'spec.jobTemplate.metadata.labels'));
  errs.push(...validateAnnotations(jmeta.annotations, 'spec.jobTemplate.metadata.annotations'));
  errs.push(...validateJobSpec(rec(jt.spec) ?? {}, 'spec.jobTemplate.spec', true));
  errs.push(...nonNegative(s.successfulJobsHistoryLimit, 'spec.successfulJobsHistoryLimit'));
  errs.push(...nonNegative(s.failedJobsHistoryLimit, 'spec.failedJobsHistoryLimit'));
  return errs;
}

function validateTimeZone(tz: unknown): FieldError[] {
  if (tz === undefined || tz === null) return [];
  const t = String(tz);
  const p = 'spec.timeZone';
  if (t.length === 0) return [field.invalid(p, t, 'timeZone must be nil or non-empty string')];
  for (const part of t.split('/'))
    if (part === '.' || part === '..' || part.startsWith('-') || !/^[A-Za-z\.\-_0-9+]{1,14}$/.test(part))
      return [field.invalid(p, t, `unknown time zone ${t}`)];
  if (t.toLowerCase() === 'local') return [field.invalid(p, t, 'timeZone must be an explicit time zone as defined in https://www.iana.org/time-zones')];
  if (!isKnownTimeZone(t)) return [field.invalid(p, t, `unknown time zone ${t}`)];
  return [];
}
