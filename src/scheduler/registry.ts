// The one explicit registry of plugins by name, and the default profile (kube-scheduler's default plugin set
// and score weights). Nothing registers itself on import.
import { Framework, type FrameworkOptions, type WeightedPlugin } from './framework.js';
import { defaultPreemption, type PreemptionDeps } from './plugins/default-preemption.js';
import { imageLocality } from './plugins/image-locality.js';
import { interPodAffinity } from './plugins/inter-pod-affinity.js';
import { nodeAffinity } from './plugins/node-affinity.js';
import { nodeName } from './plugins/node-name.js';
import { nodePorts } from './plugins/node-ports.js';
import { nodeResourcesBalancedAllocation } from './plugins/node-resources-balanced-allocation.js';
import { nodeResourcesFit, type FitArgs } from './plugins/node-resources-fit.js';
import { nodeUnschedulable } from './plugins/node-unschedulable.js';
import { podTopologySpread } from './plugins/pod-topology-spread.js';
import { taintToleration } from './plugins/taint-toleration.js';
import { volumeBinding, type VolumeLookups } from './plugins/volume-binding.js';
import type { Plugin } from './types.js';

export interface PluginArgs {
  preemption?: PreemptionDeps;
  fit?: FitArgs;
  /** Claims and volumes, so VolumeBinding can honour volumes' node affinity. */
  volumes?: VolumeLookups;
}

export const registry: Record<string, (args: PluginArgs) => Plugin> = {
  NodeUnschedulable: () => nodeUnschedulable(),
  NodeName: () => nodeName(),
  TaintToleration: () => taintToleration(),
  NodeAffinity: () => nodeAffinity(),
  NodePorts: () => nodePorts(),
  NodeResourcesFit: (a) => nodeResourcesFit(a.fit),
  // LeastAllocated scoring is NodeResourcesFit's default strategy; this name selects it alone (no filter).
  NodeResourcesLeastAllocated: () => {
    const { score } = nodeResourcesFit({ strategy: 'LeastAllocated' });
    return { name: 'NodeResourcesLeastAllocated', score };
  },
  NodeResourcesBalancedAllocation: () => nodeResourcesBalancedAllocation(),
  ImageLocality: () => imageLocality(),
  VolumeBinding: (a) => volumeBinding(a.volumes),
  PodTopologySpread: () => podTopologySpread(),
  InterPodAffinity: () => interPodAffinity(),
  DefaultPreemption: (a) => defaultPreemption(a.preemption),
};

export interface ProfilePlugin {
  name: string;
  /** Score weight; 0 or absent for plugins that do not score. */
  weight?: number;
}

/** kube-scheduler's default profile, in its order, with its score weights. */
export const defaultProfile: ProfilePlugin[] = [
  { name: 'NodeUnschedulable' },
  { name: 'NodeName' },
  { name: 'TaintToleration', weight: 3 },
  { name: 'NodeAffinity', weight: 2 },
  { name: 'NodePorts' },
  { name: 'NodeResourcesFit', weight: 1 },
  { name: 'VolumeBinding' },
  { name: 'PodTopologySpread', weight: 2 },
  { name: 'InterPodAffinity', weight: 2 },
  { name: 'DefaultPreemption' },
  { name: 'NodeResourcesBalancedAllocation', weight: 1 },
  { name: 'ImageLocality', weight: 1 },
];

export function buildPlugins(profile: readonly ProfilePlugin[], args: PluginArgs = {}): WeightedPlugin[] {
  return profile.map((p) => {
    const make = registry[p.name];
    if (!make) throw new Error(`scheduler: unknown plugin ${p.name}`);
    return { plugin: make(args), weight: p.weight ?? 0 };
  });
}

export function newFramework(
  o: Omit<FrameworkOptions, 'plugins' | 'schedulerName'> & { schedulerName?: string; profile?: readonly ProfilePlugin[]; args?: PluginArgs },
): Framework {
  return new Framework({
    ...o,
    schedulerName: o.schedulerName ?? 'default-scheduler',
    plugins: buildPlugins(o.profile ?? defaultProfile, o.args),
  });
}
