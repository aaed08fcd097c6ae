// Usage for simulated nodes (kwok-like: data, not measurement). A simulated node has no agent to scrape (its
// addresses are made up, so nothing is sent to them); instead its running pods say what they use through
// annotations, and each scrape turns that into the same cumulative counters an agent reports:
//   sim.tugboat.dev/cpu-usage: "200m"      every regular container of the pod uses this much CPU
//   sim.tugboat.dev/memory-usage: "64Mi"   and this working set (0 when absent)
// A test changes the load by annotating the pods (`kubectl annotate pods -l app=x sim.tugboat.dev/cpu-usage=10m
// --overwrite`). Pods without cpu-usage report nothing, as a pod without metrics; the node reports the sum.
import { Quantity } from '../../api/quantity.js';
import type { KubeObject } from '../../api/object.js';
import type { NodeBatch, Point } from './parse.js';

export const SIM_NODE_ANNOTATION = 'sim.tugboat.dev/node';
export const SIM_CPU_USAGE = 'sim.tugboat.dev/cpu-usage';
export const SIM_MEMORY_USAGE = 'sim.tugboat.dev/memory-usage';

export function isSimNode(node: KubeObject): boolean {
  return node.metadata?.annotations?.[SIM_NODE_ANNOTATION] === 'true';
}

interface PodShape {
  spec?: { nodeName?: string; containers?: { name?: string }[] };
  status?: { phase?: string; containerStatuses?: { name?: string; state?: { running?: { startedAt?: string } } }[] };
}

/** The quantity as a plain number (cores, bytes); undefined when absent or not a quantity. */
function quantity(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  try {
    const q = Quantity.parse(text);
    return q === undefined ? undefined : q.milliValue() / 1000;
  } catch {
    return undefined;
  }
}

/**
 * Keeps one cumulative CPU counter per container (by pod uid), advanced at the annotated rate since the last
 * scrape, so a changed annotation changes the rate from that moment on, as a real load would. A container seen
 * for the first time counts from its start, so the first window after a restart of the server is right too.
 */
export class SimUsage {
  private readonly counters = new Map<string, { tsMs: number; cpuSeconds: number }>();
  /** Container keys reported by the current scrape (the rest are forgotten by endScrape). */
  private readonly seen = new Set<string>();

  private advance(key: string, cores: number, fromMs: number, nowMs: number): number {
    const prev = this.counters.get(key) ?? { tsMs: Math.min(fromMs, nowMs), cpuSeconds: 0 };
    const cpuSeconds = prev.cpuSeconds + (cores * Math.max(0, nowMs - prev.tsMs)) / 1000;
    this.counters.set(key, { tsMs: nowMs, cpuSeconds });
    this.seen.add(key);
    return cpuSeconds;
  }

  /** The batch a simulated node's agent would report now, from the pods bound to it. */
  sample(node: string, pods: KubeObject[], nowMs: number): NodeBatch {
    const batch: NodeBatch = { pods: new Map() };
    let nodeCores = 0;
    let nodeMem = 0;
    for (const o of pods) {
      const p = o as KubeObject & PodShape;
      if (p.spec?.nodeName !== node || p.status?.phase !== 'Running' || o.metadata?.deletionTimestamp) continue;
      const a = o.metadata?.annotations ?? {};
      const cores = quantity(a[SIM_CPU_USAGE]);
      if (cores === undefined || cores < 0) continue;
      const mem = quantity(a[SIM_MEMORY_USAGE]) ?? 0;
      const cs = new Map<string, Point>();
      for (const c of p.spec?.containers ?? []) {
        const name = c.name ?? '';
        const started = Date.parse(p.status?.containerStatuses?.find((s) => s.name === name)?.state?.running?.startedAt ?? '');
        if (!Number.isFinite(started)) continue;
        const cpuSeconds = this.advance(`${o.metadata?.uid ?? ''}/${name}`, cores, started, nowMs);
        cs.set(name, { tsMs: nowMs, cpuSeconds, memoryBytes: mem, startMs: started });
        nodeCores += cores;
        nodeMem += mem;
      }
      if (cs.size) batch.pods.set(`${o.metadata?.namespace ?? ''}/${o.metadata?.name ?? ''}`, cs);
    }
    // The node's own counter runs at the sum of its pods' rates (so pods going away never make it go down).
    const cpuSeconds = this.advance(`node:${node}`, nodeCores, nowMs, nowMs);
    batch.node = { tsMs: nowMs, cpuSeconds, memoryBytes: nodeMem };
    return batch;
  }

  /** Forgets the counters of containers (and nodes) the scrape that just ended did not report. */
  endScrape(): void {
    for (const k of this.counters.keys()) if (!this.seen.has(k)) this.counters.delete(k);
    this.seen.clear();
  }
}
