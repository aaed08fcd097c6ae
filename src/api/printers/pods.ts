// Pods: the STATUS cell is Kubernetes' summary of phase, init containers and container states, which is what
// people read most; the logic follows printPod in kubernetes pkg/printers/internalversion.
import type { KubeObject } from '../object.js';
import { AGE, NAME, col, wide } from './columns.js';
import { age, formatLabels, humanDuration, int, obj, objs, parseTime, str, containerCells } from './format.js';
import type { Printer } from './types.js';

type Rec = Record<string, unknown>;

const hasTrueCondition = (conditions: Rec[], type: string): boolean =>
  conditions.some((c) => c.type === type && c.status === 'True');

/** The pod's STATUS and READY/RESTARTS figures. */
export function podSummary(pod: KubeObject, now: Date): { ready: string; status: string; restarts: string } {
  const spec = obj(pod.spec);
  const st = obj(pod.status);
  const conditions = objs(st.conditions);
  const initSpecs = objs(spec.initContainers);
  // Sidecars (init containers with restartPolicy Always) count as containers for READY.
  const sidecar = new Set(initSpecs.filter((c) => c.restartPolicy === 'Always').map((c) => str(c.name)));
  const total = objs(spec.containers).length + sidecar.size;
  let ready = 0;
  let restarts = 0;
  let sidecarRestarts = 0;
  let lastRestart = 0;
  let lastSidecarRestart = 0;

  const phase = str(st.phase);
  let reason = str(st.reason) || phase;
  if (conditions.some((c) => c.type === 'PodScheduled' && c.reason === 'SchedulingGated')) reason = 'SchedulingGated';

  const finishedAt = (cs: Rec): number => parseTime(obj(obj(cs.lastState).terminated).finishedAt) ?? 0;

  let initializing = false;
  const initStatuses = objs(st.initContainerStatuses);
  for (let i = 0; i < initStatuses.length; i++) {
    const cs = initStatuses[i]!;
    const isSidecar = sidecar.has(str(cs.name));
    restarts += int(cs.restartCount);
    lastRestart = Math.max(lastRestart, finishedAt(cs));
    if (isSidecar) {
      sidecarRestarts += int(cs.restartCount);
      lastSidecarRestart = Math.max(lastSidecarRestart, finishedAt(cs));
    }
    const state = obj(cs.state);
    const terminated = state.terminated === undefined ? undefined : obj(state.terminated);
    const waiting = state.waiting === undefined ? undefined : obj(state.waiting);
    if (terminated && int(terminated.exitCode) === 0) continue;
    if (isSidecar && cs.started === true) {
      if (cs.ready === true) ready++;
      continue;
    }
    if (terminated) {
      const r = str(terminated.reason);
      reason = r ? `Init:${r}` : int(terminated.signal) !== 0 ? `Init:Signal:${int(terminated.signal)}` : `Init:ExitCode:${int(terminated.exitCode)}`;
    } else if (waiting && str(waiting.reason) !== '' && waiting.reason !== 'PodInitializing') {
      reason = `Init:${str(waiting.reason)}`;
    } else {
      reason = `Init:${i}/${initSpecs.length}`;
    }
    initializing = true;
    break;
  }

  if (!initializing || hasTrueCondition(conditions, 'Initialized')) {
    restarts = sidecarRestarts;
    lastRestart = lastSidecarRestart;
    let hasRunning = false;
    const statuses = objs(st.containerStatuses);
    // Walk backwards so that the first container's state wins, as Kubernetes does.
    for (let i = statuses.length - 1; i >= 0; i--) {
      const cs = statuses[i]!;
      restarts += int(cs.restartCount);
      lastRestart = Math.max(lastRestart, finishedAt(cs));
      const state = obj(cs.state);
      const waiting = state.waiting === undefined ? undefined : obj(state.waiting);
      const terminated = state.terminated === undefined ? undefined : obj(state.terminated);
      if (waiting && str(waiting.reason) !== '') reason = str(waiting.reason);
      else if (terminated && str(terminated.reason) !== '') reason = str(terminated.reason);
      else if (terminated) reason = int(terminated.signal) !== 0 ? `Signal:${int(terminated.signal)}` : `ExitCode:${int(terminated.exitCode)}`;
      else if (cs.ready === true && state.running !== undefined) {
        hasRunning = true;
        ready++;
      }
    }
    // A pod whose some containers completed but others still run is Running (or NotReady), not Completed.
    if (reason === 'Completed' && hasRunning) reason = hasTrueCondition(conditions, 'Ready') ? 'Running' : 'NotReady';
  }

  const deleting = pod.metadata?.deletionTimestamp !== undefined && pod.metadata.deletionTimestamp !== null;
  if (deleting && st.reason === 'NodeLost') reason = 'Unknown';
  else if (deleting && phase !== 'Failed' && phase !== 'Succeeded') reason = 'Terminating';

  const restartsText = restarts !== 0 && lastRestart !== 0 ? `${restarts} (${humanDuration(now.getTime() - lastRestart)} ago)` : String(restarts);
  return { ready: `${ready}/${total}`, status: reason, restarts: restartsText };
}

