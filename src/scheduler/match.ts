// Matching rules shared by plugins: label selectors, node selector terms (with Gt/Lt and matchFields) and
// taint tolerations. Pure functions; hot paths avoid allocating.
import type { LabelSelector, NodeSelectorRequirement, NodeSelectorTerm, Taint, Toleration } from './pod-info.js';

/** metav1.LabelSelector semantics: {} matches everything; an unknown operator matches nothing. */
export function selectorMatches(sel: LabelSelector, labels: Record<string, string>): boolean {
  const ml = sel.matchLabels;
  if (ml) for (const k in ml) if (labels[k] !== ml[k]) return false;
  const exprs = sel.matchExpressions;
  if (exprs) {
    for (const e of exprs) {
      const v = labels[e.key];
      switch (e.operator) {
        case 'In':
          if (v === undefined || !(e.values ?? []).includes(v)) return false;
          break;
        case 'NotIn':
          if (v !== undefined && (e.values ?? []).includes(v)) return false;
          break;
        case 'Exists':
          if (v === undefined) return false;
          break;
        case 'DoesNotExist':
          if (v !== undefined) return false;
          break;
        default:
          return false;
      }
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
      // Both sides must be integers; a missing label or a non-number never matches.
      if (v === undefined || values.length !== 1 || !/^-?\d+$/.test(v) || !/^-?\d+$/.test(values[0]!)) return false;
      const a = Number(v);
      const b = Number(values[0]);
      return r.operator === 'Gt' ? a > b : a < b;
    }
    default:
      return false;
  }
}

/** One term ANDs its expressions and fields; an empty term matches nothing (as kube-scheduler treats it). */
export function nodeSelectorTermMatches(term: NodeSelectorTerm, nodeName: string, labels: Record<string, string>): boolean {
  const exprs = term.matchExpressions ?? [];
  const fields = term.matchFields ?? [];
  if (exprs.length === 0 && fields.length === 0) return false;
  for (const r of exprs) if (!requirementMatches(r, labels[r.key])) return false;
  for (const f of fields) {
    // metadata.name is the only field a node selector may use.
    if (f.key !== 'metadata.name' || !requirementMatches(f, nodeName)) return false;
  }
  return true;
}

/** Terms are ORed. */
export function nodeSelectorTermsMatch(terms: readonly NodeSelectorTerm[], nodeName: string, labels: Record<string, string>): boolean {
  for (const t of terms) if (nodeSelectorTermMatches(t, nodeName, labels)) return true;
  return false;
}

export function tolerates(t: Toleration, taint: Taint): boolean {
  if (t.effect && t.effect !== taint.effect) return false;
  if (t.operator === 'Exists') return !t.key || t.key === taint.key;
  // Equal (the default operator).
  return (t.key ?? '') === taint.key && (t.value ?? '') === (taint.value ?? '');
}

export function toleratesTaint(tols: readonly Toleration[], taint: Taint): boolean {
  for (const t of tols) if (tolerates(t, taint)) return true;
  return false;
}

/** The first taint with one of the given effects that no toleration covers. */
export function firstUntolerated(taints: readonly Taint[], tols: readonly Toleration[], effects: (e: string) => boolean): Taint | undefined {
  for (const taint of taints) if (effects(taint.effect) && !toleratesTaint(tols, taint)) return taint;
  return undefined;
}
