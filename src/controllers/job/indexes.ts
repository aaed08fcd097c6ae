// Completion indexes as Job status writes them: sorted, compressed into ranges ("1,3-5,7").

export function parseIndexes(s: string | undefined | null, limit = Number.POSITIVE_INFINITY): Set<number> {
  const out = new Set<number>();
  if (!s) return out;
  for (const part of s.split(',')) {
    const [a, b] = part.split('-');
    const lo = Number(a);
    const hi = b === undefined ? lo : Number(b);
    if (!Number.isInteger(lo) || !Number.isInteger(hi)) continue;
    for (let i = lo; i <= hi && i < limit; i++) out.add(i);
  }
  return out;
}

export function formatIndexes(set: Iterable<number>): string {
  const xs = [...new Set(set)].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < xs.length; ) {
    let j = i;
    while (j + 1 < xs.length && xs[j + 1] === xs[j]! + 1) j++;
    parts.push(j === i ? `${xs[i]}` : `${xs[i]}-${xs[j]}`);
    i = j + 1;
  }
  return parts.join(',');
}

/** The completion index a pod carries (annotation, else label), or undefined. */
export function podIndex(annotations: Record<string, string> | undefined, labels?: Record<string, string>): number | undefined {
  const v = annotations?.['batch.kubernetes.io/job-completion-index'] ?? labels?.['batch.kubernetes.io/job-completion-index'];
  if (v === undefined || !/^[0-9]+$/.test(v)) return undefined;
  return Number(v);
}
