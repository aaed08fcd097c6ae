// Core (v1) types other than the pod spec itself: pods, services, configmaps, secrets, namespaces, nodes,
// volumes and claims, service accounts, replication controllers, quotas.
import { field, type FieldError } from '../errors.js';
import type { KubeObject } from '../object.js';
import { arr, deepEqual, eachInvalid, enumValue, goStringMap, immutable, nonNegative, rec, str, strMap, type Obj } from './access.js';
import { validateLabels } from './meta.js';
import { isCIDR, isConfigMapKey, isDNS1123Label, isDNS1123Subdomain, isIP, isQualifiedName, isValidPortNum } from './names.js';
import { validatePodSpec, validatePodSpecUpdate, validatePortNumOrName } from './pod.js';
import { quantityAt, validateNonnegativeQuantity } from './resources.js';
import { validateLabelSelector } from './selector.js';
import { validatePodTemplateSpec } from './template.js';

export const MAX_SECRET_SIZE = 1024 * 1024;
const spec = (o: KubeObject): Obj => rec(o.spec) ?? {};

export const validatePod = (o: KubeObject): FieldError[] => validatePodSpec(o.spec, 'spec');

export function validatePodUpdate(o: KubeObject, old: KubeObject): FieldError[] {
  return validatePodSpecUpdate(o.spec, old.spec, 'spec');
}

// ---- services ----

const SERVICE_TYPES = ['ClusterIP', 'ExternalName', 'LoadBalancer', 'NodePort'];
const PROTOCOLS = ['SCTP', 'TCP', 'UDP'];
export const NODE_PORT_RANGE = { base: 30000, size: 2768 };

const clusterIPsOf = (s: Obj): string[] => {
  const ips = arr(s.clusterIPs).map(String);
  if (ips.length > 0) return ips;
  const ip = str(s.clusterIP);
  return ip ? [ip] : [];
};

export function validateService(o: KubeObject): FieldError[] {
  const s = spec(o);
  const errs: FieldError[] = [];
  const type = s.type;
  const ips = clusterIPsOf(s);
  const headless = ips[0] === 'None';
  errs.push(...enumValue(type, 'spec.type', SERVICE_TYPES));
  const ports = arr(s.ports);
  if (ports.length === 0 && !headless && type !== 'ExternalName') errs.push(field.required('spec.ports', ''));
  if (type === 'ExternalName') {
    const name = (str(s.externalName) ?? '').replace(/\.$/, '');
    if (!name) errs.push(field.required('spec.externalName', ''));
    else errs.push(...eachInvalid('spec.externalName', name, isDNS1123Subdomain(name)));
  }
  ips.forEach((ip, i) => {
    if (ip === 'None' && i === 0) {
      if (type === 'NodePort' || type === 'LoadBalancer')
        errs.push(field.invalid('spec.clusterIPs[0]', ip, `may not be set to 'None' for ${type} services`));
      return;
    }
    if (!isIP(ip)) errs.push(field.invalid(`spec.clusterIPs[${i}]`, ip, 'must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)'));
  });
  const names = new Set<string>();
  const nodePorts = new Set<string>();
  ports.forEach((x, i) => {
    const sp = rec(x) ?? {};
    const p = `spec.ports[${i}]`;
    const name = str(sp.name) ?? '';
    if (ports.length > 1 && !name) errs.push(field.required(`${p}.name`, ''));
    else if (name) {
      errs.push(...eachInvalid(`${p}.name`, name, isDNS1123Label(name)));
      if (names.has(name)) errs.push(field.duplicate(`${p}.name`, name));
      else names.add(name);
    }
    errs.push(...eachInvalid(`${p}.port`, sp.port ?? 0, isValidPortNum(Number(sp.port ?? 0))));
    errs.push(...enumValue(sp.protocol, `${p}.protocol`, PROTOCOLS));
    errs.push(...validatePortNumOrName(sp.targetPort, `${p}.targetPort`));
    const np = typeof sp.nodePort === 'number' ? sp.nodePort : 0;
    if (np !== 0) {
      if (type === 'ClusterIP') errs.push(field.forbidden(`${p}.nodePort`, "may not be used when `type` is 'ClusterIP'"));
      else if (type === 'ExternalName') errs.push(field.forbidden(`${p}.nodePort`, "may not be used when `type` is 'ExternalName'"));
      else if (np < NODE_PORT_RANGE.base || np >= NODE_PORT_RANGE.base + NODE_PORT_RANGE.size)
        errs.push(
          field.invalid(
            `${p}.nodePort`,
            np,
            `provided port is not in the valid range. The range of valid ports is ${NODE_PORT_RANGE.base}-${NODE_PORT_RANGE.base + NODE_PORT_RANGE.size - 1}`,
          ),
        );
      const key = `${sp.protocol ?? 'TCP'}/${np}`;
      if (nodePorts.has(key)) errs.push(field.duplicate(`${p}.nodePort`, np));
      nodePorts.add(key);
    }
  });
  errs.push(...validateLabels(s.selector, 'spec.selector'));
  if (s.sessionAffinity !== undefined) errs.push(...enumValue(s.sessionAffinity, 'spec.sessionAffinity', ['ClientIP', 'None']));
  if (s.ipFamilyPolicy !== undefined && s.ipFamilyPolicy !== null)
    errs.push(...enumValue(s.ipFamilyPolicy, 'spec.ipFamilyPolicy', ['PreferDualStack', 'RequireDualStack', 'SingleStack']));
  arr(s.ipFamilies).forEach((f, i) => errs.push(...enumValue(f, `spec.ipFamilies[${i}]`, ['IPv4', 'IPv6'])));
  if (s.internalTrafficPolicy !== undefined && s.internalTrafficPolicy !== null)
    errs.push(...enumValue(s.internalTrafficPolicy, 'spec.internalTrafficPolicy', ['Cluster', 'Local']));
  if (s.externalTrafficPolicy !== undefined && s.externalTrafficPolicy !== null && s.externalTrafficPolicy !== '') {
    if (type !== 'NodePort' && type !== 'LoadBalancer')
      errs.push(field.invalid('spec.externalTrafficPolicy', s.externalTrafficPolicy, 'may only be set for externally-accessible services'));
    else errs.push(...enumValue(s.externalTrafficPolicy, 'spec.externalTrafficPolicy', ['Cluster', 'Local']));
  }
  arr(s.loadBalancerSourceRanges).forEach((r, i) => {
    if (!isCIDR(String(r).trim()))
      errs.push(field.invalid(`spec.loadBalancerSourceRanges[${i}]`, r, 'must be a list of IP ranges. For example, 10.240.0.0/24,10.250.0.0/24 '));
  });
  return errs;
}

