// Reading a node agent's /metrics/resource (Prometheus text format) into points: cumulative CPU seconds and
// working-set bytes, per node and per container, each with the time it was measured.

export interface Point {
  /** When the agent measured it (ms since the epoch). */
  tsMs: number;
  cpuSeconds?: number;
  memoryBytes?: number;
  /** Containers: when this instance started (a restart is a new counter). */
  startMs?: number;
}

export interface NodeBatch {
  node?: Point;
  /** "namespace/pod" -> container name -> point */
  pods: Map<string, Map<string, Point>>;
}

const LINE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})?\s+(\S+)(?:\s+(-?\d+))?\s*$/;

function parseLabels(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  const re = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"\s*,?/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(text))) out[m[1]!] = m[2]!.replace(/\\n/g, '\n').replace(/\\(.)/g, '$1');
  return out;
}

function parseValue(v: string): number {
  if (v === '+Inf') return Infinity;
  if (v === '-Inf') return -Infinity;
  return Number(v);
}

/** Lines without a timestamp take fallbackTsMs (the scrape time), as metrics-server does for old kubelets. */
export function parseResourceMetrics(text: string, fallbackTsMs: number): NodeBatch {
  const batch: NodeBatch = { pods: new Map() };
  const container = (l: Record<string, string>, ts: number): Point | undefined => {
    if (!l['namespace'] || !l['pod'] || !l['container']) return undefined;
    const key = `${l['namespace']}/${l['pod']}`;
    let cs = batch.pods.get(key);
    if (!cs) batch.pods.set(key, (cs = new Map()));
    let p = cs.get(l['container']);
    if (!p) cs.set(l['container'], (p = { tsMs: ts }));
    return p;
  };
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const m = LINE.exec(line);
    if (!m) continue;
    const [, name, , labelText, valueText, tsText] = m;
    const value = parseValue(valueText!);
    if (!Number.isFinite(value)) continue;
    const ts = tsText ? Number(tsText) : fallbackTsMs;
    const labels = labelText ? parseLabels(labelText) : {};
    switch (name) {
      case 'node_cpu_usage_seconds_total':
        batch.node = { ...batch.node, tsMs: ts, cpuSeconds: value };
        break;
      case 'node_memory_working_set_bytes':
        batch.node = { tsMs: batch.node?.tsMs ?? ts, ...batch.node, memoryBytes: value };
        break;
      case 'container_cpu_usage_seconds_total': {
        const p = container(labels, ts);
        if (p) {
          p.cpuSeconds = value;
          p.tsMs = ts;
        }
        break;
      }
      case 'container_memory_working_set_bytes': {
        const p = container(labels, ts);
        if (p) p.memoryBytes = value;
        break;
      }
      case 'container_start_time_seconds': {
        const p = container(labels, ts);
        if (p) p.startMs = Math.round(value * 1000);
        break;
      }
      default:
        break;
    }
  }
  return batch;
}
