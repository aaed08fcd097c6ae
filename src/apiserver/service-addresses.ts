// ClusterIPs and NodePorts for Services, as kube-apiserver's service registry hands them out: a free random
// address of the service range on create, a free port of 30000-32767 for each port of a NodePort or
// LoadBalancer service, and on update the values already allocated carried over when the new object leaves
// them out. An address asked for by name must be free: else 422, in Kubernetes' words. What is in use is
// read from the stored services; every new address is also claimed in the store (service-address-claims.ts),
// and allocations in one process run one at a time, so concurrent creates (on one server or several over one
// etcd) never get the same address.
import { randomUUID } from 'node:crypto';
import { errors, field, type FieldError } from '../api/errors.js';
import type { KubeObject } from '../api/object.js';
import { isPlainObject } from '../api/object.js';
import type { ResourceInfo } from '../api/resource.js';
import { isStoreError, type Store } from '../store/types.js';
import { claim, claimedValues, serialized, type ClaimKind, type Holder } from './service-address-claims.js';

/** The service range (k3s's default, as Tugboat's brief fixes it); its first address is the `kubernetes` service's. */
export const SERVICE_CIDR = { base: (10 << 24) | (43 << 16), bits: 16 };
export const NODE_PORTS = { first: 30000, last: 32767 };

export const isCoreService = (info: ResourceInfo) => info.group === '' && info.plural === 'services';

type Obj = Record<string, unknown>;
const specOf = (svc: KubeObject): Obj => (isPlainObject(svc.spec) ? svc.spec : (svc.spec = {}));
const ports = (spec: Obj): Obj[] => (Array.isArray(spec['ports']) ? spec['ports'].filter(isPlainObject) : []);
const hasIP = (spec: Obj) => (typeof spec['clusterIP'] === 'string' && spec['clusterIP'] !== '') || (Array.isArray(spec['clusterIPs']) && spec['clusterIPs'].length > 0);
const needsNodePorts = (spec: Obj) => spec['type'] === 'NodePort' || (spec['type'] === 'LoadBalancer' && spec['allocateLoadBalancerNodePorts'] !== false);