export function validateServiceUpdate(o: KubeObject, old: KubeObject): FieldError[] {
  const s = spec(o);
  const os = spec(old);
  const errs: FieldError[] = [];
  if (s.type !== 'ExternalName' && os.type !== 'ExternalName') {
    const oldIPs = clusterIPsOf(os);
    // A client that changed only the singular clusterIP means it (Kubernetes' normalizeClusterIPs).
    const ip = str(s.clusterIP);
    const newIPs = ip && ip !== str(os.clusterIP) && JSON.stringify(arr(s.clusterIPs)) === JSON.stringify(arr(os.clusterIPs)) ? [ip] : clusterIPsOf(s);
    if (oldIPs.length > 0 && newIPs.length === 0) errs.push(field.invalid('spec.clusterIPs[0]', newIPs, 'primary clusterIP can not be unset'));
    else if (oldIPs.length > 0 && newIPs[0] !== oldIPs[0]) errs.push(field.invalid('spec.clusterIPs[0]', newIPs, 'may not change once set'));
  }
  return errs;
}

// ---- configmaps and secrets ----

export function validateConfigMap(o: KubeObject): FieldError[] {
  const errs: FieldError[] = [];
  let size = 0;
  const data = strMap(o.data);
  for (const [k, v] of Object.entries(data)) {
    errs.push(...eachInvalid(`data[${k}]`, k, isConfigMapKey(k)));
    size += Buffer.byteLength(String(v));
  }
  for (const [k, v] of Object.entries(strMap(o.binaryData))) {
    errs.push(...eachInvalid(`binaryData[${k}]`, k, isConfigMapKey(k)));
    if (Object.prototype.hasOwnProperty.call(data, k)) errs.push(field.invalid('binaryData', k, 'duplicate of key present in data'));
    size += Buffer.from(String(v), 'base64').length;
  }
  if (size > MAX_SECRET_SIZE) errs.push(field.tooLong('', MAX_SECRET_SIZE));
  return errs;
}

