// apps/v1 printers.
import type { KubeObject } from '../object.js';
import { AGE, CONTAINERS, IMAGES, NAME, col, wideSelector } from './columns.js';
import { age, containerCells, formatLabelSelector, formatLabels, int, obj, selectorString } from './format.js';
import type { Printer } from './types.js';

const name = (o: KubeObject): string => o.metadata?.name ?? '';
const created = (o: KubeObject, now: Date): string => age(o.metadata?.creationTimestamp, now);
const containers = (o: KubeObject): [string, string] => containerCells(obj(obj(obj(o.spec).template).spec).containers);
// spec.replicas defaults to 1 in every apps type.
const desired = (o: KubeObject): number => int(obj(o.spec).replicas, 1);

export const deploymentPrinter: Printer = {
  columns: [
    NAME,
    col('Ready', 'string', 'Number of the pod with ready state'),
    col('Up-to-date', 'string', 'Total number of non-terminating pods targeted by this deployment that have the desired template spec.'),
    col('Available', 'string', 'Total number of available non-terminating pods (ready for at least minReadySeconds) targeted by this deployment.'),
    AGE,
    CONTAINERS,
    IMAGES,
    wideSelector('Label selector for pods. Existing ReplicaSets whose pods are selected by this will be the ones affected by this deployment.'),
  ],
  cells(o, now) {
    const st = obj(o.status);
    const [names, images] = containers(o);
    return [name(o), `${int(st.readyReplicas)}/${desired(o)}`, int(st.updatedReplicas), int(st.availableReplicas), created(o, now), names, images, selectorString(obj(o.spec).selector)];
  },
};

export const replicaSetPrinter: Printer = {
  columns: [
    NAME,
    col('Desired', 'integer', 'Replicas is the number of desired pods.'),
    col('Current', 'integer', 'Replicas is the most recently observed number of non-terminating pods.'),
    col('Ready', 'integer', 'The number of non-terminating pods targeted by this ReplicaSet with a Ready Condition.'),
    AGE,
    CONTAINERS,
    IMAGES,
    wideSelector('Selector is a label query over pods that should match the replica count.'),
  ],
  cells(o, now) {
    const st = obj(o.status);
    const [names, images] = containers(o);
    return [name(o), desired(o), int(st.replicas), int(st.readyReplicas), created(o, now), names, images, formatLabelSelector(obj(o.spec).selector)];
  },
};

export const statefulSetPrinter: Printer = {
  columns: [NAME, col('Ready', 'string', 'Number of the pod with ready state'), AGE, CONTAINERS, IMAGES],
  cells(o, now) {
    const [names, images] = containers(o);
    return [name(o), `${int(obj(o.status).readyReplicas)}/${desired(o)}`, created(o, now), names, images];
  },
};

export const daemonSetPrinter: Printer = {
  columns: [
    NAME,
    col('Desired', 'integer', 'The total number of nodes that should be running the daemon pod (including nodes correctly running the daemon pod).'),
    col('Current', 'integer', 'The number of nodes that are running at least 1 daemon pod and are supposed to run the daemon pod.'),
    col('Ready', 'integer', 'numberReady is the number of nodes that should be running the daemon pod and have one or more of the daemon pod running with a Ready Condition.'),
    col('Up-to-date', 'integer', 'The total number of nodes that are running updated daemon pod'),
    col('Available', 'integer', 'The number of nodes that should be running the daemon pod and have one or more of the daemon pod running and available (ready for at least spec.minReadySeconds)'),
    col('Node Selector', 'string', "NodeSelector is a selector which must be true for the pod to fit on a node. Selector which must match a node's labels for the pod to be scheduled on that node."),
    AGE,
    CONTAINERS,
    IMAGES,
    wideSelector('A label query over pods that are managed by the daemon set. Must match in order to be controlled.'),
  ],
  cells(o, now) {
    const st = obj(o.status);
    const [names, images] = containers(o);
    const nodeSelector = obj(obj(obj(o.spec).template).spec).nodeSelector;
    return [
      name(o),
      int(st.desiredNumberScheduled),
      int(st.currentNumberScheduled),
      int(st.numberReady),
      int(st.updatedNumberScheduled),
      int(st.numberAvailable),
      formatLabels(nodeSelector),
      created(o, now),
      names,
      images,
      formatLabelSelector(obj(o.spec).selector),
    ];
  },
};

/** "statefulset.apps/web": the controlling owner, lower-cased kind.group/name. */
function controllerOf(o: KubeObject): string {
  const ref = (o.metadata?.ownerReferences ?? []).find((r) => r.controller === true);
  if (!ref) return '<none>';
  const slash = ref.apiVersion.lastIndexOf('/');
  const group = slash < 0 ? '' : ref.apiVersion.slice(0, slash);
  if (!ref.kind) return ref.name;
  return `${(group ? `${ref.kind}.${group}` : ref.kind).toLowerCase()}/${ref.name}`;
}

export const controllerRevisionPrinter: Printer = {
  columns: [
    NAME,
    col('Controller', 'string', 'Controller of the object'),
    col('Revision', 'string', 'Revision indicates the revision of the state represented by Data.'),
    AGE,
  ],
  cells: (o, now) => [name(o), controllerOf(o), int(o.revision), created(o, now)],
};

