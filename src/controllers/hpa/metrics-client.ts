// Resource metrics through the API (metrics.k8s.io PodMetrics), as Kubernetes' REST metrics client reads them:
// a pod's value is the sum over its containers (all must report the resource), in thousandths.
import { Quantity } from '../../api/quantity.js';
import type { KubeObject } from '../../api/object.js';
import type { Client } from '../../client/types.js';
import type { PodMetrics } from './replica-calc.js';
import { podMetricsRef } from './types.js';

interface PodMetricsObject extends KubeObject {
  timestamp?: string;
  window?: string;
  containers?: { name: string; usage?: Record<string, string> }[];
}

const UNITS: Record<string, number> = { h: 3_600_000, m: 60_000, s: 1000, ms: 1, us: 1e-3, 'µs': 1e-3, ns: 1e-6 };

/** Go duration text ("10.004s", "1m0.5s") in milliseconds. */
export function parseGoDuration(s: string | undefined): number {
  if (!s) return 0;
  let total = 0;
  const re = /(\d+(?:\.\d+)?)(h|ms|m|s|us|µs|ns)/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(s))) total += Number(m[1]) * (UNITS[m[2]!] ?? 0);
  return total;
}

export async function resourceMetrics(client: Client, namespace: string, selector: string, resource: string, container?: string): Promise<PodMetrics> {
  let items: PodMetricsObject[];
  try {
    items = (await client.list<PodMetricsObject>(podMetricsRef, namespace, { labelSelector: selector })).items;
  } catch (e) {
    throw new Error(`unable to fetch metrics from resource metrics API: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (items.length === 0) throw new Error('no metrics returned from resource metrics API');
  const out: PodMetrics = new Map();
  for (const m of items) {
    const info = { tsMs: Date.parse(m.timestamp ?? '') || 0, windowMs: parseGoDuration(m.window) };
    const cs = m.containers ?? [];
    if (container) {
      const c = cs.find((x) => x.name === container);
      if (!c) throw new Error(`failed to get container metrics: container ${container} not present in metrics for pod ${m.metadata?.namespace ?? ''}/${m.metadata?.name ?? ''}`);
      const q = c.usage?.[resource] === undefined ? undefined : Quantity.parse(c.usage[resource]!);
      if (q) out.set(m.metadata?.name ?? '', { value: q.milliValue(), ...info });
      continue;
    }
    if (cs.length === 0) continue;
    let sum = 0;
    let missing = false;
    for (const c of cs) {
      const q = c.usage?.[resource] === undefined ? undefined : Quantity.parse(c.usage[resource]!);
      if (!q) {
        missing = true;
        break;
      }
      sum += q.milliValue();
    }
    if (!missing) out.set(m.metadata?.name ?? '', { value: sum, ...info });
  }
  return out;
}
