// Defaulting for networking, autoscaling, RBAC, storage and scheduling types.
import { child, list, rec, setIfMissing, type Obj } from './access.js';

export function defaultNetworkPolicy(o: Obj): void {
  const s = rec(o.spec);
  if (!s) return;
  for (const dir of ['ingress', 'egress']) for (const r of list(s[dir])) for (const p of list(r.ports)) setIfMissing(p, 'protocol', 'TCP');
  if (!Array.isArray(s.policyTypes) || s.policyTypes.length === 0) {
    const types = ['Ingress'];
    if (Array.isArray(s.egress) && s.egress.length > 0) types.push('Egress');
    s.policyTypes = types;
  }
}

/** autoscaling/v2: minReplicas 1, a CPU 80% metric when none is given, and the behavior defaults when set. */
export function defaultHorizontalPodAutoscaler(o: Obj): void {
  const s = rec(o.spec);
  if (!s) return;
  setIfMissing(s, 'minReplicas', 1);
  const v1 = typeof o.apiVersion === 'string' && o.apiVersion.endsWith('/v1');
  if (!v1 && (!Array.isArray(s.metrics) || s.metrics.length === 0))
    s.metrics = [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 80 } } }];
  const b = rec(s.behavior);
  if (!b) return;
  const up = child(b, 'scaleUp');
  setIfMissing(up, 'stabilizationWindowSeconds', 0);
  setIfMissing(up, 'selectPolicy', 'Max');
  if (!Array.isArray(up.policies))
    up.policies = [
      { type: 'Pods', value: 4, periodSeconds: 15 },
      { type: 'Percent', value: 100, periodSeconds: 15 },
    ];
  const down = child(b, 'scaleDown');
  setIfMissing(down, 'selectPolicy', 'Max');
  if (!Array.isArray(down.policies)) down.policies = [{ type: 'Percent', value: 100, periodSeconds: 15 }];
}

const RBAC_GROUP = 'rbac.authorization.k8s.io';

export function defaultBinding(o: Obj): void {
  const ref = rec(o.roleRef);
  if (ref) setIfMissing(ref, 'apiGroup', RBAC_GROUP);
  for (const s of list(o.subjects)) {
    if (s.apiGroup !== undefined && s.apiGroup !== null && s.apiGroup !== '') continue;
    // ServiceAccounts are in the core group: an empty apiGroup, which Kubernetes never writes out (omitempty).
    if (s.kind === 'User' || s.kind === 'Group') s.apiGroup = RBAC_GROUP;
    else delete s.apiGroup;
  }
}

export function defaultStorageClass(o: Obj): void {
  setIfMissing(o, 'reclaimPolicy', 'Delete');
  setIfMissing(o, 'volumeBindingMode', 'Immediate');
}

export function defaultPriorityClass(o: Obj): void {
  setIfMissing(o, 'preemptionPolicy', 'PreemptLowerPriority');
}

export function defaultIngress(o: Obj): void {
  // Ingress v1 has no field defaults; its status keeps an empty loadBalancer, as Kubernetes prints it.
  const status = child(o, 'status');
  if (!rec(status.loadBalancer)) status.loadBalancer = {};
}
