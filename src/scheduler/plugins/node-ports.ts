// NodePorts: two pods may not take the same host port and protocol on one node (0.0.0.0 clashes with any IP).
import type { NodeInfo } from '../node-info.js';
import type { PodInfo } from '../pod-info.js';
import { Action, unschedulable, type Plugin } from '../types.js';

export const NODE_PORTS_REASON = "node(s) didn't have free ports for the requested pod ports";
const rejected = unschedulable(NODE_PORTS_REASON);

export function portsConflict(pod: PodInfo, node: NodeInfo): boolean {
  for (const hp of pod.hostPorts) {
    const ips = node.usedPorts.get(`${hp.protocol}/${hp.port}`);
    if (!ips) continue;
    for (const ip of ips) if (ip === hp.ip || ip === '0.0.0.0' || hp.ip === '0.0.0.0') return true;
  }
  return false;
}

export function nodePorts(): Plugin {
  return {
    name: 'NodePorts',
    events: () => [
      { resource: 'AssignedPod', actions: Action.Delete },
      { resource: 'Node', actions: Action.Add | Action.Update },
    ],
    preFilter: (_s, pod) => (pod.hostPorts.length === 0 ? 'skip' : null),
    filter: (_s, pod, node) => (portsConflict(pod, node) ? rejected : null),
  };
}