function immutableData(o: KubeObject, old: KubeObject, keys: string[]): FieldError[] {
  if (old.immutable !== true) return [];
  const errs: FieldError[] = [];
  if (o.immutable !== true) errs.push(field.forbidden('immutable', 'field is immutable when `immutable` is set'));
  for (const k of keys) if (!deepEqual(o[k], old[k])) errs.push(field.forbidden(k, 'field is immutable when `immutable` is set'));
  return errs;
}

export const validateConfigMapUpdate = (o: KubeObject, old: KubeObject) => immutableData(o, old, ['data', 'binaryData']);

const REDACTED = '<secret contents redacted>';

export function validateSecret(o: KubeObject): FieldError[] {
  const errs: FieldError[] = [];
  const data = strMap(o.data);
  let size = 0;
  const bytes = (k: string) => (data[k] === undefined ? undefined : Buffer.from(String(data[k]), 'base64'));
  for (const [k, v] of Object.entries(data)) {
    errs.push(...eachInvalid(`data[${k}]`, k, isConfigMapKey(k)));
    size += Buffer.from(String(v), 'base64').length;
  }
  if (size > MAX_SECRET_SIZE) errs.push(field.tooLong('data', MAX_SECRET_SIZE));
  const annotations = strMap(o.metadata?.annotations);
  switch (o.type) {
    case 'kubernetes.io/service-account-token':
      if (!annotations['kubernetes.io/service-account.name'])
        errs.push(field.required('metadata.annotations[kubernetes.io/service-account.name]', ''));
      break;
    case 'kubernetes.io/dockercfg':
    case 'kubernetes.io/dockerconfigjson': {
      const key = o.type === 'kubernetes.io/dockercfg' ? '.dockercfg' : '.dockerconfigjson';
      const b = bytes(key);
      if (b === undefined) errs.push(field.required(`data[${key}]`, ''));
      else {
        try {
          JSON.parse(b.toString('utf8'));
        } catch (e) {
          errs.push(field.invalid(`data[${key}]`, REDACTED, goJsonError(b.toString('utf8'), e)));
        }
      }
      break;
    }
    case 'kubernetes.io/basic-auth':
      if (data.username === undefined && data.password === undefined)
        errs.push(field.required('data[username]', ''), field.required('data[password]', ''));
      break;
    case 'kubernetes.io/ssh-auth':
      if (!bytes('ssh-privatekey')?.length) errs.push(field.required('data[ssh-privatekey]', ''));
      break;
    case 'kubernetes.io/tls':
      if (data['tls.crt'] === undefined) errs.push(field.required('data[tls.crt]', ''));
      if (data['tls.key'] === undefined) errs.push(field.required('data[tls.key]', ''));
      break;
  }
  return errs;
}

/** Go's encoding/json words its errors differently; this covers the common cases. */
function goJsonError(text: string, _e: unknown): string {
  if (text.trim() === '') return 'unexpected end of JSON input';
  return `invalid character '${text.trim()[0]}' looking for beginning of value`;
}

export function validateSecretUpdate(o: KubeObject, old: KubeObject): FieldError[] {
  return [...immutable(o.type ?? '', old.type ?? '', 'type'), ...immutableData(o, old, ['data'])];
}

// ---- namespaces, nodes, service accounts ----

export function validateNamespace(o: KubeObject): FieldError[] {
  const errs: FieldError[] = [];
  arr(spec(o).finalizers).forEach((f) => {
    const name = String(f);
    errs.push(...eachInvalid('spec.finalizers', name, isQualifiedName(name)));
    if (!name.includes('/') && name !== 'kubernetes')
      errs.push(field.invalid('spec.finalizers', name, 'name is neither a standard finalizer name nor is it fully qualified'));
  });
  return errs;
}

const TAINT_EFFECTS = ['NoExecute', 'NoSchedule', 'PreferNoSchedule'];

export function validateNode(o: KubeObject): FieldError[] {
  const s = spec(o);
  const errs: FieldError[] = [];
  const cidr = str(s.podCIDR);
  if (cidr && !isCIDR(cidr)) errs.push(field.invalid('spec.podCIDR', cidr, 'must be a valid CIDR'));
  arr(s.podCIDRs).forEach((c, i) => {
    if (!isCIDR(String(c))) errs.push(field.invalid(`spec.podCIDRs[${i}]`, c, 'must be a valid CIDR'));
  });
  const seen = new Set<string>();
  arr(s.taints).forEach((x, i) => {
    const t = rec(x) ?? {};
    const p = `spec.taints[${i}]`;
    const key = str(t.key) ?? '';
    errs.push(...eachInvalid(`${p}.key`, key, isQualifiedName(key)));
    errs.push(...enumValue(t.effect, `${p}.effect`, TAINT_EFFECTS));
    const id = `${key}:${t.effect}`;
    if (seen.has(id)) errs.push(field.duplicate(p, `${key}=${t.value ?? ''}:${t.effect}`));
    seen.add(id);
  });
  return errs;
}

