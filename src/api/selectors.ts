// Matching rules every component needs the same way: label selectors (metav1.LabelSelector), node selector
// terms (In/NotIn/Exists/DoesNotExist/Gt/Lt, matchFields on metadata.name) and taint tolerations.
// Pure and allocation-free (the scheduler calls them per pod and node); they tolerate loosely typed input, since
// validation runs them on objects it has not checked yet.
import { isPlainObject } from './object.js';

export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: string; values?: string[] }[];
}

export interface NodeSelectorRequirement {
  key: string;
  operator: string;
  values?: string[];
}

export interface NodeSelectorTerm {
  matchExpressions?: NodeSelectorRequirement[];
  matchFields?: NodeSelectorRequirement[];
}

export interface Toleration {
  key?: string;
  operator?: string;
  value?: string;
  effect?: string;
  tolerationSeconds?: number;
}

export interface Taint {
  key: string;
  value?: string;
  effect: string;
}

const hasOwn = (o: object, k: string) => Object.prototype.hasOwnProperty.call(o, k);

function includesString(values: unknown, v: string): boolean {
  if (!Array.isArray(values)) return false;
  for (const x of values) if (String(x) === v) return true;
  return false;
}

/** A missing selector matches nothing; {} matches everything; an unknown operator matches nothing. */
export function labelSelectorMatches(sel: LabelSelector | null | undefined, labels: Readonly<Record<string, string>> | undefined): boolean {
  if (!isPlainObject(sel)) return false;
  const l = labels ?? {};
  const ml = sel.matchLabels;
  if (isPlainObject(ml)) for (const k in ml) if (l[k] !== ml[k]) return false;
  const exprs: unknown = sel.matchExpressions;
  if (!Array.isArray(exprs)) return true;
  for (const e of exprs) {
    const r: Record<string, unknown> = isPlainObject(e) ? e : {};
    const key = typeof r.key === 'string' ? r.key : '';
    const has = hasOwn(l, key);
    switch (r.operator) {
      case 'In':
        if (!has || !includesString(r.values, l[key]!)) return false;
        break;
      case 'NotIn':
        if (has && includesString(r.values, l[key]!)) return false;
        break;
      case 'Exists':
        if (!has) return false;
        break;
      case 'DoesNotExist':
        if (has) return false;
        break;
      default:
        return false;
    }
  }
  return true;
}

function requirementMatches(r: NodeSelectorRequirement, v: string | undefined): boolean {
  const values = r.values ?? [];
  switch (r.operator) {
    case 'In':
      return v !== undefined && values.includes(v);
    case 'NotIn':
      return v === undefined || !values.includes(v);
    case 'Exists':
      return v !== undefined;
    case 'DoesNotExist':
      return v === undefined;
    case 'Gt':
    case 'Lt': {
      // Exactly one bound and both sides integers; a missing label or a non-number never matches.
      const bound = values[0];
      if (v === undefined || values.length !== 1 || bound === undefined || !/^-?\d+$/.test(v) || !/^-?\d+$/.test(bound)) return false;
      return r.operator === 'Gt' ? Number(v) > Number(bound) : Number(v) < Number(bound);
    }
    default:
      return false;
  }
}

/** A term ANDs its expressions and fields; an empty term matches nothing (as Kubernetes treats it). */
export function nodeSelectorTermMatches(term: NodeSelectorTerm, nodeName: string, labels: Readonly<Record<string, string>>): boolean {
  const exprs = term.matchExpressions ?? [];
  const fields = term.matchFields ?? [];
  if (exprs.length === 0 && fields.length === 0) return false;
  for (const r of exprs) if (!requirementMatches(r, labels[r.key])) return false;
  // metadata.name is the only field a node selector may use.
  for (const f of fields) if (f.key !== 'metadata.name' || !requirementMatches(f, nodeName)) return false;
  return true;
}

/** Terms are ORed; no terms match nothing. */
export function nodeSelectorTermsMatch(terms: readonly NodeSelectorTerm[], nodeName: string, labels: Readonly<Record<string, string>>): boolean {
  for (const t of terms) if (nodeSelectorTermMatches(t, nodeName, labels)) return true;
  return false;
}

/** A v1.NodeSelector; a missing one matches nothing. */
export function nodeSelectorMatches(sel: { nodeSelectorTerms?: readonly NodeSelectorTerm[] } | undefined, nodeName: string, labels: Readonly<Record<string, string>>): boolean {
  return nodeSelectorTermsMatch(sel?.nodeSelectorTerms ?? [], nodeName, labels);
}

export function tolerates(t: Toleration, taint: Taint): boolean {
  if (t.effect && t.effect !== taint.effect) return false;
  // Exists with an empty key tolerates every taint (of the effect).
  if (t.operator === 'Exists') return !t.key || t.key === taint.key;
  // Equal, the default operator.
  return (t.key ?? '') === taint.key && (t.value ?? '') === (taint.value ?? '');
}

export function toleratesTaint(tolerations: readonly Toleration[] | undefined, taint: Taint): boolean {
  for (const t of tolerations ?? []) if (tolerates(t, taint)) return true;
  return false;
}

/** The first taint with one of the given effects that no toleration covers. */
export function firstUntolerated(taints: readonly Taint[], tolerations: readonly Toleration[] | undefined, effects: (e: string) => boolean): Taint | undefined {
  for (const taint of taints) if (effects(taint.effect) && !toleratesTaint(tolerations, taint)) return taint;
  return undefined;
}

/** Every taint with one of the given effects that no toleration covers. */
export function untoleratedTaints(taints: readonly Taint[] | undefined, tolerations: readonly Toleration[] | undefined, effects: readonly string[]): Taint[] {
  return (taints ?? []).filter((t) => effects.includes(t.effect) && !toleratesTaint(tolerations, t));
}
