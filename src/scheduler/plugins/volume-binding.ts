// VolumeBinding: a pod's bound PersistentVolumeClaims tie it to the nodes their volumes' node affinity admits
// (a local-path volume lives on one node). Unbound claims pass: WaitForFirstConsumer claims get their volume
// after the pod is bound (the volume controller marks the claim with the pod's node and provisions there).
// Without lookups (no claims and volumes wired in) every pod passes, as before.
import type { KubeObject } from '../../api/object.js';
import { nodeSelectorTermsMatch } from '../../api/selectors.js';
import type { NodeSelectorTerm } from '../pod-info.js';
import { Action, unresolvable, type Plugin } from '../types.js';

/** Reads from the scheduler's caches. */
export interface VolumeLookups {
  claim(namespace: string, name: string): KubeObject | undefined;
  volume(name: string): KubeObject | undefined;
}

export const VOLUME_NODE_CONFLICT = 'node(s) had volume node affinity conflict';
const STATE_KEY = 'VolumeBinding';

interface ClaimSpec {
  volumeName?: string;
}
interface VolumeSpec {
  nodeAffinity?: { required?: { nodeSelectorTerms?: NodeSelectorTerm[] } };
}

export function volumeBinding(lookups?: VolumeLookups): Plugin {
  return {
    name: 'VolumeBinding',
    events: () => [
      { resource: 'PersistentVolumeClaim', actions: Action.Add | Action.Update },
      { resource: 'Node', actions: Action.Add | Action.UpdateNodeLabel },
    ],
    preFilter(state, pod) {
      if (!lookups) return 'skip';
      const vols = ((pod.pod.spec ?? {}) as { volumes?: { persistentVolumeClaim?: { claimName?: string } }[] }).volumes ?? [];
      const termSets: NodeSelectorTerm[][] = [];
      for (const v of vols) {
        const name = v.persistentVolumeClaim?.claimName;
        if (!name) continue;
        const claim = lookups.claim(pod.namespace, name);
        if (!claim) return unresolvable(`persistentvolumeclaim "${name}" not found`);
        const volumeName = (claim.spec as ClaimSpec | undefined)?.volumeName;
        if (!volumeName) continue;
        const pv = lookups.volume(volumeName);
        if (!pv) return unresolvable(`persistentvolume "${volumeName}" not found`);
        const terms = (pv.spec as VolumeSpec | undefined)?.nodeAffinity?.required?.nodeSelectorTerms;
        if (terms) termSets.push(terms);
      }
      if (termSets.length === 0) return 'skip';
      state.write(STATE_KEY, termSets);
      return null;
    },
    filter(state, _pod, node) {
      const termSets = state.read<NodeSelectorTerm[][]>(STATE_KEY);
      if (!termSets) return null;
      for (const terms of termSets) if (!nodeSelectorTermsMatch(terms, node.name, node.labels)) return unresolvable(VOLUME_NODE_CONFLICT);
      return null;
    },
  };
}
