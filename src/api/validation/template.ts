// A pod template inside a workload: its metadata labels/annotations and its pod spec.
import type { FieldError } from '../errors.js';
import { field } from '../errors.js';
import { goStringMap, rec } from './access.js';
import { validateAnnotations, validateLabels } from './meta.js';
import { validatePodSpec, type PodSpecOptions } from './pod.js';
import { selectorIsEmpty, selectorMatches } from './selector.js';

export function validatePodTemplateSpec(tpl: unknown, path: string, opts: PodSpecOptions = {}): FieldError[] {
  const t = rec(tpl);
  if (!t) return [field.required(path, '')];
  const meta = rec(t.metadata) ?? {};
  return [
    ...validateLabels(meta.labels, `${path}.metadata.labels`),
    ...validateAnnotations(meta.annotations, `${path}.metadata.annotations`),
    ...validatePodSpec(t.spec, `${path}.spec`, opts),
  ];
}

/** "`selector` does not match template `labels`" when a non-empty selector misses the template's labels. */
export function selectorMatchesTemplate(selector: unknown, tpl: unknown, path: string): FieldError[] {
  if (selectorIsEmpty(selector)) return [];
  const labels = rec(rec(tpl)?.metadata)?.labels;
  if (selectorMatches(selector, (rec(labels) as Record<string, string>) ?? {})) return [];
  return [field.invalid(`${path}.metadata.labels`, goStringMap(labels), '`selector` does not match template `labels`')];
}
