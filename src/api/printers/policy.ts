// policy/v1 PodDisruptionBudget.
import { AGE, NAME, col } from './columns.js';
import { age, int, intOrString, obj } from './format.js';
import type { Printer } from './types.js';

export const pdbPrinter: Printer = {
  columns: [
    NAME,
    col('Min Available', 'string', 'The minimum number of pods that must be available.'),
    col('Max Unavailable', 'string', 'The maximum number of pods that may be unavailable.'),
    col('Allowed Disruptions', 'integer', 'Calculated number of pods that may be disrupted at this time.'),
    AGE,
  ],
  cells(o, now) {
    const spec = obj(o.spec);
    const min = spec.minAvailable === undefined || spec.minAvailable === null ? 'N/A' : intOrString(spec.minAvailable);
    const max = spec.maxUnavailable === undefined || spec.maxUnavailable === null ? 'N/A' : intOrString(spec.maxUnavailable);
    return [o.metadata?.name ?? '', min, max, int(obj(o.status).disruptionsAllowed), age(o.metadata?.creationTimestamp, now)];
  },
};
