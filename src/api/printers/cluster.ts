// Small groups: scheduling.k8s.io PriorityClass, coordination.k8s.io Lease, node.k8s.io RuntimeClass.
import { AGE, NAME, col } from './columns.js';
import { age, int, obj, str } from './format.js';
import type { Printer } from './types.js';

export const priorityClassPrinter: Printer = {
  columns: [
    NAME,
    col('Value', 'integer', 'value represents the integer value of this priority class.'),
    col('Global-Default', 'boolean', 'globalDefault specifies whether this PriorityClass should be considered as the default priority for pods that do not have any priority class.'),
    AGE,
    col('PreemptionPolicy', 'string', 'preemptionPolicy is the Policy for preempting pods with lower priority.'),
  ],
  cells: (o, now) => [o.metadata?.name ?? '', int(o.value), o.globalDefault === true, age(o.metadata?.creationTimestamp, now), str(o.preemptionPolicy)],
};

export const leasePrinter: Printer = {
  columns: [NAME, col('Holder', 'string', 'holderIdentity contains the identity of the holder of a current lease.'), AGE],
  cells: (o, now) => [o.metadata?.name ?? '', str(obj(o.spec).holderIdentity), age(o.metadata?.creationTimestamp, now)],
};

export const runtimeClassPrinter: Printer = {
  columns: [NAME, col('Handler', 'string', 'handler specifies the underlying runtime and configuration that the CRI implementation will use to handle pods of this class.'), AGE],
  cells: (o, now) => [o.metadata?.name ?? '', str(o.handler), age(o.metadata?.creationTimestamp, now)],
};
