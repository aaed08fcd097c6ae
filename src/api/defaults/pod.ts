// Pod spec defaulting (pkg/apis/core/v1/defaults.go): every pod and every workload's pod template.
import { canonicalQuantity, parseQuantity } from '../quantity.js';
import { list, rec, setIfMissing, type Obj } from './access.js';

/** The tag kubelet would pull: "latest" when the image names neither tag nor digest. */
export function imageTag(image: string): string {
  if (image.includes('@')) {
    const name = image.slice(0, image.indexOf('@'));
    const slash = name.lastIndexOf('/');
    const colon = name.lastIndexOf(':');
    return colon > slash ? name.slice(colon + 1) : '';
  }
  const slash = image.lastIndexOf('/');
  const colon = image.lastIndexOf(':');
  return colon > slash ? image.slice(colon + 1) : 'latest';
}

function defaultProbe(p: Obj | undefined): void {
  if (!p) return;
  setIfMissing(p, 'timeoutSeconds', 1);
  setIfMissing(p, 'periodSeconds', 10);
  setIfMissing(p, 'successThreshold', 1);
  setIfMissing(p, 'failureThreshold', 3);
  defaultHandler(p);
}

function defaultHandler(h: Obj | undefined): void {
  const http = rec(h?.httpGet);
  if (http) {
    setIfMissing(http, 'path', '/');
    setIfMissing(http, 'scheme', 'HTTP');
  }
}

function canonicalResources(res: unknown): void {
  const r = rec(res);
  if (!r) return;
  for (const k of ['limits', 'requests']) {
    const m = rec(r[k]);
    if (m) for (const [name, v] of Object.entries(m)) m[name] = canonicalQuantity(v);
  }
}

function defaultContainer(c: Obj): void {
  if (c.imagePullPolicy === undefined || c.imagePullPolicy === '') {
    // An image that does not parse (even a missing one) has no "latest" tag: IfNotPresent.
    c.imagePullPolicy = typeof c.image === 'string' && c.image && imageTag(c.image) === 'latest' ? 'Always' : 'IfNotPresent';
  }
  setIfMissing(c, 'terminationMessagePath', '/dev/termination-log');
  setIfMissing(c, 'terminationMessagePolicy', 'File');
  for (const p of list(c.ports)) setIfMissing(p, 'protocol', 'TCP');
  for (const e of list(c.env)) {
    const ref = rec(rec(e.valueFrom)?.fieldRef);
    if (ref) setIfMissing(ref, 'apiVersion', 'v1');
    const rf = rec(rec(e.valueFrom)?.resourceFieldRef);
    if (rf) rf.divisor = canonicalQuantity(rf.divisor ?? '0');
  }
  defaultProbe(rec(c.livenessProbe));
  defaultProbe(rec(c.readinessProbe));
  defaultProbe(rec(c.startupProbe));
  const lc = rec(c.lifecycle);
  if (lc) {
    defaultHandler(rec(lc.postStart));
    defaultHandler(rec(lc.preStop));
  }
  if (c.resources === undefined) c.resources = {};
  canonicalResources(c.resources);
}

const VOLUME_MODE_DEFAULT = 420; // 0644

function defaultVolume(v: Obj): void {
  const sources = Object.keys(v).filter((k) => k !== 'name');
  if (sources.length === 0) v.emptyDir = {};
  for (const k of ['secret', 'configMap', 'downwardAPI', 'projected']) {
    const s = rec(v[k]);
    if (s) setIfMissing(s, 'defaultMode', VOLUME_MODE_DEFAULT);
  }
  const hp = rec(v.hostPath);
  if (hp && hp.type === undefined) hp.type = '';
  const ed = rec(v.emptyDir);
  if (ed && ed.sizeLimit !== undefined) ed.sizeLimit = canonicalQuantity(ed.sizeLimit);
  for (const item of list(rec(v.downwardAPI)?.items)) {
    const ref = rec(item.fieldRef);
    if (ref) setIfMissing(ref, 'apiVersion', 'v1');
  }
}

/** SetDefaults_PodSpec and the container/volume defaults beneath it. */
export function defaultPodSpec(spec: Obj): void {
  setIfMissing(spec, 'dnsPolicy', 'ClusterFirst');
  setIfMissing(spec, 'restartPolicy', 'Always');
  if (spec.securityContext === undefined || spec.securityContext === null) spec.securityContext = {};
  setIfMissing(spec, 'terminationGracePeriodSeconds', 30);
  setIfMissing(spec, 'schedulerName', 'default-scheduler');
  // v1's deprecated serviceAccount mirrors serviceAccountName (Kubernetes' conversion fills each from the other).
  if (!spec.serviceAccountName && typeof spec.serviceAccount === 'string' && spec.serviceAccount) spec.serviceAccountName = spec.serviceAccount;
  if (typeof spec.serviceAccountName === 'string' && spec.serviceAccountName) spec.serviceAccount = spec.serviceAccountName;
  for (const c of [...list(spec.initContainers), ...list(spec.containers), ...list(spec.ephemeralContainers)]) defaultContainer(c);
  if (spec.hostNetwork === true) {
    // With the host's network a container port is a host port.
    for (const c of [...list(spec.initContainers), ...list(spec.containers)])
      for (const p of list(c.ports)) if (p.hostPort === undefined || p.hostPort === 0) p.hostPort = p.containerPort;
  }
  for (const v of list(spec.volumes)) defaultVolume(v);
  for (const t of list(spec.tolerations)) if (t.operator === undefined && !t.key) t.operator = 'Exists';
  canonicalResources(spec.resources);
}

/** SetDefaults_Pod: things only a real pod gets (templates do not). */
export function defaultPod(pod: Obj): void {
  const spec = rec(pod.spec);
  if (!spec) return;
  // Requests default to limits per resource.
  for (const c of [...list(spec.initContainers), ...list(spec.containers)]) {
    const r = rec(c.resources);
    const limits = rec(r?.limits);
    if (r && limits) {
      const requests = rec(r.requests) ?? {};
      for (const [k, v] of Object.entries(limits)) if (requests[k] === undefined && (typeof v === 'string' || typeof v === 'number') && parseQuantity(v)) requests[k] = v;
      r.requests = requests;
    }
  }
  defaultPodSpec(spec);
  setIfMissing(spec, 'enableServiceLinks', true);
}

/** Defaults of a PodTemplateSpec ({metadata, spec}). */
export function defaultPodTemplate(tpl: unknown): void {
  const t = rec(tpl);
  const spec = rec(t?.spec);
  if (spec) defaultPodSpec(spec);
}
