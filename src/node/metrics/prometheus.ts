// The kubelet's /metrics/resource endpoint in Prometheus text format (version 0.0.4), the names and help texts
// metrics-server reads: node_*, pod_* and container_* usage, each sample with its timestamp in milliseconds.
import type { ResourceSample } from './collector.js';

export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

function labelValue(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

function labels(l: Record<string, string>): string {
  const parts = Object.entries(l).map(([k, v]) => `${k}="${labelValue(v)}"`);
  return parts.length ? `{${parts.join(',')}}` : '';
}

/** Shortest round-trip text of a float (Prometheus readers take JavaScript's and Go's forms alike). */
function num(v: number): string {
  return Number.isFinite(v) ? String(v) : 'NaN';
}

interface Family {
  name: string;
  help: string;
  type: 'counter' | 'gauge';
  rows: { labels: Record<string, string>; value: number; ts?: number }[];
}

export function renderResourceMetrics(s: ResourceSample): string {
  const ts = s.timestampMs;
  const families: Family[] = [];
  const fam = (name: string, help: string, type: Family['type']): Family => {
    const f: Family = { name, help, type, rows: [] };
    families.push(f);
    return f;
  };
  const cCpu = fam('container_cpu_usage_seconds_total', '[STABLE] Cumulative cpu time consumed by the container in core-seconds', 'counter');
  const cMem = fam('container_memory_working_set_bytes', '[STABLE] Current working set of the container in bytes', 'gauge');
  const cStart = fam('container_start_time_seconds', '[STABLE] Start time of the container since unix epoch in seconds', 'gauge');
  const nCpu = fam('node_cpu_usage_seconds_total', '[STABLE] Cumulative cpu time consumed by the node in core-seconds', 'counter');
  const nMem = fam('node_memory_working_set_bytes', '[STABLE] Current working set of the node in bytes', 'gauge');
  const pCpu = fam('pod_cpu_usage_seconds_total', '[STABLE] Cumulative cpu time consumed by the pod in core-seconds', 'counter');
  const pMem = fam('pod_memory_working_set_bytes', '[STABLE] Current working set of the pod in bytes', 'gauge');
  const err = fam('resource_scrape_error', '[STABLE] 1 if there was an error while getting container metrics, 0 otherwise', 'gauge');

  const pods = new Map<string, { namespace: string; pod: string; cpu: number; mem: number }>();
  for (const c of s.containers) {
    const l = { container: c.container, namespace: c.namespace, pod: c.pod };
    cCpu.rows.push({ labels: l, value: c.cpuSeconds, ts });
    cMem.rows.push({ labels: l, value: c.memoryWorkingSetBytes, ts });
    cStart.rows.push({ labels: l, value: c.startTimeMs / 1000, ts });
    const key = `${c.namespace}/${c.pod}`;
    const p = pods.get(key) ?? { namespace: c.namespace, pod: c.pod, cpu: 0, mem: 0 };
    p.cpu += c.cpuSeconds;
    p.mem += c.memoryWorkingSetBytes;
    pods.set(key, p);
  }
  for (const p of pods.values()) {
    pCpu.rows.push({ labels: { namespace: p.namespace, pod: p.pod }, value: p.cpu, ts });
    pMem.rows.push({ labels: { namespace: p.namespace, pod: p.pod }, value: p.mem, ts });
  }
  if (s.node.cpuSeconds !== undefined) nCpu.rows.push({ labels: {}, value: s.node.cpuSeconds, ts });
  if (s.node.memoryWorkingSetBytes !== undefined) nMem.rows.push({ labels: {}, value: s.node.memoryWorkingSetBytes, ts });
  err.rows.push({ labels: {}, value: s.scrapeError ? 1 : 0 });

  const lines: string[] = [];
  for (const f of families) {
    lines.push(`# HELP ${f.name} ${f.help}`, `# TYPE ${f.name} ${f.type}`);
    for (const r of f.rows) lines.push(`${f.name}${labels(r.labels)} ${num(r.value)}${r.ts !== undefined ? ` ${r.ts}` : ''}`);
  }
  return `${lines.join('\n')}\n`;
}