export function validateNodeUpdate(o: KubeObject, old: KubeObject): FieldError[] {
  const s = spec(o);
  const os = spec(old);
  const errs: FieldError[] = [];
  if (str(os.podCIDR) && s.podCIDR !== os.podCIDR)
    errs.push(field.forbidden('spec.podCIDR', 'node updates may not change podCIDR except from "" to valid'));
  if (str(os.providerID) && s.providerID !== os.providerID)
    errs.push(field.forbidden('spec.providerID', 'node updates may not change providerID except from "" to valid'));
  return errs;
}

// ---- persistent volumes and claims ----

const ACCESS_MODES = ['ReadOnlyMany', 'ReadWriteMany', 'ReadWriteOnce', 'ReadWriteOncePod'];
const PV_SOURCES = [
  'gcePersistentDisk', 'awsElasticBlockStore', 'hostPath', 'glusterfs', 'nfs', 'rbd', 'quobyte', 'cinder', 'cephfs', 'fc',
  'flocker', 'flexVolume', 'azureFile', 'vsphereVolume', 'azureDisk', 'photonPersistentDisk', 'portworxVolume', 'scaleIO',
  'local', 'storageos', 'csi', 'iscsi',
];

function validateAccessModes(modes: unknown, p: string, requiredMsg: string): FieldError[] {
  const list = arr(modes);
  if (list.length === 0) return [field.required(p, requiredMsg)];
  const errs: FieldError[] = [];
  for (const m of list) if (!ACCESS_MODES.includes(String(m))) errs.push(field.notSupported(p, m, ACCESS_MODES));
  if (list.includes('ReadWriteOncePod') && list.length > 1)
    errs.push(field.forbidden(p, 'may not use ReadWriteOncePod with other access modes'));
  return errs;
}

export function validatePersistentVolume(o: KubeObject): FieldError[] {
  const s = spec(o);
  const errs = validateAccessModes(s.accessModes, 'spec.accessModes', '');
  const cap = rec(s.capacity) ?? {};
  if (Object.keys(cap).length === 0) errs.push(field.required('spec.capacity', ''));
  else if (!('storage' in cap) || Object.keys(cap).length > 1) errs.push(field.notSupported('spec.capacity', goStringMap(cap), ['storage']));
  else {
    const q = quantityAt(cap.storage, 'spec.capacity[storage]', errs);
    if (q && q.sign() <= 0) errs.push(field.invalid('spec.capacity[storage]', q.toString(), 'must be greater than zero'));
  }
  if (s.persistentVolumeReclaimPolicy !== undefined)
    errs.push(...enumValue(s.persistentVolumeReclaimPolicy, 'spec.persistentVolumeReclaimPolicy', ['Delete', 'Recycle', 'Retain']));
  if (s.volumeMode !== undefined && s.volumeMode !== null) errs.push(...enumValue(s.volumeMode, 'spec.volumeMode', ['Block', 'Filesystem']));
  const sources = PV_SOURCES.filter((k) => s[k] !== undefined && s[k] !== null);
  if (sources.length === 0) errs.push(field.required('spec', 'must specify a volume type'));
  for (const extra of sources.slice(1)) errs.push(field.forbidden(`spec.${extra}`, 'may not specify more than 1 volume type'));
  const hp = rec(s.hostPath);
  if (sources[0] === 'hostPath' && hp && !str(hp.path)) errs.push(field.required('spec.hostPath.path', ''));
  const local = rec(s.local);
  if (sources[0] === 'local' && local && !str(local.path)) errs.push(field.required('spec.local.path', ''));
  return errs;
}

export function validatePersistentVolumeUpdate(o: KubeObject, old: KubeObject): FieldError[] {
  const s = spec(o);
  const os = spec(old);
  const a = structuredClone(s);
  const b = structuredClone(os);
  // Capacity, reclaim policy, access modes, mount options, class and node affinity set once may change.
  for (const k of ['capacity', 'persistentVolumeReclaimPolicy', 'accessModes', 'mountOptions', 'storageClassName', 'claimRef', 'nodeAffinity']) {
    delete a[k];
    delete b[k];
  }
  return deepEqual(a, b) ? [] : [field.invalid('spec.persistentvolumesource', a, 'spec.persistentvolumesource is immutable after creation')];
}

