// Core (v1) defaulting other than pods: services, secrets, namespaces, volumes and claims, RCs, endpoints.
import { canonicalQuantity } from '../quantity.js';
import { child, list, rec, setIfMissing, specOf, type Obj } from './access.js';

export function defaultService(o: Obj): void {
  const s = specOf(o);
  setIfMissing(s, 'sessionAffinity', 'None');
  setIfMissing(s, 'type', 'ClusterIP');
  if (s.sessionAffinity === 'ClientIP') {
    const cfg = child(s, 'sessionAffinityConfig');
    const ip = child(cfg, 'clientIP');
    setIfMissing(ip, 'timeoutSeconds', 10800);
  }
  for (const p of list(s.ports)) {
    setIfMissing(p, 'protocol', 'TCP');
    if (p.targetPort === undefined || p.targetPort === null || p.targetPort === 0 || p.targetPort === '') p.targetPort = p.port;
  }
  if (s.type === 'NodePort' || s.type === 'LoadBalancer') setIfMissing(s, 'externalTrafficPolicy', 'Cluster');
  if (s.type !== 'ExternalName') {
    setIfMissing(s, 'internalTrafficPolicy', 'Cluster');
    // The service registry settles IP families; a single-stack cluster gives every service IPv4 only.
    setIfMissing(s, 'ipFamilyPolicy', 'SingleStack');
    if (!Array.isArray(s.ipFamilies) || s.ipFamilies.length === 0) s.ipFamilies = ['IPv4'];
  }
  if (s.type === 'LoadBalancer') setIfMissing(s, 'allocateLoadBalancerNodePorts', true);
  // status.loadBalancer is a struct, not a pointer, in Kubernetes: every stored Service has it, empty or not.
  const status = child(o, 'status');
  if (!rec(status.loadBalancer)) status.loadBalancer = {};
}

/** Secrets: type Opaque, and stringData folded into data as base64 (as the v1 conversion does). */
export function defaultSecret(o: Obj): void {
  setIfMissing(o, 'type', 'Opaque');
  const sd = rec(o.stringData);
  if (sd) {
    const data = rec(o.data) ?? {};
    for (const [k, v] of Object.entries(sd)) data[k] = Buffer.from(String(v), 'utf8').toString('base64');
    o.data = data;
    delete o.stringData;
  }
}

export function defaultNamespace(o: Obj): void {
  const meta = child(o, 'metadata');
  if (typeof meta.name === 'string' && meta.name) {
    const labels = (rec(meta.labels) ?? {}) as Record<string, string>;
    labels['kubernetes.io/metadata.name'] = meta.name;
    meta.labels = labels;
  }
  const s = specOf(o);
  if (!Array.isArray(s.finalizers)) s.finalizers = ['kubernetes'];
  const status = child(o, 'status');
  setIfMissing(status, 'phase', 'Active');
}

export function defaultPersistentVolumeClaim(o: Obj): void {
  const s = specOf(o);
  setIfMissing(s, 'volumeMode', 'Filesystem');
  const res = rec(s.resources);
  for (const k of ['requests', 'limits']) {
    const m = rec(res?.[k]);
    if (m) for (const [name, v] of Object.entries(m)) m[name] = canonicalQuantity(v);
  }
  const status = child(o, 'status');
  setIfMissing(status, 'phase', 'Pending');
}

export function defaultPersistentVolume(o: Obj): void {
  const s = specOf(o);
  setIfMissing(s, 'persistentVolumeReclaimPolicy', 'Retain');
  setIfMissing(s, 'volumeMode', 'Filesystem');
  const cap = rec(s.capacity);
  if (cap) for (const [k, v] of Object.entries(cap)) cap[k] = canonicalQuantity(v);
  const hp = rec(s.hostPath);
  if (hp && hp.type === undefined) hp.type = '';
  const status = child(o, 'status');
  setIfMissing(status, 'phase', 'Pending');
}

export function defaultReplicationController(o: Obj): void {
  const s = specOf(o);
  const tplLabels = rec(rec(rec(s.template)?.metadata)?.labels);
  if (tplLabels) {
    if (!rec(s.selector) || Object.keys(rec(s.selector)!).length === 0) s.selector = { ...tplLabels };
    const meta = child(o, 'metadata');
    if (!rec(meta.labels) || Object.keys(rec(meta.labels)!).length === 0) meta.labels = { ...tplLabels };
  }
  setIfMissing(s, 'replicas', 1);
}

export function defaultEndpoints(o: Obj): void {
  for (const subset of list(o.subsets)) for (const p of list(subset.ports)) setIfMissing(p, 'protocol', 'TCP');
}

export function defaultEndpointSlice(o: Obj): void {
  for (const p of list(o.ports)) setIfMissing(p, 'protocol', 'TCP');
}

export function defaultQuantities(m: unknown): void {
  const r = rec(m);
  if (r) for (const [k, v] of Object.entries(r)) r[k] = canonicalQuantity(v);
}

export function defaultResourceQuota(o: Obj): void {
  defaultQuantities(rec(o.spec)?.hard);
}

export function defaultLimitRange(o: Obj): void {
  for (const l of list(rec(o.spec)?.limits)) {
    for (const k of ['max', 'min', 'default', 'defaultRequest', 'maxLimitRequestRatio']) defaultQuantities(l[k]);
    // A container limit range's default request falls back to its default limit, then to max.
    if (l.type === 'Container') {
      const def = (rec(l.default) ?? { ...(rec(l.max) ?? {}) }) as Obj;
      if (Object.keys(def).length > 0) l.default = def;
      const req = (rec(l.defaultRequest) ?? {}) as Obj;
      for (const [k, v] of Object.entries(def)) if (req[k] === undefined) req[k] = v;
      if (Object.keys(req).length > 0) l.defaultRequest = req;
    }
  }
}
