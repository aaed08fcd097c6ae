// NodeName: a pod that names its node fits only there.
import { Action, unresolvable, type Plugin } from '../types.js';

export const NODE_NAME_REASON = "node(s) didn't match the requested node name";
const rejected = unresolvable(NODE_NAME_REASON);

export function nodeName(): Plugin {
  return {
    name: 'NodeName',
    events: () => [{ resource: 'Node', actions: Action.Add }],
    filter: (_s, pod, node) => (pod.nodeName === '' || pod.nodeName === node.name ? null : rejected),
  };
}