export function validatePersistentVolumeClaim(o: KubeObject): FieldError[] {
  const s = spec(o);
  const errs = validateAccessModes(s.accessModes, 'spec.accessModes', 'at least 1 access mode is required');
  errs.push(...validateLabelSelectorIfAny(s.selector, 'spec.selector'));
  const requests = rec(rec(s.resources)?.requests) ?? {};
  if (requests.storage === undefined) errs.push(field.required('spec.resources[storage]', ''));
  else {
    const q = quantityAt(requests.storage, 'spec.resources[storage]', errs);
    if (q && q.sign() <= 0) errs.push(field.invalid('spec.resources[storage]', q.toString(), 'must be greater than zero'));
  }
  if (s.volumeMode !== undefined && s.volumeMode !== null) errs.push(...enumValue(s.volumeMode, 'spec.volumeMode', ['Block', 'Filesystem']));
  const sc = str(s.storageClassName);
  if (sc) errs.push(...eachInvalid('spec.storageClassName', sc, isDNS1123Subdomain(sc)));
  return errs;
}

const validateLabelSelectorIfAny = (sel: unknown, p: string) => (sel ? validateLabelSelector(sel, p) : []);

export function validatePersistentVolumeClaimUpdate(o: KubeObject, old: KubeObject): FieldError[] {
  const a = structuredClone(spec(o));
  const b = structuredClone(spec(old));
  for (const x of [a, b]) {
    delete rec(x.resources)?.requests;
    delete x.volumeAttributesClassName;
  }
  // A claim bound by the controller gets spec.volumeName filled in; allow "" -> name.
  if (!str(b.volumeName)) delete a.volumeName;
  if (deepEqual(a, b)) return [];
  return [field.forbidden('spec', 'spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims')];
}

// ---- replication controllers, pod templates, quotas, limit ranges ----

export function validateReplicationController(o: KubeObject): FieldError[] {
  const s = spec(o);
  const errs: FieldError[] = [...nonNegative(s.replicas, 'spec.replicas'), ...nonNegative(s.minReadySeconds, 'spec.minReadySeconds')];
  const selector = strMap(s.selector);
  if (Object.keys(selector).length === 0) errs.push(field.required('spec.selector', ''));
  errs.push(...validateLabels(s.selector, 'spec.selector'));
  const tpl = rec(s.template);
  if (!tpl) {
    errs.push(field.required('spec.template', ''));
    return errs;
  }
  const labels = strMap(rec(tpl.metadata)?.labels);
  if (Object.keys(selector).length > 0 && !Object.entries(selector).every(([k, v]) => labels[k] === v))
    errs.push(field.invalid('spec.template.metadata.labels', goStringMap(rec(tpl.metadata)?.labels), '`selector` does not match template `labels`'));
  errs.push(...validatePodTemplateSpec(tpl, 'spec.template'));
  const rp = rec(tpl.spec)?.restartPolicy;
  if (rp !== undefined && rp !== 'Always') errs.push(field.notSupported('spec.template.spec.restartPolicy', rp, ['Always']));
  return errs;
}

export const validatePodTemplate = (o: KubeObject): FieldError[] => validatePodTemplateSpec(o.template, 'template');

function validateQuantityMap(m: unknown, p: string): FieldError[] {
  const errs: FieldError[] = [];
  for (const [k, v] of Object.entries(rec(m) ?? {})) {
    const q = quantityAt(v, `${p}[${k}]`, errs);
    if (q) errs.push(...validateNonnegativeQuantity(q, `${p}[${k}]`));
  }
  return errs;
}

export const validateResourceQuota = (o: KubeObject): FieldError[] => validateQuantityMap(spec(o).hard, 'spec.hard');

export function validateLimitRange(o: KubeObject): FieldError[] {
  const errs: FieldError[] = [];
  arr(spec(o).limits).forEach((x, i) => {
    const l = rec(x) ?? {};
    const p = `spec.limits[${i}]`;
    errs.push(...enumValue(l.type, `${p}.type`, ['Container', 'PersistentVolumeClaim', 'Pod']));
    for (const k of ['max', 'min', 'default', 'defaultRequest', 'maxLimitRequestRatio']) errs.push(...validateQuantityMap(l[k], `${p}.${k}`));
  });
  return errs;
}

export { validatePodSpec };
