// ClusterIPs and NodePorts for Services, as kube-apiserver's service registry hands them out: a free random
// address of the service range on create, a free port of 30000-32767 for each port of a NodePort or
// LoadBalancer service, and on update the values already allocated carried over when the new object leaves
// them out. What is in use is read from the stored services themselves (no separate allocation map), so two
// creates racing for the same random pick could collide; with 2^20 addresses that is left as a known limit.
import { randomUUID } from 'node:crypto';
import { errors } from '../api/errors.js';
import type { KubeObject } from '../api/object.js';
import { isPlainObject } from '../api/object.js';
import type { ResourceInfo } from '../api/resource.js';
import { isStoreError, type Store } from '../store/types.js';

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

/** Fills in spec.clusterIP(s) and nodePorts that the service needs and does not name; old is the stored one. */
export async function assignServiceAddresses(store: Store, prefix: string, svc: KubeObject, old?: KubeObject): Promise<void> {
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
  const wantIP = type !== 'ExternalName' && !hasIP(spec);
  const wantPorts = needsNodePorts(spec) ? ports(spec).filter((p) => !p['nodePort']) : [];
  if (!wantIP && wantPorts.length === 0) {
    if (hasIP(spec) && !Array.isArray(spec['clusterIPs']) && typeof spec['clusterIP'] === 'string') spec['clusterIPs'] = [spec['clusterIP']];
    return;
  }
  const used = await inUse(store, prefix);
  if (wantIP) {
    // Offsets 0 (network), 1 (the kubernetes service) and the last (broadcast) are never handed out.
    const ip = pickFree((1 << SERVICE_CIDR.bits) - 3, used.ips, (i) => ipString(SERVICE_CIDR.base + 2 + i));
    spec['clusterIP'] = ip;
    spec['clusterIPs'] = [ip];
  } else if (!Array.isArray(spec['clusterIPs']) && typeof spec['clusterIP'] === 'string') spec['clusterIPs'] = [spec['clusterIP']];
  for (const p of wantPorts) {
    const port = Number(pickFree(NODE_PORTS.last - NODE_PORTS.first + 1, used.nodePorts, (i) => String(NODE_PORTS.first + i)));
    used.nodePorts.add(String(port));
    p['nodePort'] = port;
  }
}

async function inUse(store: Store, prefix: string): Promise<{ ips: Set<string>; nodePorts: Set<string> }> {
  const ips = new Set<string>();
  const nodePorts = new Set<string>();
  const { kvs } = await store.range(prefix);
  for (const kv of kvs) {
    const spec = (JSON.parse(kv.value) as KubeObject).spec;
    if (!isPlainObject(spec)) continue;
    for (const ip of Array.isArray(spec['clusterIPs']) ? spec['clusterIPs'] : [spec['clusterIP']]) if (typeof ip === 'string') ips.add(ip);
    for (const p of ports(spec)) if (p['nodePort']) nodePorts.add(String(p['nodePort']));
  }
  return { ips, nodePorts };
}

/** A random free value among count candidates at(0..count-1), scanning on from a random start. */
function pickFree(count: number, used: Set<string>, at: (i: number) => string): string {
  const start = Math.floor(Math.random() * count);
  for (let k = 0; k < count; k++) {
    const v = at((start + k) % count);
    if (!used.has(v)) return v;
  }
  throw errors.internal('range is full');
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
