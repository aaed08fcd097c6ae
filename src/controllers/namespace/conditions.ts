// The conditions a terminating namespace reports (Kubernetes' namespace deleter), worked out from what one
// deletion pass found: how many objects remain per resource, which finalizers hold them, and what failed.
const rfc3339 = (d: Date) => d.toISOString().replace(/\.\d{3}Z$/, 'Z');

export interface PassResult {
  /** "pods." / "widgets.example.com" -> objects still there */
  remaining: Map<string, number>;
  /** finalizer -> objects it holds */
  finalizers: Map<string, number>;
  /** errors listing or deleting */
  failures: string[];
}

export interface NamespaceCondition {
  type: string;
  status: 'True' | 'False';
  reason: string;
  message: string;
  lastTransitionTime?: string;
}

const list = (m: Map<string, number>, what: string) =>
  [...m.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, n]) => `${k} ${what} ${n} resource instances`)
    .join(', ');

export function namespaceConditions(r: PassResult): NamespaceCondition[] {
  return [
    { type: 'NamespaceDeletionDiscoveryFailure', status: 'False', reason: 'ResourcesDiscovered', message: 'All resources successfully discovered' },
    { type: 'NamespaceDeletionGroupVersionParsingFailure', status: 'False', reason: 'ParsedGroupVersions', message: 'All legacy kube types successfully parsed' },
    r.failures.length > 0
      ? { type: 'NamespaceDeletionContentFailure', status: 'True', reason: 'ContentDeletionFailed', message: `Failed to delete all resource types, ${r.failures.length} remaining: ${r.failures.join(', ')}` }
      : { type: 'NamespaceDeletionContentFailure', status: 'False', reason: 'ContentDeleted', message: 'All content successfully deleted, may be waiting on finalization' },
    r.remaining.size > 0
      ? { type: 'NamespaceContentRemaining', status: 'True', reason: 'SomeResourcesRemain', message: `Some resources are remaining: ${list(r.remaining, 'has')}` }
      : { type: 'NamespaceContentRemaining', status: 'False', reason: 'ContentRemoved', message: 'All content successfully removed' },
    r.finalizers.size > 0
      ? { type: 'NamespaceFinalizersRemaining', status: 'True', reason: 'SomeFinalizersRemain', message: `Some content in the namespace has finalizers remaining: ${list(r.finalizers, 'in')}` }
      : { type: 'NamespaceFinalizersRemaining', status: 'False', reason: 'ContentHasNoFinalizers', message: 'All content-preserving finalizers finished' },
  ];
}

/** New conditions with lastTransitionTime carried over when a condition's status did not change. */
export function mergeConditions(old: readonly NamespaceCondition[] | undefined, next: NamespaceCondition[], now: Date): NamespaceCondition[] {
  return next.map((c) => {
    const prev = old?.find((o) => o.type === c.type);
    return { ...c, lastTransitionTime: prev && prev.status === c.status && prev.lastTransitionTime ? prev.lastTransitionTime : rfc3339(now) };
  });
}
