// metrics.k8s.io: the Table metrics-server serves for `kubectl get nodes.metrics.k8s.io` / `podmetrics`:
// NAME, cpu, memory (pods: summed over containers) and WINDOW. `kubectl top` reads the objects, not this.
import type { KubeObject } from '../object.js';
import { Quantity } from '../quantity.js';
import { NAME, col } from './columns.js';
import type { Printer } from './types.js';

type Usage = Record<string, string | undefined>;

const usageColumns = [col('cpu', 'string', '', 0, 'quantity'), col('memory', 'string', '', 0, 'quantity'), col('Window', 'string', '', 0, 'duration')];

export const nodeMetricsPrinter: Printer = {
  columns: [NAME, ...usageColumns],
  cells(o: KubeObject) {
    const u = ((o as { usage?: Usage }).usage ?? {}) as Usage;
    return [o.metadata?.name ?? '', u.cpu ?? '', u.memory ?? '', String((o as { window?: string }).window ?? '')];
  },
};

/** Summed in the first value's format, as Go's Quantity.Add keeps the receiver's ("43Mi" + "1Mi" -> "44Mi"). */
function sum(values: (string | undefined)[]): string {
  let total: Quantity | undefined;
  for (const v of values) {
    const q = v === undefined ? undefined : Quantity.parse(v);
    if (q) total = total ? total.add(q) : q;
  }
  return (total ?? Quantity.zero()).toString();
}

export const podMetricsPrinter: Printer = {
  columns: [NAME, ...usageColumns],
  cells(o: KubeObject) {
    const cs = ((o as { containers?: { usage?: Usage }[] }).containers ?? []).map((c) => c.usage ?? {});
    return [o.metadata?.name ?? '', sum(cs.map((u) => u.cpu)), sum(cs.map((u) => u.memory)), String((o as { window?: string }).window ?? '')];
  },
};
