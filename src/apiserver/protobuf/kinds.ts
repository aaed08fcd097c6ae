// The kinds whose protobuf request bodies Tugboat reads: what kubectl 1.32+ typed clients send (create
// deployment/job/cronjob/service/role/quota/pdb/priorityclass/ingress/secret/token, autoscale, auth can-i,
// drain --disable-eviction's DeleteOptions...), plus the other writable kinds of the same groups, which
// client-go programs send the same way.
export interface RootKind {
  apiVersion: string;
  kind: string;
  /** message in the schema tables, "<package>.<Message>" */
  message: string;
}

const GROUPS: Record<string, { pkg: string; kinds: string[] }> = {
  v1: {
    pkg: 'core.v1',
    kinds: [
      'Binding', 'ConfigMap', 'Endpoints', 'Event', 'LimitRange', 'Namespace', 'Node', 'PersistentVolume',
      'PersistentVolumeClaim', 'Pod', 'PodTemplate', 'ReplicationController', 'ResourceQuota', 'Secret', 'Service',
      'ServiceAccount',
    ],
  },
  'apps/v1': { pkg: 'apps.v1', kinds: ['ControllerRevision', 'DaemonSet', 'Deployment', 'ReplicaSet', 'StatefulSet'] },
  'batch/v1': { pkg: 'batch.v1', kinds: ['CronJob', 'Job'] },
  'rbac.authorization.k8s.io/v1': { pkg: 'rbac.v1', kinds: ['ClusterRole', 'ClusterRoleBinding', 'Role', 'RoleBinding'] },
  'policy/v1': { pkg: 'policy.v1', kinds: ['Eviction', 'PodDisruptionBudget'] },
  'networking.k8s.io/v1': { pkg: 'networking.v1', kinds: ['Ingress', 'IngressClass', 'NetworkPolicy'] },
  'scheduling.k8s.io/v1': { pkg: 'scheduling.v1', kinds: ['PriorityClass'] },
  'autoscaling/v1': { pkg: 'autoscaling.v1', kinds: ['HorizontalPodAutoscaler', 'Scale'] },
  'autoscaling/v2': { pkg: 'autoscaling.v2', kinds: ['HorizontalPodAutoscaler'] },
  'authentication.k8s.io/v1': { pkg: 'authentication.v1', kinds: ['SelfSubjectReview', 'TokenRequest', 'TokenReview'] },
  'authorization.k8s.io/v1': {
    pkg: 'authorization.v1',
    kinds: ['LocalSubjectAccessReview', 'SelfSubjectAccessReview', 'SelfSubjectRulesReview', 'SubjectAccessReview'],
  },
  'coordination.k8s.io/v1': { pkg: 'coordination.v1', kinds: ['Lease'] },
  'certificates.k8s.io/v1': { pkg: 'certificates.v1', kinds: ['CertificateSigningRequest'] },
  'discovery.k8s.io/v1': { pkg: 'discovery.v1', kinds: ['EndpointSlice'] },
};

export const ROOT_KINDS: RootKind[] = Object.entries(GROUPS).flatMap(([apiVersion, g]) =>
  g.kinds.map((kind) => ({ apiVersion, kind, message: `${g.pkg}.${kind}` })),
).concat([{ apiVersion: 'meta.k8s.io/v1', kind: 'DeleteOptions', message: 'meta.v1.DeleteOptions' }]);

const BY_KEY = new Map(ROOT_KINDS.map((k) => [`${k.apiVersion}/${k.kind}`, k.message]));

/**
 * The message of apiVersion/kind. DeleteOptions (the body of a typed client's DELETE) is registered in every
 * group version, so client-go stamps it with the client's own group version (v1, apps/v1...).
 */
export function messageOf(apiVersion: string, kind: string): string | undefined {
  if (kind === 'DeleteOptions') return 'meta.v1.DeleteOptions';
  return BY_KEY.get(`${apiVersion}/${kind}`);
}
