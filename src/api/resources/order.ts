// The order in which Kubernetes lists API groups and versions in discovery. kube-apiserver's aggregator sorts
// groups by a fixed priority (higher first; ties by name) and versions within a group "kube-aware"
// (v2 > v1 > v1beta2 > v1beta1 > v1alpha1 > anything else, alphabetically). Custom resource groups get a low
// priority (1000), so they follow every built-in group in name order.

/** Group priorities of kube-apiserver 1.33 for the groups Tugboat serves (core "" is always first, in /api). */
const GROUP_PRIORITY: Readonly<Record<string, number>> = {
  '': 18000,
  'apiregistration.k8s.io': 18000,
  apps: 17800,
  'events.k8s.io': 17750,
  'authentication.k8s.io': 17700,
  'authorization.k8s.io': 17600,
  autoscaling: 17500,
  batch: 17400,
  'certificates.k8s.io': 17300,
  'networking.k8s.io': 17200,
  policy: 17100,
  'rbac.authorization.k8s.io': 17000,
  'storage.k8s.io': 16800,
  'admissionregistration.k8s.io': 16700,
  'apiextensions.k8s.io': 16700,
  'scheduling.k8s.io': 16600,
  'coordination.k8s.io': 16500,
  'node.k8s.io': 16300,
  'discovery.k8s.io': 16200,
  'flowcontrol.apiserver.k8s.io': 16100,
  // metrics-server's APIService asks for groupPriorityMinimum 100
  'metrics.k8s.io': 100,
};

/** What kube-apiserver gives the APIService of a CRD group. */
export const CUSTOM_GROUP_PRIORITY = 1000;

export function groupPriority(group: string): number {
  return GROUP_PRIORITY[group] ?? CUSTOM_GROUP_PRIORITY;
}

/** Sort comparator for group names: higher priority first, then by name. */
export function compareGroups(a: string, b: string): number {
  const d = groupPriority(b) - groupPriority(a);
  if (d !== 0) return d;
  if (a === '') return -1;
  if (b === '') return 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

const KUBE_VERSION = /^v(\d+)(?:(alpha|beta)(\d+))?$/;

/** Sort comparator for versions, preferred first: GA, then beta, then alpha, then non-Kubernetes-like names. */
export function compareVersions(a: string, b: string): number {
  const ma = KUBE_VERSION.exec(a);
  const mb = KUBE_VERSION.exec(b);
  if (!ma || !mb) {
    if (ma) return -1;
    if (mb) return 1;
    return a < b ? -1 : a > b ? 1 : 0;
  }
  const rank = (m: RegExpExecArray): number => (m[2] === undefined ? 3 : m[2] === 'beta' ? 2 : 1);
  const r = rank(mb) - rank(ma);
  if (r !== 0) return r;
  const major = Number(mb[1]) - Number(ma[1]);
  if (major !== 0) return major;
  return Number(mb[3] ?? 0) - Number(ma[3] ?? 0);
}
