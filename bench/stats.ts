// Small helpers shared by the benchmarks: latency percentiles and timing.

export function percentile(sortedMs: number[], p: number): number {
  if (sortedMs.length === 0) return NaN;
  const i = Math.min(sortedMs.length - 1, Math.max(0, Math.ceil((p / 100) * sortedMs.length) - 1));
  return sortedMs[i]!;
}

export function round(n: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}

/** Latency summary in milliseconds. */
export function summarize(latenciesMs: number[]): { p50_ms: number; p99_ms: number; max_ms: number } {
  const s = [...latenciesMs].sort((a, b) => a - b);
  return { p50_ms: round(percentile(s, 50), 3), p99_ms: round(percentile(s, 99), 3), max_ms: round(s.at(-1) ?? NaN, 3) };
}

export const nowMs = (): number => Number(process.hrtime.bigint()) / 1e6;

/**
 * Runs `op` from `concurrency` loops for `durationMs` and reports throughput and latency.
 */
export async function load(
  concurrency: number,
  durationMs: number,
  op: (worker: number, i: number) => Promise<unknown>,
): Promise<{ ops: number; ops_per_s: number; p50_ms: number; p99_ms: number; max_ms: number }> {
  const lat: number[] = [];
  const start = nowMs();
  const end = start + durationMs;
  await Promise.all(
    Array.from({ length: concurrency }, async (_, w) => {
      for (let i = 0; nowMs() < end; i++) {
        const t = nowMs();
        await op(w, i);
        lat.push(nowMs() - t);
      }
    }),
  );
  const elapsed = (nowMs() - start) / 1000;
  return { ops: lat.length, ops_per_s: Math.round(lat.length / elapsed), ...summarize(lat) };
}
