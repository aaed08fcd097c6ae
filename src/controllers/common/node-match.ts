// Node matching for controllers that decide placement themselves (DaemonSet eligibility, PV node affinity):
// node selector terms (matchExpressions on labels, matchFields on metadata.name) and taint tolerations.
import type { NodeSelector, NodeSelectorRequirement, NodeSelectorTerm, Taint, Toleration } from 'kubernetes-types/core/v1.js';

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
      const [bound] = values;
      if (v === undefined || bound === undefined || !/^-?\d+$/.test(v) || !/^-?\d+$/.test(bound)) return false;
      return r.operator === 'Gt' ? Number(v) > Number(bound) : Number(v) < Number(bound);
    }
    default:
      return false;
  }
}

/** A term ANDs its requirements; an empty term matches nothing (as Kubernetes treats it). */
export function nodeSelectorTermMatches(term: NodeSelectorTerm, nodeName: string, labels: Record<string, string>): boolean {
  const exprs = term.matchExpressions ?? [];
  const fields = term.matchFields ?? [];
  if (exprs.length === 0 && fields.length === 0) return false;
  for (const r of exprs) if (!requirementMatches(r, labels[r.key])) return false;
  // metadata.name is the only field selector Kubernetes supports here.
  for (const r of fields) if (r.key !== 'metadata.name' || !requirementMatches(r, nodeName)) return false;
  return true;
}

/** Terms are ORed; a selector without terms matches nothing. */
export function nodeSelectorMatches(sel: NodeSelector | undefined, nodeName: string, labels: Record<string, string>): boolean {
  return (sel?.nodeSelectorTerms ?? []).some((t) => nodeSelectorTermMatches(t, nodeName, labels));
}

export function toleratesTaint(tolerations: readonly Toleration[] | undefined, taint: Taint): boolean {
  return (tolerations ?? []).some((t) => {
    if (t.effect && t.effect !== taint.effect) return false;
    // An empty key with Exists tolerates everything.
    if (t.key && t.key !== taint.key) return false;
    if (!t.key && t.operator !== 'Exists') return false;
    return t.operator === 'Exists' || (t.value ?? '') === (taint.value ?? '');
  });
}

/** The taints among those with the given effects that the tolerations do not cover. */
export function untoleratedTaints(taints: readonly Taint[] | undefined, tolerations: readonly Toleration[] | undefined, effects: readonly string[]): Taint[] {
  return (taints ?? []).filter((t) => effects.includes(t.effect) && !toleratesTaint(tolerations, t));
}
