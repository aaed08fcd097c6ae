// Strategic-merge and server-side-apply metadata of the built-in types. Kubernetes keeps it in Go struct tags
// (patchStrategy, patchMergeKey, +listType, +listMapKey); no npm schema package carries it, so it is kept
// here by hand, read from k8s.io/api's types.go. Lists not named here are atomic, as in Kubernetes.

export interface PatchMeta {
  /** "merge", "retainKeys", "merge,retainKeys" or "replace". */
  strategy?: string;
  mergeKey?: string;
  /** "atomic" | "set" | "map" for lists; maps and structs may be "atomic" or "granular". */
  listType?: string;
  listMapKeys?: string[];
  mapType?: string;
}

const core = 'io.k8s.api.core.v1';
const meta = 'io.k8s.apimachinery.pkg.apis.meta.v1';

const byName = (key = 'name'): PatchMeta => ({ strategy: 'merge', mergeKey: key, listType: 'map', listMapKeys: [key] });
const conditions: PatchMeta = byName('type');
const set: PatchMeta = { strategy: 'merge', listType: 'set' };

/** definition name -> field -> metadata */
export const PATCH_TABLE: Record<string, Record<string, PatchMeta>> = {
  [`${meta}.ObjectMeta`]: {
    finalizers: set,
    ownerReferences: byName('uid'),
    managedFields: { listType: 'atomic' },
  },
  [`${meta}.LabelSelector`]: { matchExpressions: { listType: 'atomic' }, '': { mapType: 'atomic' } },
  [`${core}.PodSpec`]: {
    volumes: { strategy: 'merge,retainKeys', mergeKey: 'name', listType: 'map', listMapKeys: ['name'] },
    initContainers: byName(),
    containers: byName(),
    ephemeralContainers: byName(),
    imagePullSecrets: byName(),
    hostAliases: byName('ip'),
    topologySpreadConstraints: { strategy: 'merge', mergeKey: 'topologyKey', listType: 'map', listMapKeys: ['topologyKey', 'whenUnsatisfiable'] },
    schedulingGates: byName(),
    resourceClaims: { strategy: 'merge,retainKeys', mergeKey: 'name', listType: 'map', listMapKeys: ['name'] },
    tolerations: { listType: 'atomic' },
    readinessGates: { listType: 'atomic' },
  },
  [`${core}.Container`]: {
    ports: { strategy: 'merge', mergeKey: 'containerPort', listType: 'map', listMapKeys: ['containerPort', 'protocol'] },
    env: byName(),
    volumeMounts: byName('mountPath'),
    volumeDevices: byName('devicePath'),
    resizePolicy: { listType: 'atomic' },
  },
  [`${core}.EphemeralContainer`]: {
    ports: { strategy: 'merge', mergeKey: 'containerPort', listType: 'map', listMapKeys: ['containerPort', 'protocol'] },
    env: byName(),
    volumeMounts: byName('mountPath'),
    volumeDevices: byName('devicePath'),
  },
  [`${core}.PodStatus`]: {
    conditions,
    podIPs: byName('ip'),
    hostIPs: byName('ip'),
    resourceClaimStatuses: byName(),
  },
  [`${core}.ServiceSpec`]: {
    ports: { strategy: 'merge', mergeKey: 'port', listType: 'map', listMapKeys: ['port', 'protocol'] },
    clusterIPs: { listType: 'atomic' },
    ipFamilies: { listType: 'atomic' },
  },
  [`${core}.ServiceStatus`]: { conditions },
  [`${core}.ServiceAccount`]: { secrets: byName() },
  [`${core}.NodeSpec`]: { podCIDRs: set },
  [`${core}.NodeStatus`]: { conditions, addresses: byName('type') },
  [`${core}.NamespaceStatus`]: { conditions },
  [`${core}.PersistentVolumeClaimStatus`]: { conditions },
  [`${core}.ReplicationControllerStatus`]: { conditions },
  [`${core}.ResourceRequirements`]: { claims: { listType: 'map', listMapKeys: ['name'] } },
  'io.k8s.api.apps.v1.DeploymentSpec': { strategy: { strategy: 'retainKeys' } },
  'io.k8s.api.apps.v1.DeploymentStatus': { conditions },
  'io.k8s.api.apps.v1.ReplicaSetStatus': { conditions },
  'io.k8s.api.apps.v1.StatefulSetStatus': { conditions },
  'io.k8s.api.apps.v1.DaemonSetStatus': { conditions },
  'io.k8s.api.batch.v1.JobStatus': { conditions: { listType: 'atomic' } },
  'io.k8s.api.autoscaling.v2.HorizontalPodAutoscalerStatus': { conditions },
  'io.k8s.api.policy.v1.PodDisruptionBudgetStatus': { conditions },
  'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.CustomResourceDefinitionStatus': { conditions },
};