export const podPrinter: Printer = {
  columns: [
    NAME,
    col('Ready', 'string', 'The aggregate readiness state of this pod for accepting traffic.'),
    col('Status', 'string', 'The aggregate status of the containers in this pod.'),
    col('Restarts', 'string', 'The number of times the containers in this pod have been restarted and when the last container in this pod has restarted.'),
    AGE,
    wide('IP', 'string', 'podIP address allocated to the pod. Routable at least within the cluster. Empty if not yet allocated.'),
    wide('Node', 'string', 'NodeName indicates in which node this pod is scheduled. If empty, this pod is a candidate for scheduling by the scheduler defined in schedulerName.'),
    wide('Nominated Node', 'string', 'nominatedNodeName is set only when this pod preempts other pods on the node, but it cannot be scheduled right away as preemption victims receive their graceful termination periods.'),
    wide('Readiness Gates', 'string', 'If specified, all readiness gates will be evaluated for pod readiness. A pod is ready when all its containers are ready AND all conditions specified in the readiness gates have status equal to "True".'),
  ],
  rowConditions(pod) {
    const phase = obj(pod.status).phase;
    if (phase === 'Succeeded') return [{ type: 'Completed', status: 'True', reason: 'Succeeded', message: 'The pod has completed successfully.' }];
    if (phase === 'Failed') return [{ type: 'Completed', status: 'True', reason: 'Failed', message: 'The pod failed.' }];
    return undefined;
  },
  cells(pod, now) {
    const spec = obj(pod.spec);
    const st = obj(pod.status);
    const s = podSummary(pod, now);
    const ip = str(objs(st.podIPs)[0]?.ip) || str(st.podIP) || '<none>';
    const gates = objs(spec.readinessGates);
    let readinessGates = '<none>';
    if (gates.length) {
      const conditions = objs(st.conditions);
      const met = gates.filter((g) => conditions.find((c) => c.type === g.conditionType)?.status === 'True').length;
      readinessGates = `${met}/${gates.length}`;
    }
    return [
      pod.metadata?.name ?? '',
      s.ready,
      s.status,
      s.restarts,
      age(pod.metadata?.creationTimestamp, now),
      ip,
      str(spec.nodeName) || '<none>',
      str(st.nominatedNodeName) || '<none>',
      readinessGates,
    ];
  },
};

export const podTemplatePrinter: Printer = {
  columns: [
    NAME,
    col('Containers', 'string', 'Names of each container in the template.'),
    col('Images', 'string', 'Images referenced by each container in the template.'),
    col('Pod Labels', 'string', 'The labels for the pod template.'),
  ],
  cells(o) {
    const template = obj(o.template);
    const [names, images] = containerCells(obj(template.spec).containers);
    return [o.metadata?.name ?? '', names, images, formatLabels(obj(template.metadata).labels)];
  },
};