export const ipString = (n: number) => [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
const CIDR_TEXT = `${ipString(SERVICE_CIDR.base)}/${32 - SERVICE_CIDR.bits}`;

function inServiceRange(ip: string): boolean {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(ip);
  if (!m) return true; // not an IPv4 address: validation reports it
  const n = ((Number(m[1]) << 24) | (Number(m[2]) << 16) | (Number(m[3]) << 8) | Number(m[4])) >>> 0;
  return n >>> (32 - SERVICE_CIDR.bits) === SERVICE_CIDR.base >>> (32 - SERVICE_CIDR.bits);
}

/** The addresses a service names itself (clusterIPs, else clusterIP), bar "None" (headless). */
function requestedIPs(spec: Obj): string[] {
  const list = Array.isArray(spec['clusterIPs']) && spec['clusterIPs'].length > 0 ? spec['clusterIPs'] : [spec['clusterIP']];
  return [...new Set(list.filter((ip): ip is string => typeof ip === 'string' && ip !== '' && ip !== 'None'))];
}

/**
 * Fills in spec.clusterIP(s) and nodePorts that the service needs and does not name, and claims every address
 * it holds that old (the stored object, on update) did not; dryRun checks without claiming.
 */
export function assignServiceAddresses(store: Store, prefix: string, svc: KubeObject, old?: KubeObject, o: { dryRun?: boolean } = {}): Promise<void> {
  return serialized(store, () => assign(store, prefix, svc, old, o.dryRun === true));
}

async function assign(store: Store, prefix: string, svc: KubeObject, old: KubeObject | undefined, dryRun: boolean): Promise<void> {
  const spec = specOf(svc);
  const oldSpec = old && isPlainObject(old.spec) ? old.spec : undefined;
  const type = spec['type'] ?? 'ClusterIP';
  if (oldSpec && type !== 'ExternalName' && !hasIP(spec) && hasIP(oldSpec)) {
    spec['clusterIP'] = oldSpec['clusterIP'];
    spec['clusterIPs'] = oldSpec['clusterIPs'];
  }
  if (oldSpec && needsNodePorts(spec)) {
    for (const p of ports(spec)) {
      if (p['nodePort']) continue;
      const was = ports(oldSpec).find((q) => q['port'] === p['port'] && (q['protocol'] ?? 'TCP') === (p['protocol'] ?? 'TCP'));
      if (was?.['nodePort']) p['nodePort'] = was['nodePort'];
    }
  }
  const me: Holder = { namespace: svc.metadata?.namespace ?? '', name: svc.metadata?.name ?? '' };
  const oldIPs = new Set(oldSpec ? requestedIPs(oldSpec) : []);
  const oldPorts = new Set(oldSpec ? ports(oldSpec).map((p) => String(p['nodePort'] ?? '')) : []);
  const askedIPs = type === 'ExternalName' ? [] : requestedIPs(spec).filter((ip) => !oldIPs.has(ip));
  const askedPorts = needsNodePorts(spec) ? ports(spec).filter((p) => p['nodePort'] && !oldPorts.has(String(p['nodePort']))) : [];
  const wantIP = type !== 'ExternalName' && !hasIP(spec);
  const wantPorts = needsNodePorts(spec) ? ports(spec).filter((p) => !p['nodePort']) : [];
  if (!wantIP && wantPorts.length === 0 && askedIPs.length === 0 && askedPorts.length === 0) {
    if (hasIP(spec) && !Array.isArray(spec['clusterIPs']) && typeof spec['clusterIP'] === 'string') spec['clusterIPs'] = [spec['clusterIP']];
    return;
  }
  const used = await inUse(store, prefix);
  const errs: FieldError[] = [];
  for (const ip of askedIPs) {
    const why = !inServiceRange(ip)
      ? `the provided IP (${ip}) is not in the valid range. The range of valid IPs is ${CIDR_TEXT}`
      : (await claim(store, 'ip', ip, me, used.ips.get(ip), dryRun)) ? undefined : 'provided IP is already allocated';
    if (why) {
      errs.push(field.invalid('spec.clusterIPs', Array.isArray(spec['clusterIPs']) ? spec['clusterIPs'] : [ip], `failed to allocate IP ${ip}: ${why}`));
      break;
    }
  }
  ports(spec).forEach((p, i) => {
    if (!askedPorts.includes(p)) return;
    const n = Number(p['nodePort']);
    if (n < NODE_PORTS.first || n > NODE_PORTS.last) {
      errs.push(field.invalid(`spec.ports[${i}].nodePort`, n, `provided port is not in the valid range. The range of valid ports is ${NODE_PORTS.first}-${NODE_PORTS.last}`));
    }
  });
  for (const [i, p] of ports(spec).entries()) {
    if (!askedPorts.includes(p) || errs.some((e) => e.field === `spec.ports[${i}].nodePort`)) continue;
    const port = String(p['nodePort']);
    if (!(await claim(store, 'nodePort', port, me, used.nodePorts.get(port), dryRun))) {
      errs.push(field.invalid(`spec.ports[${i}].nodePort`, Number(port), 'provided port is already allocated'));
    }
  }
  if (errs.length > 0) throw errors.invalid({ group: '', kind: 'Service' }, me.name, errs);
  if (wantIP) {
    // Offsets 0 (network), 1 (the kubernetes service) and the last (broadcast) are never handed out.
    const ip = await pickAndClaim(store, 'ip', (1 << SERVICE_CIDR.bits) - 3, used.ips, (i) => ipString(SERVICE_CIDR.base + 2 + i), me, dryRun);
    spec['clusterIP'] = ip;
    spec['clusterIPs'] = [ip];
  } else if (!Array.isArray(spec['clusterIPs']) && typeof spec['clusterIP'] === 'string') spec['clusterIPs'] = [spec['clusterIP']];
  for (const p of wantPorts) {
    const port = await pickAndClaim(store, 'nodePort', NODE_PORTS.last - NODE_PORTS.first + 1, used.nodePorts, (i) => String(NODE_PORTS.first + i), me, dryRun);
    used.nodePorts.set(port, me);
    p['nodePort'] = Number(port);
  }
}

/** Who holds each address now, by the stored services. */
async function inUse(store: Store, prefix: string): Promise<{ ips: Map<string, Holder>; nodePorts: Map<string, Holder> }> {
  const ips = new Map<string, Holder>();
  const nodePorts = new Map<string, Holder>();
  const { kvs } = await store.range(prefix);
  for (const kv of kvs) {
    const svc = JSON.parse(kv.value) as KubeObject;
    const spec = svc.spec;
    if (!isPlainObject(spec)) continue;
    const holder = { namespace: svc.metadata?.namespace ?? '', name: svc.metadata?.name ?? '' };
    for (const ip of Array.isArray(spec['clusterIPs']) ? spec['clusterIPs'] : [spec['clusterIP']]) if (typeof ip === 'string') ips.set(ip, holder);
    for (const p of ports(spec)) if (p['nodePort']) nodePorts.set(String(p['nodePort']), holder);
  }
  return { ips, nodePorts };
}

/**
 * A random free value, claimed. Values with any claim are passed over first; when only those are left, claims
 * that have been released are taken over.
 */
async function pickAndClaim(store: Store, kind: ClaimKind, count: number, held: Map<string, Holder>, at: (i: number) => string, me: Holder, dryRun: boolean): Promise<string> {
  const claimed = await claimedValues(store, kind);
  for (const avoidClaims of [true, false]) {
    const start = Math.floor(Math.random() * count);
    for (let k = 0; k < count; k++) {
      const v = at((start + k) % count);
      if (held.has(v) || (avoidClaims && claimed.has(v))) continue;
      if (await claim(store, kind, v, me, undefined, dryRun)) return v;
      claimed.add(v);
    }
  }
  throw errors.internal(kind === 'ip' ? 'failed to allocate a serviceIP: range is full' : 'failed to allocate a nodePort: range is full');
}

/**
 * The `default/kubernetes` service every cluster has, at the first address of the service range, pointing
 * at the API server's port (kube-apiserver keeps it in place the same way; its Endpoints come with the
 * endpoints controller).
 */
export async function ensureKubernetesService(store: Store, prefix: string, now: Date, apiPort: number): Promise<void> {
  const svc: KubeObject = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: {
      name: 'kubernetes',
      namespace: 'default',
      uid: randomUUID(),
      creationTimestamp: now.toISOString().replace(/\.\d+Z$/, 'Z'),
      labels: { component: 'apiserver', provider: 'kubernetes' },
    },
    spec: {
      clusterIP: ipString(SERVICE_CIDR.base + 1),
      clusterIPs: [ipString(SERVICE_CIDR.base + 1)],
      internalTrafficPolicy: 'Cluster',
      ipFamilies: ['IPv4'],
      ipFamilyPolicy: 'SingleStack',
      ports: [{ name: 'https', port: 443, protocol: 'TCP', targetPort: apiPort }],
      sessionAffinity: 'None',
      type: 'ClusterIP',
    },
    status: { loadBalancer: {} },
  };
  try {
    await store.create(`${prefix}default/kubernetes`, JSON.stringify(svc));
  } catch (e) {
    if (!isStoreError(e, 'AlreadyExists')) throw e;
  }
}
