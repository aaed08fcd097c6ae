// DefaultTolerationSeconds: every pod tolerates node.kubernetes.io/not-ready and .../unreachable (NoExecute)
// for a bounded time unless it already tolerates them, so the node lifecycle controller evicts its pods only
// after that time. A toleration with an empty key or effect counts as tolerating both (it matches them).
import { append, isPodWrite, objects, podSpec } from './pod-spec.js';
import type { AdmissionPlugin } from './types.js';

export const NOT_READY_TAINT = 'node.kubernetes.io/not-ready';
export const UNREACHABLE_TAINT = 'node.kubernetes.io/unreachable';

export const defaultTolerationSeconds: AdmissionPlugin = {
  name: 'DefaultTolerationSeconds',
  admit(a) {
    if (!isPodWrite(a.group, a.resource, a.subresource)) return;
    const spec = podSpec(a.obj);
    if (!spec) return;
    const tolerations = objects(spec['tolerations']);
    const tolerates = (key: string) =>
      tolerations.some((t) => (t['key'] === key || !t['key']) && (t['effect'] === 'NoExecute' || !t['effect']));
    for (const key of [NOT_READY_TAINT, UNREACHABLE_TAINT]) {
      if (tolerates(key)) continue;
      append(spec, 'tolerations', { key, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: a.config.defaultTolerationSeconds });
    }
  },
};
