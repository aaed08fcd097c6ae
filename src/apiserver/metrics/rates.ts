// Usage from two samples, as metrics-server computes it: CPU is the rate of the cumulative counter between the
// previous and the latest point (the window), memory the latest working set. A container that started after
// the previous scrape counts from its start with zero CPU; a counter that went down (a restart) gives nothing.
import type { NodeBatch, Point } from './parse.js';

export interface Usage {
  /** Nano-cores. */
  cpuNanocores: number;
  memoryBytes: number;
  tsMs: number;
  windowMs: number;
}

export function pointUsage(prev: Point | undefined, last: Point | undefined): Usage | undefined {
  if (!prev || !last || last.cpuSeconds === undefined || last.memoryBytes === undefined || prev.cpuSeconds === undefined) return undefined;
  const windowMs = last.tsMs - prev.tsMs;
  if (windowMs <= 0 || last.cpuSeconds < prev.cpuSeconds) return undefined;
  return { cpuNanocores: ((last.cpuSeconds - prev.cpuSeconds) * 1e9 * 1000) / windowMs, memoryBytes: last.memoryBytes, tsMs: last.tsMs, windowMs };
}

export interface PodUsage {
  tsMs: number;
  windowMs: number;
  containers: { name: string; usage: Usage }[];
}

/** One pod's usage, or undefined unless every one of its containers has a usable pair of points. */
export function podUsage(prev: NodeBatch | undefined, last: NodeBatch, key: string): PodUsage | undefined {
  const now = last.pods.get(key);
  if (!now || now.size === 0) return undefined;
  const before = prev?.pods.get(key);
  const prevScrapeMs = prev?.node?.tsMs ?? firstTs(prev);
  const containers: PodUsage['containers'] = [];
  for (const [name, p] of now) {
    let base = before?.get(name);
    if (base && p.startMs !== undefined && base.startMs !== undefined && base.startMs !== p.startMs) base = undefined;
    // New since the previous scrape: it used nothing before it started.
    if (!base && prevScrapeMs !== undefined && p.startMs !== undefined && p.startMs > prevScrapeMs && p.startMs < p.tsMs) {
      base = { tsMs: p.startMs, cpuSeconds: 0 };
    }
    const u = pointUsage(base, p);
    if (!u) return undefined;
    containers.push({ name, usage: u });
  }
  containers.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const tsMs = Math.max(...containers.map((c) => c.usage.tsMs));
  const windowMs = Math.max(...containers.map((c) => c.usage.windowMs));
  return { tsMs, windowMs, containers };
}

function firstTs(b: NodeBatch | undefined): number | undefined {
  if (!b) return undefined;
  for (const cs of b.pods.values()) for (const p of cs.values()) return p.tsMs;
  return undefined;
}
