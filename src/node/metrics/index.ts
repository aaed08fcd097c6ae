// What the node agent measures (CPU and memory of the node and of each running container) and serves at
// GET /metrics/resource for the API server's metrics.k8s.io API.
import type { ContainerRuntime } from '../../runtime/types.js';
import type { Clock } from '../../util/clock.js';
import type { PodSlot } from '../pod-state.js';
import { DEFAULT_SAMPLE_INTERVAL_MS, ResourceMetricsCollector, type MeasuredContainer } from './collector.js';

export { ResourceMetricsCollector, DEFAULT_SAMPLE_INTERVAL_MS, type MeasuredContainer, type ResourceSample, type ContainerUsage } from './collector.js';
export { renderResourceMetrics, PROMETHEUS_CONTENT_TYPE } from './prometheus.js';

/** The path kubelet serves resource metrics on. */
export const RESOURCE_METRICS_PATH = '/metrics/resource';

/** Running containers of the pods the agent holds (slots of recovered pods not yet matched to a pod are skipped). */
export function runningContainers(slots: ReadonlyMap<string, PodSlot>): MeasuredContainer[] {
  const out: MeasuredContainer[] = [];
  for (const slot of slots.values()) {
    const i = slot.key.indexOf('/');
    if (slot.key.startsWith('uid:') || i < 0) continue;
    for (const c of slot.containers.values()) {
      const st = c.current?.status;
      if (!c.current || st?.state !== 'running') continue;
      out.push({ namespace: slot.key.slice(0, i), pod: slot.key.slice(i + 1), container: c.name, id: c.current.id, pid: st.pid, startedAt: st.startedAt });
    }
  }
  return out;
}

/**
 * Starts sampling the agent's containers; stops when the signal aborts. runtime: the agent's runtime, asked for
 * each container's usage when it can measure it (OCI cgroups); several runtimes on a node route usage(id) to the
 * runtime holding the container, and answer undefined for process containers (measured through /proc).
 */
export function startResourceMetrics(o: { slots: ReadonlyMap<string, PodSlot>; signal: AbortSignal; runtime?: Pick<ContainerRuntime, 'usage'>; clock?: Clock; intervalMs?: number }): ResourceMetricsCollector {
  const c = new ResourceMetricsCollector({ containers: () => runningContainers(o.slots), runtime: o.runtime, clock: o.clock, intervalMs: o.intervalMs ?? 10_000 });
  void c.run(o.signal);
  return c;
}
