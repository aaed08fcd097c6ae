// Slow-start batches (Kubernetes' slowStartBatch): run 1 call, then 2, then 4... in parallel, stopping after the
// first batch with a failure. A quota or admission error then costs one failed call, not hundreds.
export interface SlowStartResult {
  successes: number;
  /** Calls never made because an earlier batch failed. */
  skipped: number;
  errors: unknown[];
}

/** The batch sizes for count calls starting at `initial` (pure, for tests): 1, 2, 4, ... then the remainder. */
export function slowStartSizes(count: number, initial = 1): number[] {
  const sizes: number[] = [];
  let left = count;
  let size = Math.min(left, Math.max(1, initial));
  while (left > 0) {
    sizes.push(size);
    left -= size;
    size = Math.min(2 * size, left);
  }
  return sizes;
}

export async function slowStartBatch(count: number, initial: number, fn: (i: number) => Promise<void>): Promise<SlowStartResult> {
  let done = 0;
  let successes = 0;
  for (const size of slowStartSizes(count, initial)) {
    const results = await Promise.allSettled(Array.from({ length: size }, (_, j) => fn(done + j)));
    done += size;
    const errors = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as unknown] : []));
    successes += size - errors.length;
    if (errors.length > 0) return { successes, skipped: count - done, errors };
  }
  return { successes, skipped: 0, errors: [] };
}
